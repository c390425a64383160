// A worker process killed with SIGKILL in the middle of a job, on every platform's reply path: the
// web chat in a real browser, Discord and Slack through their stand-ins. The bot front ends run here
// on one job queue with the shipped configuration (heartbeats every 2 s, a 10 s lease); the workers
// are real `retouch worker` processes on the shipped model. Each round has two idle workers; one
// takes the job and is killed mid-job; the job must be taken back and started again by the other
// within 30 s, and its result must arrive in the reply that was waiting for it, once.
//
// Prints the figures the README's reliability section quotes:
//   node scripts/run-tests.mjs kill-worker
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createDefaultRegistry } from '../../commands/index.ts';
import { retryingText } from '../../src/chat/job-reply.ts';
import { DEAD_WORKER, JobQueue, jobsConfig, type JobEvent, type JobRecord } from '../../src/jobs/index.ts';
import { startSlackBot, type SlackBot } from '../../src/platforms/slack/bot.ts';
import type { DiscordBot } from '../../src/platforms/discord/index.ts';
import { startWebChat, type WebChat } from '../../src/web/server.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { RETOUCH_BIN } from '../cli/run.ts';
import { startBot } from '../platforms/discord/support.ts';
import { launchChromium } from '../support/browser.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { startFakeDiscord, type FakeDiscord } from '../support/discord/fake-discord.ts';
import { HttpDelivery } from '../support/slack/delivery.ts';
import { SlackWebApiStandIn } from '../support/slack/web-api.ts';
import { SlackWorkspace } from '../support/slack/workspace.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const PROMPT = 'a large flat red star in the center on grass';
/** Long enough on the shipped model (a few seconds) to be killed in the middle. */
const STEPS = 300;
const RETRY_WITHIN_MS = 30_000;
const SLACK_CHANNEL = 'C0ARTROOM1';
const SLACK_USER = 'U0ALICE001';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  workerId: string;
}

interface Figures {
  platform: string;
  /** Kill → the job back in the queue (its worker's lease ran out). */
  takenBackMs: number;
  /** Kill → the job running again on the other worker. */
  retryMs: number;
  /** Kill → the result in the reply that was waiting. */
  deliveredMs: number;
}

