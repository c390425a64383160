import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { defineCommand } from '../../src/chat/command.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import { createRateLimit, memoryRateLimit, postgresRateLimit, retryIn, type RateLimit } from '../../src/chat/rate-limit.ts';
import { createCommandRegistry } from '../../src/chat/registry.ts';
import { help } from '../../commands/help.ts';
import { queryOnce, startTestDatabase, type TestDatabase } from '../support/database.ts';
import { buttonPress, capturingLogger, message, recordingChannel, withImage } from './helpers.ts';

let pressed = 0;
const clicker = defineCommand({
  name: 'clicker',
  description: 'Test only: counts presses of its button.',
  options: {},
  examples: [{ usage: '/clicker', description: 'offer a button' }],
  async run(context) {
    await context.reply({ text: 'press it', buttons: [{ id: 'clicker:press', label: 'Press' }] });
  },
  async onButton(context) {
    pressed += 1;
    await context.reply('pressed');
  },
});

let database: TestDatabase;
const limits: RateLimit[] = [];

before(async () => {
  database = await startTestDatabase();
});

after(async () => {
  for (const limit of limits) await limit.close();
  await database?.destroy();
});

function dispatcherWith(rateLimit: RateLimit | undefined): Dispatcher {
  return createDispatcher({ prisma: database.prisma, logger: capturingLogger().logger, commands: createCommandRegistry([help, clicker]), rateLimit });
}

const as = (externalId: string) => ({ user: { externalId, displayName: externalId } });

async function counts() {
  const [users, images, jobs, shown] = await Promise.all([
    database.prisma.user.count(),
    database.prisma.image.count(),
    database.prisma.job.count(),
    database.prisma.messageImage.count(),
  ]);
  return { users, images, jobs, shown };
}

test('over the limit, the first message gets one ephemeral reply saying when to try again, later ones none; nothing is written', async () => {
  const dispatcher = dispatcherWith(memoryRateLimit(3));
  for (let i = 0; i < 3; i++) {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message('/help', as('busy')), channel);
    assert.match(channel.text(), /Commands/);
  }
  const before = await counts();
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#00ff00' } }).png().toBuffer();
  const over = recordingChannel();
  await dispatcher.handleMessage({ ...withImage(png, 'green.png', '/help'), ...as('busy') }, over);
  assert.equal(over.sent.length, 1);
  assert.equal(over.sent[0]!.reply.ephemeral, true);
  assert.match(over.text(), /at most 3 a minute\)\. Please try again in (\d+) seconds?\./);
  const seconds = Number(/in (\d+) second/.exec(over.text())?.[1]);
  assert.ok(seconds >= 1 && seconds <= 60, over.text());
  assert.deepEqual(await counts(), before, 'no image, no job, no user row for a refused message');
  // One notice per window: the next messages over the limit are dropped without another.
  for (let i = 0; i < 3; i++) {
    const again = recordingChannel();
    await dispatcher.handleMessage(message('/help', as('busy')), again);
    assert.equal(again.sent.length, 0, `extra message ${i + 1} over the limit gets no second notice`);
  }

  // Someone else is not held back.
  const other = recordingChannel();
  await dispatcher.handleMessage(message('/help', as('calm')), other);
  assert.match(other.text(), /Commands/);
});

test('button presses count against the same limit and are not run past it', async () => {
  const dispatcher = dispatcherWith(memoryRateLimit(2));
  pressed = 0;
  await dispatcher.handleMessage(message('/clicker', as('clicky')), recordingChannel());
  const first = recordingChannel();
  await dispatcher.handleButton({ ...buttonPress('clicker:press'), ...as('clicky') }, first);
  assert.equal(first.text(), 'pressed');
  const over = recordingChannel();
  await dispatcher.handleButton({ ...buttonPress('clicker:press'), ...as('clicky') }, over);
  assert.equal(pressed, 1, 'the third event of the minute did not reach the command');
  assert.equal(over.sent.length, 1);
  assert.equal(over.sent[0]!.reply.ephemeral, true);
  assert.match(over.text(), /Please try again in \d+ seconds?/);
});

test('with Postgres, the limit holds across bot processes sharing the database', async () => {
  // Two dispatchers, each with its own limiter and connection pool, as two bot processes would have.
  const [a, b] = [await postgresRateLimit({ url: database.url, perMinute: 3 }), await postgresRateLimit({ url: database.url, perMinute: 3 })];
  limits.push(a, b);
  const first = dispatcherWith(a);
  const second = dispatcherWith(b);
  const outcomes: string[] = [];
  for (const dispatcher of [first, second, first, second, first]) {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message('/help', as('shared')), channel);
    outcomes.push(channel.sent.length === 0 ? 'silent' : channel.sent[0]!.reply.ephemeral ? 'limited' : 'answered');
  }
  // One notice per window across the processes too: the count that decides it is the shared one.
  assert.deepEqual(outcomes, ['answered', 'answered', 'answered', 'limited', 'silent']);
  const rows = await queryOnce<{ key: string; points: number }>(database.url, 'SELECT key, points FROM retouch_rate_limit.rate_limits');
  assert.deepEqual(rows.map((r) => [r.key, r.points]), [['retouch:local:shared', 5]]);
  // The table lives in its own schema, out of Prisma's way.
  const inPublic = await queryOnce(database.url, "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'rate_limits'");
  assert.equal(inPublic.length, 0);
});

test('0 per minute turns the limit off; a database url makes it shared', async () => {
  assert.equal(await createRateLimit({ perMinute: 0, url: database.url }), undefined);
  const memory = await createRateLimit({ perMinute: 5 });
  assert.equal(memory?.perMinute, 5);
  const shared = await createRateLimit({ perMinute: 5, url: database.url });
  limits.push(shared!);
  assert.deepEqual(await shared!.take('someone'), { allowed: true });
  assert.equal(retryIn(400), 'in 1 second');
  assert.equal(retryIn(42_100), 'in 43 seconds');
  assert.equal(retryIn(150_000), 'in 3 minutes');
});
