import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TextChannel } from 'discord.js';
import type { JobRecord } from '../../../src/jobs/index.ts';
import { planFromSlashOptions } from '../../../src/plan/index.ts';
import type { DiscordBot } from '../../../src/platforms/discord/index.ts';
import { capturingLogger } from '../../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../../support/database.ts';
import { startFakeDiscord, type FakeDiscord } from '../../support/discord/fake-discord.ts';
import { startTestStudio, type TestStudio } from '../../support/studio.ts';
import { eventually, startBot } from './support.ts';
import { requireShippedModel } from '../../support/shipped-models.ts';

// A bot process died while a job ran; the job finished with nobody following it. The next bot to
// connect edits the reply that was waiting for it with the result (with the bot's own token: the
// interaction's may have expired), or posts the result anew when that reply is gone.
describe('Discord: results that finished while the bot was down', () => {
  requireShippedModel();
  let database: TestDatabase;
  let studio: TestStudio;
  let discord: FakeDiscord;
  const logger = capturingLogger().logger;
  before(async () => {
    database = await startTestDatabase();
    studio = await startTestStudio(database, logger);
    discord = await startFakeDiscord();
  });
  after(async () => {
    await discord?.close();
    await studio?.stop();
    await database?.destroy();
  });

  async function finishedJob(deliverTo: Record<string, string>, key: string): Promise<JobRecord> {
    const workspace = await database.prisma.workspace.create({ data: { platform: 'discord', externalId: `G-${key}`, name: 'guild' } });
    const user = await database.prisma.user.create({ data: { platform: 'discord', externalId: `U-${key}`, displayName: 'carol' } });
    const planned = planFromSlashOptions('imagine', { prompt: 'a large red star in the center on grass', steps: 4, seed: 2 });
    const plan = planned.kind === 'plan' ? planned.plan : assert.fail(planned.question);
    const { job } = await studio.jobs.submit({
      kind: 'generate', userId: user.id, workspaceId: workspace.id, idempotencyKey: key,
      payload: { plan, owner: { userId: user.id, workspaceId: workspace.id }, deliverTo } as never,
    });
    return eventually(async () => {
      const current = await studio.jobs.get(job.id);
      return current?.state === 'succeeded' ? current : undefined;
    }, 'the job to finish', 60_000);
  }

  it('edits the waiting reply with the result, or posts it anew when that reply was deleted; each once', async () => {
    // The dead process's "Queued…" reply, sent by the bot (a first connection posts it, then goes away).
    const first = (await startBot(discord, { prisma: database.prisma, logger })).bot;
    const channel = (await first.client.channels.fetch(discord.channelId)) as TextChannel;
    const waiting = await channel.send('Drawing **a large red star**\n\nQueued…');
    const gone = await channel.send('Drawing **a large red star**\n\nQueued…');
    await gone.delete();
    await first.close({ graceMs: 1000 });

    const edited = await finishedJob({ platform: 'discord', channelId: discord.channelId, messageId: waiting.id }, 'restart-edit');
    const reposted = await finishedJob({ platform: 'discord', channelId: discord.channelId, messageId: gone.id }, 'restart-repost');

    const { bot } = await startBot(discord, { prisma: database.prisma, logger, jobs: studio.jobs });
    let restarted: DiscordBot | undefined = bot;
    try {
      const message = await eventually(() => {
        const m = discord.channelMessages().find((x) => x.id === waiting.id);
        return m && /finished while I was restarting/.test(m.content) ? m : undefined;
      }, 'the waiting reply to show the result');
      assert.equal(message.attachments.length, 1, 'the result PNG');
      assert.ok((message.components ?? []).length > 0, 'with its buttons');
      const anew = await eventually(
        () => discord.channelMessages().find((m) => m.id !== waiting.id && /finished while I was restarting/.test(m.content)),
        'the result of the job whose reply was deleted, posted anew',
      );
      assert.equal(anew.attachments.length, 1);
      await restarted.close({ graceMs: 5000 });
      restarted = undefined;
      const left = (await studio.jobs.undelivered()).map((j) => j.id);
      assert.ok(!left.includes(edited.id) && !left.includes(reposted.id));
      assert.equal(await studio.jobs.claimDelivery(edited.id), null, 'claimed exactly once');
    } finally {
      await restarted?.close({ graceMs: 1000 });
    }
  });
});