describe('a worker killed mid-job', () => {
  requireShippedModel();
  let database: TestDatabase;
  let queue: JobQueue;
  let web: WebChat;
  let browser: Browser;
  let page: Page;
  let discord: FakeDiscord;
  let discordBot: DiscordBot;
  let slackApi: SlackWebApiStandIn;
  let slackBot: SlackBot;
  let slack: SlackWorkspace;
  const workers: WorkerProcess[] = [];
  const events: Array<{ at: number; event: JobEvent }> = [];
  const figures: Figures[] = [];
  const { logger } = capturingLogger();

  before(async () => {
    database = await startTestDatabase();
    queue = await JobQueue.open({ url: database.url, config: jobsConfig(), logger });
    queue.subscribe((event) => events.push({ at: Date.now(), event }));
    web = await startWebChat({ prisma: database.prisma, logger, jobs: queue, host: '127.0.0.1', port: 0 });
    discord = await startFakeDiscord();
    discordBot = (await startBot(discord, { prisma: database.prisma, logger, jobs: queue })).bot;
    slackApi = await new SlackWebApiStandIn({ botToken: 'xoxb-0000000000-retouch-test-token' }).start();
    slackApi.addUser({ id: SLACK_USER, name: 'alice' });
    slackApi.addConversation(SLACK_CHANNEL, 'art-room');
    slackBot = await startSlackBot({
      botToken: 'xoxb-0000000000-retouch-test-token', signingSecret: SLACK_SECRET, port: 0, host: '127.0.0.1',
      prisma: database.prisma, logger, commands: createDefaultRegistry(), jobs: queue, clientOptions: { slackApiUrl: slackApi.apiUrl },
    });
    slack = new SlackWorkspace(slackApi, new HttpDelivery(slackBot.url!, SLACK_SECRET));
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(web.url);
    await page.locator('#status[data-state="open"]').waitFor();
  });

  after(async () => {
    for (const { child } of workers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await Promise.all(workers.map(({ child }) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
    await browser?.close();
    await web?.close();
    await discordBot?.close({ graceMs: 1000 });
    await discord?.close();
    await slackBot?.close();
    await slackApi?.close();
    await queue?.close();
    await database?.destroy();
    for (const f of figures) {
      console.log(`# ${f.platform}: kill → taken back ${(f.takenBackMs / 1000).toFixed(1)} s, → retry started ${(f.retryMs / 1000).toFixed(1)} s, → delivered ${(f.deliveredMs / 1000).toFixed(1)} s`);
    }
  });

  /** A `retouch worker` process on the test database; resolves once it takes jobs. */
  async function spawnWorker(): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [RETOUCH_BIN, 'worker', '--json'], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn', RETOUCH_JOBS_PROGRESS_INTERVAL_MS: '250' },
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const workerId = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker not ready in 120 s:\n${stderr}`)), 120_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((l) => l.startsWith('{'));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { workerId: string }).workerId);
        }
      });
      child.on('exit', (code) => reject(new Error(`worker exited with ${code}:\n${stderr}`)));
    });
    const worker = { child, workerId };
    workers.push(worker);
    return worker;
  }

  async function twoIdleWorkers(): Promise<void> {
    while (workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length < 2) await spawnWorker();
  }

  async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const eventOf = (jobId: string, match: (event: JobEvent) => boolean) =>
    eventually(`an event of job ${jobId}`, () => events.find((e) => e.event.jobId === jobId && match(e.event)), RETRY_WITHIN_MS + 30_000);

  /**
   * Submits through `submit`, kills the worker that takes the job once it is under way, and checks
   * the job is taken back, retried by the other worker and delivered (`delivered` resolves when the
   * waiting reply shows the result). Returns the job.
   */
  async function killMidJob(platform: string, seed: number, submit: () => Promise<unknown>, delivered: () => Promise<unknown>): Promise<JobRecord> {
    await twoIdleWorkers();
    const since = new Date();
    await submit();
    const running = await eventually('the job to be under way', async () => {
      const job = await database.prisma.job.findFirst({ where: { createdAt: { gte: since }, state: 'running', progress: { gte: 0.15, lte: 0.8 } } });
      return job ?? undefined;
    });
    const victim = workers.find((w) => w.workerId === running.workerId);
    assert.ok(victim, `the job runs on one of our workers (${running.workerId})`);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await once(victim.child, 'exit');

    const takenBack = await eventOf(running.id, (e) => e.type === 'retrying');
    assert.equal((takenBack.event as { error: string }).error, DEAD_WORKER);
    // /status's figures while it waits for its retry: no phantom running job, one worker alive.
    const health = await queue.health();
    assert.deepEqual([health.depth.running, health.workers.alive], [0, 1], JSON.stringify(health));
    const retried = await eventOf(running.id, (e) => e.type === 'started' && e.attempt === 2);
    assert.ok(retried.at - killedAt <= RETRY_WITHIN_MS, `retried ${retried.at - killedAt} ms after the kill`);
    await delivered();
    const deliveredAt = Date.now();
    figures.push({ platform, takenBackMs: takenBack.at - killedAt, retryMs: retried.at - killedAt, deliveredMs: deliveredAt - killedAt });

    const job = (await queue.get(running.id))!;
    assert.equal(job.state, 'succeeded');
    assert.equal(job.attempts, 2);
    assert.ok(job.deliveredAt, 'claimed for delivery');
    assert.equal(await queue.claimDelivery(job.id), null, 'claimed exactly once');
    const [stored] = await database.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM edits WHERE (plan->'output'->>'seed')::int = ${seed}`;
    assert.equal(stored?.n, 1, 'one result stored');
    assert.equal(events.filter((e) => e.event.jobId === job.id && e.event.type === 'succeeded').length, 1);
    assert.ok((job.payload as { plan: { output: { seed: number } } }).plan.output.seed === seed);
    return job;
  }

  it('web chat: the waiting reply in the browser gets the result, once', async () => {
    const seed = 11;
    const waiting = page.locator('.message.bot', { hasText: `seed ${seed}` });
    const reply = page.locator('.message.bot', { hasText: PROMPT }).last();
    await killMidJob(
      'web chat',
      seed,
      async () => {
        await page.locator('#text').fill(`/imagine ${PROMPT} steps:${STEPS} seed:${seed}`);
        await page.locator('#text').press('Enter');
        await reply.waitFor();
      },
      () => waiting.locator('img').first().waitFor({ timeout: 90_000 }),
    );
    assert.equal(await waiting.count(), 1, 'one reply with the result');
    assert.equal(await page.locator('.message.bot').count(), 1, 'in the reply that was waiting: no other message');
    assert.equal(await reply.getByRole('button', { name: 'Cancel' }).count(), 0);
    await reply.getByRole('button', { name: 'Save to gallery' }).click();
    await page.locator('.message.bot', { hasText: 'Saved to the gallery' }).waitFor();
  });

  it('Discord: the interaction\'s reply gets the result, once', async () => {
    const seed = 12;
    let token = '';
    const showsResult = (content: string | undefined) => content?.includes(`seed ${seed}`) ?? false;
    await killMidJob(
      'Discord',
      seed,
      async () => {
        token = discord.slashCommand({
          name: 'imagine',
          options: [{ name: 'prompt', type: 3, value: PROMPT }, { name: 'steps', type: 4, value: STEPS }, { name: 'seed', type: 4, value: seed }],
        }).token;
      },
      () => eventually('the Discord reply to show the result', () => discord.channelMessages().find((m) => showsResult(m.content) && m.attachments.length === 1), 90_000),
    );
    const edits = discord.calls.filter((c) => c.path.includes(`/${token}/`) && c.method === 'PATCH');
    assert.ok(edits.some((c) => c.body?.content?.endsWith(retryingText(DEAD_WORKER))), 'the reply said why it started again');
    assert.ok(showsResult(edits.at(-1)?.body?.content) && edits.at(-1)!.path.endsWith('/messages/@original'), 'the result went into the original reply');
    assert.equal(discord.channelMessages().filter((m) => showsResult(m.content)).length, 1, 'posted once');
  });

  it('Slack: the posted reply is updated with the result, once', async () => {
    const seed = 13;
    const results = () => (slackApi.conversations.get(SLACK_CHANNEL)?.messages ?? []).filter((m) => m.user === slackApi.botUserId && m.text.includes(`seed ${seed}`));
    await killMidJob(
      'Slack',
      seed,
      () => slack.slashCommand(SLACK_USER, SLACK_CHANNEL, '/imagine', `${PROMPT} steps:${STEPS} seed:${seed}`),
      () => eventually('the Slack reply to show the result', () => results().find((m) => (m.blocks ?? []).some((b) => b.type === 'image')), 90_000),
    );
    const [message] = results();
    assert.equal(results().length, 1, 'one message with the result');
    const updates = slackApi.calls.filter((c) => c.method === 'chat.update' && c.ok && c.args.ts === message!.ts).map((c) => String(c.args.text));
    assert.ok(updates.some((text) => text.endsWith(retryingText(DEAD_WORKER))), 'the reply said why it started again');
  });
});
