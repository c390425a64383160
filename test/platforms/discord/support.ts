// What the Discord tests share: a bot started against the stand-in, and ways to read its answers.
import { allCommands } from '../../../commands/index.ts';
import type { Command } from '../../../src/chat/command.ts';
import type { RateLimit } from '../../../src/chat/rate-limit.ts';
import type { CommandRegistry } from '../../../src/chat/command.ts';
import { createCommandRegistry } from '../../../src/chat/registry.ts';
import type { JobQueue } from '../../../src/jobs/index.ts';
import type { Logger } from '../../../src/log.ts';
import { registerCommands, startDiscordBot, type DiscordBot } from '../../../src/platforms/discord/index.ts';
import type { PrismaClient } from '../../../src/store/database.ts';
import type { FakeDiscord, RecordedCall } from '../../support/discord/fake-discord.ts';

export async function startBot(
  discord: FakeDiscord,
  options: { prisma: PrismaClient; logger: Logger; jobs?: JobQueue; rateLimit?: RateLimit; extraCommands?: Command[]; shards?: number[]; shardCount?: number },
): Promise<{ bot: DiscordBot; commands: CommandRegistry }> {
  const commands = createCommandRegistry([...allCommands, ...(options.extraCommands ?? [])]);
  // As `retouch discord register --guild` would, so interactions carry registered command ids.
  await registerCommands({ token: discord.token, applicationId: discord.applicationId, guildId: discord.guild.id, commands, rest: { api: discord.apiUrl } });
  const bot = await startDiscordBot({
    token: discord.token,
    applicationId: discord.applicationId,
    prisma: options.prisma,
    logger: options.logger,
    commands,
    jobs: options.jobs,
    rateLimit: options.rateLimit,
    rest: { api: discord.apiUrl, cdn: discord.cdnUrl },
    ...(options.shards ? { shards: options.shards, shardCount: options.shardCount } : {}),
  });
  return { bot, commands };
}

/** Calls made with one interaction's token (its callback and its webhook). */
export function ofInteraction(token: string): (call: RecordedCall) => boolean {
  return (call) => call.path.includes(`/${token}/`) || call.path.endsWith(`/${token}`);
}

export const isCallback = (call: RecordedCall) => /^\/interactions\/\d+\/[^/]+\/callback$/.test(call.path);
export const isOriginalEdit = (call: RecordedCall) => call.method === 'PATCH' && call.path.endsWith('/messages/@original');
export const isFollowUp = (call: RecordedCall) => call.method === 'POST' && /^\/webhooks\/\d+\/[^/]+$/.test(call.path);

/** Waits until `predicate` holds for the stand-in's state (not tied to one call). */
export async function eventually<T>(read: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
