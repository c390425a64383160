import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { defineCommand } from '../../../src/chat/command.ts';
import type { DiscordBot } from '../../../src/platforms/discord/index.ts';
import { capturingLogger } from '../../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../../support/database.ts';
import { startFakeDiscord, type FakeDiscord } from '../../support/discord/fake-discord.ts';
import { eventually, isCallback, isFollowUp, isOriginalEdit, ofInteraction, startBot } from './support.ts';

// A command that shows what the adapter handed the chat layer, so the mapping itself is asserted:
// typed options, the sender's moderation right, stored attachments, the message replied to; it
// sends twice (the second names the first reply's id) and edits the first, or answers ephemerally.
const probe = defineCommand({
  name: 'probe',
  description: 'Reports what it received.',
  options: {
    text: { type: 'string', description: 'Any text', required: true },
    count: { type: 'integer', description: 'A whole number' },
    ratio: { type: 'number', description: 'A number' },
    secret: { type: 'boolean', description: 'Answer ephemerally' },
  },
  image: { description: 'An image' },
  examples: [{ usage: '/probe hello', description: 'probe' }],
  async run(context, args) {
    const { message, images } = context;
    const report = {
      args: Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined)),
      types: Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined).map(([key, value]) => [key, typeof value])),
      isAdmin: message.user.isAdmin ?? null,
      displayName: message.user.displayName,
      workspace: message.workspace.externalId,
      channelId: message.channelId ?? null,
      images: images.map((image) => `${image.width}x${image.height}`),
      replyTo: message.replyTo ? { messageId: message.replyTo.messageId, attachments: message.replyTo.attachments.length, missing: message.replyTo.missing ?? false } : null,
    };
    if (args.secret) {
      await context.reply({ text: `secret ${JSON.stringify(report)}`, ephemeral: true });
      return;
    }
    const first = await context.reply({ text: `report ${JSON.stringify(report)}`, buttons: [{ id: 'probe:press', label: 'Press me' }] });
    await context.reply(`second, after ${first.id}`);
    await first.update({ text: `report (updated) ${JSON.stringify(report)}`, buttons: [{ id: 'probe:press', label: 'Press me' }] });
  },
  async onButton(context, payload) {
    await context.reply(`pressed ${payload} by ${context.press.user.displayName}, admin ${String(context.press.user.isAdmin)}`);
    await context.updatePressed({ text: 'pressed already' });
  },
});

const reportIn = (text: string | undefined) => JSON.parse(/\{.*\}$/s.exec(text ?? '')![0]) as Record<string, any>;

