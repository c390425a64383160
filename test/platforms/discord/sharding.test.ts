import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DiscordBot } from '../../../src/platforms/discord/index.ts';
import { capturingLogger } from '../../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../../support/database.ts';
import { startFakeDiscord, type FakeDiscord } from '../../support/discord/fake-discord.ts';
import { isOriginalEdit, ofInteraction, startBot } from './support.ts';

// Two bot processes' worth of clients, each running one of two shards against one database: each
// server's interactions reach the shard that owns it, and either shard answers with the same data.
describe('Discord bot split over shards', () => {
  let database: TestDatabase;
  let discord: FakeDiscord;
  const bots: DiscordBot[] = [];
  before(async () => {
    database = await startTestDatabase();
    discord = await startFakeDiscord({ guilds: 2, spreadOverShards: 2 });
    const { logger } = capturingLogger();
    for (const shard of [0, 1]) bots.push((await startBot(discord, { prisma: database.prisma, logger, shards: [shard], shardCount: 2 })).bot);
  });
  after(async () => {
    for (const bot of bots) await bot.close();
    await discord?.close();
    await database?.destroy();
  });

  it('identifies each shard with its id and count, and each server is served by its own shard', async () => {
    assert.deepEqual([...discord.sessions].map((s) => s.shard).sort(), [[0, 2], [1, 2]]);
    assert.deepEqual(bots.map((bot) => [...bot.client.guilds.cache.keys()]), [[discord.guilds[0]!.id], [discord.guilds[1]!.id]]);
    for (const guild of discord.guilds) {
      const interaction = discord.slashCommand({ name: 'help', guild });
      const answer = await discord.waitForCall((c) => ofInteraction(interaction.token)(c) && isOriginalEdit(c));
      assert.match(answer.body.content, /\*\*Commands\*\*/);
      assert.equal(discord.calls.filter((c) => ofInteraction(interaction.token)(c) && c.path.endsWith('/callback')).length, 1, 'one shard answered');
    }
    const workspaces = await database.prisma.workspace.findMany({ where: { platform: 'discord' }, orderBy: { name: 'asc' } });
    assert.deepEqual(workspaces.map((w) => w.externalId).sort(), discord.guilds.map((g) => g.id).sort());
  });
});
