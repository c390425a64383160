import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createDefaultRegistry } from '../../commands/index.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import type { IncomingMessage } from '../../src/chat/messages.ts';
import { defaultsFor, listensIn, normaliseChannel } from '../../src/chat/settings.ts';
import { jobsConfig, JobQueue } from '../../src/jobs/index.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { capturingLogger, message, recordingChannel } from './helpers.ts';

let database: TestDatabase;
let dispatcher: Dispatcher;
let jobs: JobQueue;

const admin = { user: { externalId: 'boss', displayName: 'Boss', isAdmin: true } };
const member = { user: { externalId: 'member', displayName: 'Mem', isAdmin: false } };

async function say(text: string, overrides: Partial<IncomingMessage> = {}) {
  const channel = recordingChannel();
  await dispatcher.handleMessage(message(text, overrides), channel);
  return channel;
}

const settingsOf = async (externalId: string) => (await database.prisma.user.findFirstOrThrow({ where: { externalId } })).settings;
const workspaceSettings = async () => (await database.prisma.workspace.findFirstOrThrow({ where: { externalId: 'test-workspace' } })).settings;

before(async () => {
  database = await startTestDatabase();
  // A queue with no worker: submitted jobs wait, as they do behind a busy GPU.
  jobs = await JobQueue.open({ url: database.url, config: jobsConfig({ pollIntervalMs: 200 }), logger: capturingLogger().logger });
  dispatcher = createDispatcher({ prisma: database.prisma, logger: capturingLogger().logger, commands: createDefaultRegistry(), jobs });
});

after(async () => {
  await jobs?.close();
  await database?.destroy();
});

