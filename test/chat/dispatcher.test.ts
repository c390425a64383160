import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { allCommands, createDefaultRegistry } from '../../commands/index.ts';
import { help } from '../../commands/help.ts';
import { defineCommand } from '../../src/chat/command.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import { createCommandRegistry } from '../../src/chat/registry.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { buttonPress, capturingLogger, message, recordingChannel } from './helpers.ts';

const echo = defineCommand({
  name: 'echo',
  description: 'Says the text back, louder when asked.',
  options: {
    text: { type: 'string', description: 'what to say', required: true },
    times: { type: 'integer', description: 'how many times' },
  },
  examples: [
    { usage: '/echo hello', description: 'say hello back' },
    { usage: '/echo text:hi times:3', description: 'say hi three times' },
  ],
  async run(context, { text, times }) {
    const sent = await context.reply({ text: 'working…' });
    await sent.update({ text: Array.from({ length: times ?? 1 }, () => text).join(' '), buttons: [{ id: 'echo:again', label: 'Again' }] });
  },
  async onButton(context, payload) {
    await context.reply(`button ${payload} pressed on ${context.replyId} by ${context.user.displayName}`);
  },
});

const broken = defineCommand({
  name: 'broken',
  description: 'Always fails.',
  options: {},
  examples: [{ usage: '/broken', description: 'fail' }],
  async run() {
    throw new Error('the flux capacitor is empty');
  },
});

let database: TestDatabase;
let dispatcher: Dispatcher;
let logs: ReturnType<typeof capturingLogger>;

before(async () => {
  database = await startTestDatabase();
  logs = capturingLogger();
  dispatcher = createDispatcher({
    prisma: database.prisma,
    logger: logs.logger,
    commands: createCommandRegistry([help, echo, broken]),
  });
});

after(async () => {
  await database?.destroy();
});

async function say(text: string) {
  const channel = recordingChannel();
  await dispatcher.handleMessage(message(text), channel);
  return channel;
}

test('an unknown command is named and pointed to /help', async () => {
  const channel = await say('/frobnicate now');
  assert.equal(channel.sent.length, 1);
  assert.match(channel.text(), /no command `\/frobnicate`/);
  assert.match(channel.text(), /`\/help`/);
});

test('/help lists every registered command with its usage examples', async () => {
  const text = (await say('/help')).text();
  for (const command of [help, echo, broken]) {
    assert.ok(text.includes(`\`/${command.name}\`: ${command.description}`), `lists /${command.name}`);
    for (const example of command.examples) assert.ok(text.includes(`\`${example.usage}\``), `shows ${example.usage}`);
  }
  assert.match(text, /attach a PNG, JPEG, WebP or GIF/);
});

test('/help <command> explains one command, its options and examples', async () => {
  for (const ask of ['/help echo', '/help /echo', '/help command:ECHO']) {
    const text = (await say(ask)).text();
    assert.match(text, /\*\*\/echo\*\*: Says the text back/, ask);
    assert.match(text, /`text` \(text, required\): what to say/, ask);
    assert.match(text, /`times` \(a whole number, optional\): how many times/, ask);
    assert.match(text, /`\/echo text:hi times:3`: say hi three times/, ask);
    assert.doesNotMatch(text, /\/broken/, ask);
  }
  assert.match((await say('/help nosuch')).text(), /There is no command `\/nosuch`. The commands are: `\/help`, `\/echo`, `\/broken`/);
});

test('the default /help shows exactly the commands that exist', async () => {
  const defaults = createDispatcher({ prisma: database.prisma, logger: logs.logger, commands: createDefaultRegistry() });
  const channel = recordingChannel();
  await defaults.handleMessage(message('/help'), channel);
  const listed = [...channel.text().matchAll(/^- `\/([a-z0-9_-]+)`/gm)].map((match) => match[1]);
  assert.deepEqual(listed, allCommands.map((command) => command.name));
});

test('a handler gets typed arguments and can update its reply', async () => {
  const channel = await say('/echo hi times:2');
  assert.deepEqual(channel.sent.map((s) => s.reply.text), ['working…']);
  assert.deepEqual(channel.edits, [
    { id: 'reply-1', reply: { text: 'hi hi', buttons: [{ id: 'echo:again', label: 'Again' }] } },
  ]);
});

test('options that arrive already split (Discord, Slack) are checked the same way', async () => {
  const channel = recordingChannel();
  await dispatcher.handleMessage(message('', { command: { name: 'echo', options: { text: 'yo', times: 3 } } }), channel);
  assert.equal(channel.edits[0]?.reply.text, 'yo yo yo');
  const wrong = recordingChannel();
  await dispatcher.handleMessage(message('', { command: { name: 'echo', options: { text: 'yo', loud: true } } }), wrong);
  assert.match(wrong.text(), /\/echo has no option `loud`/);
});

test('bad arguments get the problem and a pointer to /help <command>', async () => {
  const text = (await say('/echo hi times:lots')).text();
  assert.match(text, /`\/echo`: `times` must be a whole number, not "lots"\. Type `\/help echo`/);
});

test('a throwing handler gets a polite reply and a logged error, not a crash', async () => {
  const channel = await say('/broken');
  assert.equal(channel.sent.length, 1);
  assert.match(channel.text(), /Sorry, `\/broken` failed because of an error on my side/);
  assert.doesNotMatch(channel.text(), /flux capacitor/, 'internals stay in the log');
  const logged = logs.lines().find((line) => line.msg === 'command failed');
  assert.ok(logged, 'the failure is logged');
  assert.equal(logged.level, 50);
  assert.match(JSON.stringify(logged.err), /flux capacitor/);
});

test('a failing reply channel is logged, never thrown', async () => {
  const failing = {
    send: async () => {
      throw new Error('socket gone');
    },
    edit: async () => undefined,
  };
  await dispatcher.handleMessage(message('/help'), failing);
  assert.ok(logs.lines().some((line) => line.msg === 'could not send the error reply'));
});

test('plain text is answered with a pointer to the commands', async () => {
  assert.match((await say('make it blue')).text(), /only understand commands.*`\/help`/);
});

test('buttons are routed to the command that made them', async () => {
  const channel = recordingChannel();
  await dispatcher.handleButton(buttonPress('echo:again', 'reply-7'), channel);
  assert.equal(channel.text(), 'button again pressed on reply-7 by Tess');
  const stale = recordingChannel();
  await dispatcher.handleButton(buttonPress('help:whatever'), stale);
  assert.match(stale.text(), /no longer does anything/);
});

test('the workspace and user are recorded, and renames followed', async () => {
  const source = {
    workspace: { externalId: 'guild-42', name: 'Painters' },
    user: { externalId: 'user-7', displayName: 'Ada' },
  };
  await dispatcher.handleMessage(message('/help', { platform: 'discord', ...source }), recordingChannel());
  await dispatcher.handleMessage(
    message('/help', { platform: 'discord', ...source, user: { externalId: 'user-7', displayName: 'Ada L.' } }),
    recordingChannel(),
  );
  const workspaces = await database.prisma.workspace.findMany({ where: { externalId: 'guild-42' } });
  assert.deepEqual(workspaces.map((w) => [w.platform, w.name]), [['discord', 'Painters']]);
  const users = await database.prisma.user.findMany({ where: { externalId: 'user-7' } });
  assert.deepEqual(users.map((u) => [u.platform, u.displayName]), [['discord', 'Ada L.']]);
});