describe('Discord adapter: interactions, messages and failures against a stand-in Discord', () => {
  let database: TestDatabase;
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let logs: ReturnType<typeof capturingLogger>;
  before(async () => {
    database = await startTestDatabase();
    discord = await startFakeDiscord();
    logs = capturingLogger();
    ({ bot } = await startBot(discord, { prisma: database.prisma, logger: logs.logger, extraCommands: [probe] }));
  });
  after(async () => {
    await bot?.close();
    await discord?.close();
    await database?.destroy();
  });

  it('connects through the gateway with the intents it needs (servers, their messages and reactions, message content)', () => {
    const [session] = [...discord.sessions];
    assert.equal(session!.intents, (1 << 0) | (1 << 9) | (1 << 10) | (1 << 15));
    assert.deepEqual(session!.shard, [0, 1]);
    assert.equal(bot.client.guilds.cache.get(discord.guild.id)?.name, 'Retouch Test Server');
  });

  it('defers a slash command at once, then edits the placeholder, follows up, and edits by the real message id', async (t) => {
    const interaction = discord.slashCommand({
      name: 'probe',
      options: [
        { name: 'text', type: 3, value: 'hello there' },
        { name: 'count', type: 4, value: 3 },
        { name: 'ratio', type: 10, value: 0.5 },
      ],
    });
    const mine = ofInteraction(interaction.token);
    const deferral = await discord.waitForCall((c) => mine(c) && isCallback(c));
    assert.deepEqual(deferral.body, { type: 5, data: { flags: 0 } });
    assert.equal(deferral.status, 204);
    t.diagnostic(`INTERACTION_CREATE → deferral callback: ${(deferral.at - interaction.dispatchedAt).toFixed(1)} ms`);
    assert.ok(deferral.at - interaction.dispatchedAt < 1000);

    const first = await discord.waitForCall((c) => mine(c) && isOriginalEdit(c));
    const report = reportIn(first.body.content);
    assert.deepEqual(report.args, { text: 'hello there', count: 3, ratio: 0.5 });
    assert.deepEqual(report.types, { text: 'string', count: 'number', ratio: 'number' });
    assert.equal(report.isAdmin, false);
    assert.equal(report.displayName, 'Alice');
    assert.equal(report.workspace, discord.guild.id);
    assert.equal(report.channelId, discord.channelId);
    assert.deepEqual(first.body.components, [{ type: 1, components: [{ type: 2, style: 2, custom_id: 'probe:press', label: 'Press me' }] }]);
    assert.deepEqual(first.body.allowed_mentions, { parse: [] });

    const second = await discord.waitForCall((c) => mine(c) && isFollowUp(c));
    const originalId = /after (\d+)/.exec(second.body.content)?.[1];
    const original = discord.message(originalId!);
    assert.ok(original, 'send returned the id of the message Discord shows');
    assert.equal(original.interaction_metadata?.id, interaction.id);
    const update = await discord.waitForCall((c) => mine(c) && c.method === 'PATCH' && c.index > second.index);
    assert.ok(update.path.endsWith('/messages/@original'));
    assert.match(discord.message(originalId!)!.content, /^report \(updated\)/);
  });

  it('takes an attachment option, answers ephemerally when asked, and knows a moderator', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } }).png().toBuffer();
    const upload = await discord.upload(png, 'blue box.png');
    const interaction = discord.slashCommand({
      name: 'probe',
      options: [
        { name: 'text', type: 3, value: 'x' },
        { name: 'secret', type: 5, value: true },
      ],
      attachment: upload,
      user: discord.users.mod,
    });
    const mine = ofInteraction(interaction.token);
    // The upload is acknowledged first (the dispatcher stores it and shows it back).
    const stored = await discord.waitForCall((c) => mine(c) && isOriginalEdit(c));
    assert.match(stored.body.content, /Stored \*\*blue box\.png\*\* \(PNG, 40×30/);
    assert.equal(stored.files.length, 1);
    assert.equal(stored.files[0]!.filename, 'blue-box-png.png');
    assert.equal((await sharp(stored.files[0]!.data).metadata()).width, 40);
    const secret = await discord.waitForCall((c) => mine(c) && isFollowUp(c) && /^secret/.test(c.body?.content ?? ''));
    assert.equal(secret.body.flags, 64);
    const report = reportIn(secret.body.content);
    assert.equal(report.isAdmin, true);
    assert.deepEqual(report.images, ['40x30']);
    assert.deepEqual(report.types.secret, 'boolean');
  });

  it('removes the placeholder and sends an ephemeral follow-up when the first reply is ephemeral', async () => {
    const interaction = discord.slashCommand({ name: 'probe', options: [{ name: 'text', type: 3, value: 'quiet' }, { name: 'secret', type: 5, value: true }] });
    const mine = ofInteraction(interaction.token);
    const removed = await discord.waitForCall((c) => mine(c) && c.method === 'DELETE');
    assert.ok(removed.path.endsWith('/messages/@original'));
    const followUp = await discord.waitForCall((c) => mine(c) && isFollowUp(c));
    assert.equal(followUp.body.flags, 64);
    const shown = discord.channelMessages(discord.channelId, { ephemeral: true }).filter((m) => m.interaction_metadata?.id === interaction.id || m.content.startsWith('secret {"args":{"text":"quiet"'));
    assert.equal(shown.length, 1);
    assert.equal(shown[0]!.flags & 64, 64);
  });

  it('answers a command it does not know with a clear reply', async () => {
    const interaction = discord.slashCommand({ name: 'paint', options: [{ name: 'what', type: 3, value: 'a cat' }] });
    const reply = await discord.waitForCall((c) => ofInteraction(interaction.token)(c) && isOriginalEdit(c));
    assert.match(reply.body.content, /There is no command `\/paint`\. Type `\/help`/);
  });

  it('routes a button press to its command: deferUpdate, a follow-up, and an edit of the pressed message', async () => {
    const command = discord.slashCommand({ name: 'probe', options: [{ name: 'text', type: 3, value: 'buttons' }] });
    await discord.waitForCall((c) => ofInteraction(command.token)(c) && c.method === 'PATCH' && /updated/.test(c.body?.content ?? ''));
    const message = discord.channelMessages().find((m) => m.interaction_metadata?.id === command.id)!;
    const press = discord.pressButton(message.id, 'probe:press', discord.users.mod);
    const mine = ofInteraction(press.token);
    const ack = await discord.waitForCall((c) => mine(c) && isCallback(c));
    assert.deepEqual(ack.body, { type: 6 });
    const followUp = await discord.waitForCall((c) => mine(c) && isFollowUp(c));
    assert.equal(followUp.body.content, 'pressed press by Moderator Mo, admin true');
    await discord.waitForCall((c) => mine(c) && isOriginalEdit(c));
    assert.equal(discord.message(message.id)!.content, 'pressed already');
    assert.deepEqual(discord.message(message.id)!.components, []);
  });

  it('answers messages that mention it, with a reply that does not ping, and ignores other messages, bots and itself', async () => {
    const start = discord.calls.length;
    discord.postMessage({ author: discord.users.alice, content: 'nice weather' });
    discord.postMessage({ author: discord.users.otherBot, content: `<@${discord.bot.id}> /probe from a bot` });
    const mention = discord.postMessage({ author: discord.users.mod, content: `<@${discord.bot.id}> /probe hi there count:2` });
    const reply = await discord.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${discord.channelId}/messages`, { from: start });
    assert.equal(reply.body.message_reference.message_id, mention.id);
    assert.deepEqual(reply.body.allowed_mentions, { parse: [], replied_user: false });
    const report = reportIn(reply.body.content);
    assert.deepEqual(report.args, { text: 'hi there', count: 2 });
    assert.equal(report.isAdmin, true, 'Manage Messages from the Moderators role');
    assert.equal(report.replyTo, null);
    // The second reply, and the edit of the first by its message id.
    const edit = await discord.waitForCall((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${discord.channelId}/messages/`), { from: start });
    assert.match(discord.message(edit.path.split('/').at(-1)!)!.content, /^report \(updated\)/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const posted = discord.calls.slice(start).filter((c) => c.method === 'POST' && c.path.startsWith('/channels/'));
    assert.equal(posted.length, 2, 'only the mention was answered, once per reply; the bot\'s own messages and the other bot were ignored');
  });

  it('gives a reply the message it answers: its images downloaded, or missing when deleted', async () => {
    const png = await sharp({ create: { width: 24, height: 24, channels: 3, background: '#cc3333' } }).png().toBuffer();
    const picture = discord.postMessage({ author: discord.users.bob, content: 'look', attachments: [await discord.upload(png, 'red.png')] });
    const start = discord.calls.length;
    discord.postMessage({ author: discord.users.alice, content: `<@${discord.bot.id}> /probe about this`, replyTo: picture.id });
    const reply = await discord.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${discord.channelId}/messages`, { from: start });
    const report = reportIn(reply.body.content);
    assert.deepEqual(report.replyTo, { messageId: picture.id, attachments: 1, missing: false });
    assert.deepEqual(report.images, ['24x24'], 'the image of the message replied to is the command\'s image');

    const gone = discord.postMessage({ author: discord.users.bob, content: 'soon deleted' });
    discord.deleteMessage(gone.id);
    const next = discord.calls.length;
    const asking = discord.postMessage({ author: discord.users.alice, content: `<@${discord.bot.id}> /probe about that`, replyTo: gone.id });
    const fetched = await discord.waitForCall((c) => c.method === 'GET' && c.path === `/channels/${discord.channelId}/messages/${gone.id}`, { from: next });
    assert.equal(fetched.status, 404);
    const answer = await discord.waitForCall((c) => c.method === 'POST' && c.body?.message_reference?.message_id === asking.id, { from: next });
    // replyTo.missing reached the chat layer, which says so instead of running the command.
    assert.match(answer.body.content, /The message you replied to has been deleted/);
  });

  it('survives failing REST calls: a 500 is retried, a call that keeps failing is logged and the bot goes on', async () => {
    discord.failNext('POST', /^\/interactions\/\d+\/[^/]+\/callback$/, { times: 1, status: 500 });
    const retried = discord.slashCommand({ name: 'probe', options: [{ name: 'text', type: 3, value: 'retry' }] });
    const callbacks = () => discord.calls.filter((c) => ofInteraction(retried.token)(c) && isCallback(c));
    await discord.waitForCall((c) => ofInteraction(retried.token)(c) && isCallback(c) && c.status === 204);
    assert.deepEqual(callbacks().map((c) => c.status), [500, 204]);
    await discord.waitForCall((c) => ofInteraction(retried.token)(c) && isOriginalEdit(c) && c.status === 200);

    discord.failNext('PATCH', /\/messages\/@original$/, { times: 10, status: 502 });
    const failing = discord.slashCommand({ name: 'help' });
    await eventually(() => logs.lines().some((line) => line.level === 50 && JSON.stringify(line).includes('502')), 'the failure to be logged');
    const later = discord.slashCommand({ name: 'probe', options: [{ name: 'text', type: 3, value: 'still alive' }] });
    const answer = await discord.waitForCall((c) => ofInteraction(later.token)(c) && isOriginalEdit(c) && c.status === 200);
    assert.match(answer.body.content, /still alive/);
    assert.ok(discord.calls.some((c) => ofInteraction(failing.token)(c) && c.status === 502));
  });
});