describe('/settings', () => {
  it('alone shows the built-in defaults, privately', async () => {
    const channel = await say('/settings', member);
    assert.equal(channel.sent[0]!.reply.ephemeral, true);
    assert.match(channel.text(), /\*\*Your defaults\*\*[\s\S]*steps: not set \(the built-in \*\*50\*\* applies\)[\s\S]*guidance: not set \(the built-in \*\*7.5\*\* applies\)[\s\S]*channels: every channel/);
  });

  it('sets your own defaults, and refuses values out of range without writing', async () => {
    const saved = await say('/settings steps:30', member);
    assert.match(saved.text(), /Saved\. Your defaults are now:\n- steps: \*\*30\*\*/);
    assert.deepEqual(await settingsOf('member'), { steps: 30 });
    const tooHigh = await say('/settings guidance:99 steps:40', member);
    assert.equal(tooHigh.text(), '`/settings`: `guidance` must be a number from 0 to 30, not "99". Type `/help settings` for how to use it.');
    assert.deepEqual(await settingsOf('member'), { steps: 30 }, 'steps:40 was not written either');
    const notYours = await say('/settings channels:#art', member);
    assert.match(notYours.text(), /I changed nothing: `channels` is a workspace setting/);
  });

  it('lets only admins change the workspace, keeping its other settings', async () => {
    const workspace = await database.prisma.workspace.findFirstOrThrow({ where: { externalId: 'test-workspace' } });
    await database.prisma.workspace.update({ where: { id: workspace.id }, data: { settings: { jobs: { dailyQuotaPerUser: 7 } } } });
    const refused = await say('/settings scope:workspace steps:20', member);
    assert.equal(refused.sent[0]!.reply.ephemeral, true);
    assert.match(refused.text(), /I changed nothing: only an admin of Test workspace can change the workspace's settings/);
    assert.deepEqual(await workspaceSettings(), { jobs: { dailyQuotaPerUser: 7 } });

    const saved = await say('/settings scope:workspace steps:20 guidance:5 channels:<#111>, #art,<#C0ABCDEF|bots>', admin);
    assert.match(saved.text(), /Saved\. The defaults of Test workspace are now:\n- steps: \*\*20\*\*\n- guidance: \*\*5\*\*\n- model: not set \(this bot's default \*\*world-sd\*\* applies\)\n- channels: <#111>, #art, <#C0ABCDEF>/);
    assert.deepEqual(await workspaceSettings(), { jobs: { dailyQuotaPerUser: 7 }, steps: 20, guidance: 5, channels: ['111', 'art', 'C0ABCDEF'] });

    const bad = await say('/settings scope:workspace channels:#ok,<@123>', admin);
    assert.match(bad.text(), /I changed nothing: `<@123>` is not a channel/);
    assert.deepEqual((await workspaceSettings() as { channels: string[] }).channels, ['111', 'art', 'C0ABCDEF']);
  });

  it('gives /imagine and /edit your defaults over the workspace\'s', async () => {
    const user = await database.prisma.user.findFirstOrThrow({ where: { externalId: 'member' } });
    const workspace = await database.prisma.workspace.findFirstOrThrow({ where: { externalId: 'test-workspace' } });
    assert.deepEqual(await defaultsFor(database.prisma, user.id, workspace.id), { steps: 30, guidance: 5 });
    const shown = await say('/settings', member);
    assert.match(shown.text(), /guidance: not set \(the workspace's \*\*5\*\* applies\)/);
    await say('/settings reset:steps', member);
    assert.deepEqual(await settingsOf('member'), {});
    assert.deepEqual(await defaultsFor(database.prisma, user.id, workspace.id), { steps: 20, guidance: 5 });
    const wrong = await say('/settings reset:colour', member);
    assert.match(wrong.text(), /`reset` takes `steps`, `guidance`, `model` or `all` for your settings; `colour` is not one of them/);
  });

  it('ignores plain messages outside the listed channels, writing nothing, but not slash commands', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).png().toBuffer();
    const before = { users: await database.prisma.user.count(), images: await database.prisma.image.count() };
    const elsewhere = await say('make it blue', { channelId: '999', user: { externalId: 'stranger', displayName: 'S' }, attachments: [{ filename: 'x.png', contentType: 'image/png', data: png }] });
    assert.equal(elsewhere.sent.length, 0);
    assert.deepEqual({ users: await database.prisma.user.count(), images: await database.prisma.image.count() }, before);
    assert.equal(await listensIn(database.prisma, { platform: 'local', workspace: { externalId: 'test-workspace' }, channelId: 'ART' }), true, 'names match case-insensitively');

    const listed = await say('/help', { channelId: '111' });
    assert.match(listed.text(), /Commands/);
    const slash = await say('', { channelId: '999', command: { name: 'help', options: {} } });
    assert.match(slash.text(), /Commands/, 'a slash command is answered anywhere');

    await say('/settings scope:workspace channels:all', admin);
    assert.equal((await workspaceSettings() as { channels?: unknown }).channels, undefined);
    assert.match((await say('/help', { channelId: '999' })).text(), /Commands/);
    assert.equal(normaliseChannel('<#C0ABCDEF|bots>'), 'C0ABCDEF');
    assert.equal(normaliseChannel('#a b'), undefined);
  });
});

describe('/cancel', () => {
  let userId: string;
  let workspaceId: string;
  const submit = async (key: string, prompt: string) =>
    (await jobs.submit({ kind: 'generate', userId, workspaceId, idempotencyKey: key, payload: { plan: { steps: [{ method: 'sample.ddim', params: { prompt } }] } } })).job;

  before(async () => {
    userId = (await database.prisma.user.findFirstOrThrow({ where: { externalId: 'member' } })).id;
    workspaceId = (await database.prisma.workspace.findFirstOrThrow({ where: { externalId: 'test-workspace' } })).id;
  });

  it('says when there is nothing to cancel', async () => {
    assert.match((await say('/cancel', member)).text(), /You have no waiting or running jobs/);
  });

  it('cancels one job by its short id, only yours, and says which', async () => {
    const star = await submit('cancel-test-1', 'a red star');
    const ring = await submit('cancel-test-2', 'a blue ring');
    const stranger = await say(`/cancel ${star.id.slice(0, 8)}`, { user: { externalId: 'someone-else', displayName: 'E' } });
    assert.match(stranger.text(), /You have no waiting or running jobs/);
    const unknown = await say('/cancel job:ffffffff', member);
    assert.match(unknown.text(), /I cancelled nothing: you have no waiting or running job `ffffffff`/);
    assert.match(unknown.text(), /a red star[\s\S]*a blue ring/);
    assert.equal((await jobs.get(star.id))?.state, 'queued');

    const one = await say(`/cancel ${star.id.slice(0, 8)}`, member);
    assert.equal(one.sent[0]!.reply.ephemeral, true);
    assert.match(one.text(), new RegExp(`Cancelled this job:\\n- \`${star.id.slice(0, 8)}\` \`/imagine\` \\*\\*a red star\\*\\* \\(waiting\\)`));
    assert.equal((await jobs.get(star.id))?.state, 'cancelled');
    assert.equal((await jobs.get(ring.id))?.state, 'queued');
  });

  it('cancels all your jobs at once', async () => {
    await submit('cancel-test-3', 'a green heart');
    const all = await say('/cancel', member);
    assert.match(all.text(), /Cancelled these 2 jobs:[\s\S]*a blue ring[\s\S]*a green heart/);
    assert.deepEqual(await jobs.active(userId), []);
    assert.equal(await database.prisma.job.count({ where: { userId, state: 'cancelled' } }), 3);
  });
});
