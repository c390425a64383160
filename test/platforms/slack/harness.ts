// One Slack bot on a real database and studio worker, talking to the Slack stand-in: over HTTP
// (signed requests) or Socket Mode. Tests act as people in the stand-in workspace and read what
// the bot did there.
import { createDefaultRegistry } from '../../../commands/index.ts';
import type { RateLimit } from '../../../src/chat/rate-limit.ts';
import type { Logger } from '../../../src/log.ts';
import { startSlackBot, type SlackBot } from '../../../src/platforms/slack/bot.ts';
import { capturingLogger } from '../../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../../support/database.ts';
import { HttpDelivery, SocketModeDelivery, type Delivery } from '../../support/slack/delivery.ts';
import { SlackWebApiStandIn, type StandInMessage } from '../../support/slack/web-api.ts';
import { SlackWorkspace } from '../../support/slack/workspace.ts';
import { startTestStudio, type TestStudio } from '../../support/studio.ts';

export const BOT_TOKEN = 'xoxb-0000000000-retouch-test-token';
export const APP_TOKEN = 'xapp-1-A0RETOUCH1-0000-retouch-test';
export const SIGNING_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
export const CHANNEL = 'C0ARTROOM1';
export const ALICE = 'U0ALICE001';
export const BOB = 'U0BOB00001';
export const ADMIN = 'U0ADMIN001';

export interface SlackHarness {
  database: TestDatabase;
  studio: TestStudio | undefined;
  api: SlackWebApiStandIn;
  workspace: SlackWorkspace;
  delivery: Delivery;
  bot: SlackBot;
  logger: Logger;
  logs: () => Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export async function startSlackHarness({
  mode,
  studio: withStudio = true,
  fileProcessingMs = 0,
  rateLimit,
}: {
  mode: 'http' | 'socket';
  studio?: boolean;
  fileProcessingMs?: number;
  rateLimit?: RateLimit;
}): Promise<SlackHarness> {
  const { logger, lines } = capturingLogger();
  const database = await startTestDatabase();
  const studio = withStudio ? await startTestStudio(database, logger) : undefined;
  const api = await new SlackWebApiStandIn({ botToken: BOT_TOKEN, appToken: APP_TOKEN, fileProcessingMs }).start();
  api.addUser({ id: ALICE, name: 'alice' });
  api.addUser({ id: BOB, name: 'bob' });
  api.addUser({ id: ADMIN, name: 'ada', isAdmin: true });
  api.addConversation(CHANNEL, 'art-room');
  const socket = mode === 'socket' ? await SocketModeDelivery.start(api) : undefined;
  const bot = await startSlackBot({
    botToken: BOT_TOKEN,
    ...(mode === 'http' ? { signingSecret: SIGNING_SECRET, port: 0, host: '127.0.0.1' } : { appToken: APP_TOKEN }),
    prisma: database.prisma,
    logger,
    commands: createDefaultRegistry(),
    jobs: studio?.jobs,
    rateLimit,
    clientOptions: { slackApiUrl: api.apiUrl },
  });
  const delivery: Delivery = socket ?? new HttpDelivery(bot.url!, SIGNING_SECRET);
  if (socket) await socket.waitForConnection();
  return {
    database,
    studio,
    api,
    workspace: new SlackWorkspace(api, delivery),
    delivery,
    bot,
    logger,
    logs: lines,
    async stop() {
      await bot.close();
      await delivery.close();
      await api.close();
      await studio?.stop();
      await database.destroy();
    },
  };
}

/** The bot's top-level messages (or a thread's replies) in the channel, oldest first. */
export function botMessages(api: SlackWebApiStandIn, { threadTs }: { threadTs?: string } = {}): StandInMessage[] {
  return (api.conversations.get(CHANNEL)?.messages ?? []).filter(
    (m) => m.user === api.botUserId && (threadTs === undefined ? m.thread_ts === undefined || m.thread_ts === m.ts : m.thread_ts === threadTs && m.ts !== threadTs),
  );
}

/** The file ids of a message's image blocks. */
export function imageFiles(message: StandInMessage | undefined): string[] {
  return (message?.blocks ?? []).filter((b) => b.type === 'image').map((b) => (b.slack_file as { id: string }).id);
}

/** The action ids of a message's buttons. */
export function buttons(message: StandInMessage | undefined): string[] {
  return (message?.blocks ?? []).flatMap((b) => (b.type === 'actions' ? (b.elements as Array<{ action_id: string }>).map((e) => e.action_id) : []));
}

/** A message's visible text (its sections). */
export function shownText(message: StandInMessage | undefined): string {
  return (message?.blocks ?? []).filter((b) => b.type === 'section').map((b) => (b.text as { text: string }).text).join('\n');
}

/** Polls an async check (e.g. a database read) until it gives something. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
