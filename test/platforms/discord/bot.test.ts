import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { DiscordBot } from '../../../src/platforms/discord/index.ts';
import { EDIT_MENU_COMMAND } from '../../../src/platforms/discord/index.ts';
import { memoryRateLimit, rateKey } from '../../../src/chat/rate-limit.ts';
import { capturingLogger } from '../../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../../support/database.ts';
import { startFakeDiscord, type FakeDiscord, type RecordedCall } from '../../support/discord/fake-discord.ts';
import type { MessagePayload } from '../../support/discord/payloads.ts';
import { STEPS } from '../../../src/config/limits.ts';
import { startTestStudio, type TestStudio } from '../../support/studio.ts';
import { eventually, isCallback, isFollowUp, isOriginalEdit, ofInteraction, startBot } from './support.ts';
import { requireShippedModel } from '../../support/shipped-models.ts';

const LONG = { timeoutMs: 240_000 };
const labels = (message: MessagePayload | undefined) => (message?.components ?? []).flatMap((row: any) => row.components.map((c: any) => c.label as string));
const buttonId = (message: MessagePayload, label: string) =>
  (message.components as any[]).flatMap((row) => row.components).find((c: any) => c.label === label)?.custom_id as string;

// The product's path on Discord with the shipped model and a real worker: /imagine with progress and
// a PNG result, replies to it as edit instructions, "Edit with Retouch" and its modal, the result's
// buttons (stronger, undo, cancel, save, delete with the moderator rule), and 👍 reactions on
// gallery entries as votes.
describe('Discord bot on the shipped model', () => {
  requireShippedModel();
  let database: TestDatabase;
  let studio: TestStudio;
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let logs: () => Array<Record<string, unknown>>;
  /** Far above what these tests send; one test uses up a person's minute on purpose. */
  const rateLimit = memoryRateLimit(1000);
  let result: MessagePayload;
  /** The bot's reply with the edit of `result` (before and after), from a reply to `result`. */
  let edited: MessagePayload;

  before(async () => {
    database = await startTestDatabase();
    const { logger, lines } = capturingLogger();
    logs = lines;
    studio = await startTestStudio(database, logger);
    discord = await startFakeDiscord();
    ({ bot } = await startBot(discord, { prisma: database.prisma, logger, jobs: studio.jobs, rateLimit }));
  });
  after(async () => {
    await bot?.close({ graceMs: 5000 });
    await discord?.close();
    await studio?.stop();
    await database?.destroy();
  });

  /** Result images among a call's files (progress edits also carry a `preview.webp`). */
  const results = (c: { files: Array<{ filename: string }> }) => c.files.filter((f) => !f.filename.startsWith('preview.'));
  /** The final PATCH of an interaction's reply that carries `files` images. */
  const finalOf = (token: string, files: number) =>
    discord.waitForCall((c) => ofInteraction(token)(c) && c.method === 'PATCH' && results(c).length === files && c.status === 200, LONG);
  /** The image a message shows last (its "after"), once the dispatcher has recorded it. */
  const imageShownBy = (messageId: string) =>
    eventually(
      async () => (await database.prisma.messageImage.findFirst({ where: { platform: 'discord', messageId }, orderBy: { position: 'desc' }, select: { imageId: true } }))?.imageId,
      `the image of message ${messageId} to be recorded`,
    );
  /** The Edit row (plan and source) of the result a message shows. */
  const editShownBy = async (messageId: string) => {
    const imageId = await imageShownBy(messageId);
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: imageId }, select: { id: true, plan: true, sourceImageId: true } });
    return { ...edit, plan: edit.plan as { output: { guidance: number } } };
  };
  const pixels = (png: Buffer) => sharp(png).removeAlpha().raw().toBuffer();
  const scoreOf = async (entryId: string) => (await database.prisma.galleryEntry.findUniqueOrThrow({ where: { id: entryId }, select: { score: true } })).score;
  const voteOf = (entryId: string, user: { id: string }) => database.prisma.vote.findFirst({ where: { entryId, user: { platform: 'discord', externalId: user.id } } });
  /** Waits for the bot's log line about a reaction on `messageId` (handled or ignored). */
  const reactionLogged = (messageId: string, msg: 'reaction vote' | 'reaction ignored', count = 1) =>
    eventually(() => logs().filter((line) => line.msg === msg && line.messageId === messageId).length >= count || undefined, `${msg} on ${messageId}`);

  it('/imagine: defers at once, shows progress in the reply, ends with the PNG, its buttons, and records what it shows', async (t) => {
    const interaction = discord.slashCommand({
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a large flat red star in the center on grass' },
        { name: 'seed', type: 4, value: 5 },
        // Enough steps that the star is there to edit: the bot reads its pictures back.
        { name: 'steps', type: 4, value: 25 },
      ],
    });
    const mine = ofInteraction(interaction.token);
    const deferral = await discord.waitForCall((c) => mine(c) && isCallback(c));
    assert.equal(deferral.body.type, 5);
    t.diagnostic(`INTERACTION_CREATE → deferral callback: ${(deferral.at - interaction.dispatchedAt).toFixed(1)} ms`);
    assert.ok(deferral.at - interaction.dispatchedAt < 1000);

    const final = await finalOf(interaction.token, 1);
    t.diagnostic(`INTERACTION_CREATE → final image: ${((final.at - interaction.dispatchedAt) / 1000).toFixed(1)} s`);
    const progress = discord.calls.filter((c) => mine(c) && isOriginalEdit(c) && c.index < final.index);
    assert.ok(progress.length >= 1, 'progress edits of the reply before the result');
    // A progress edit may or may not come late enough to carry the preview; if one does, it is a small WebP.
    const preview = progress.flatMap((c) => c.files).find((f) => f.filename === 'preview.webp');
    if (preview) assert.ok(((await sharp(preview.data).metadata()).width ?? 0) <= 96);
    assert.equal(final.files.length, 1, 'the result replaces the preview');
    assert.match(progress[0]!.body.content, /Drawing \*\*a large flat red star/);
    assert.ok(final.path.endsWith('/messages/@original'));
    assert.match(final.body.content, /seed 5/);
    const file = final.files[0]!;
    assert.match(file.filename, /^a-large-flat-red-star-in-the-center-on-grass\.png$/);
    const decoded = await sharp(file.data).metadata();
    assert.deepEqual([decoded.format, decoded.width, decoded.height], ['png', 128, 128]);

    result = discord.channelMessages().find((m) => m.interaction_metadata?.id === interaction.id)!;
    assert.equal(result.attachments.length, 1);
    assert.equal(result.attachments[0]!.description, 'a large flat red star in the center on grass');
    assert.ok(labels(result).includes('Save to gallery') && labels(result).includes('Delete'), labels(result).join(', '));
    assert.ok(!labels(result).includes('Cancel'));
    // The id send returned is the Discord message id: the dispatcher recorded the image under it.
    const shown = await eventually(async () => (await database.prisma.messageImage.count({ where: { platform: 'discord', messageId: result.id } })) === 1 || undefined, 'the image to be recorded under the message id');
    assert.equal(shown, true);
  });

  it('saves the result to the gallery from its button, answering only the presser', async () => {
    const press = discord.pressButton(result.id, buttonId(result, 'Save to gallery'));
    const mine = ofInteraction(press.token);
    assert.deepEqual((await discord.waitForCall((c) => mine(c) && isCallback(c))).body, { type: 6 });
    const answer = await discord.waitForCall((c) => mine(c) && isFollowUp(c));
    assert.match(answer.body.content, /Saved to the gallery of Retouch Test Server/);
    assert.equal(answer.body.flags, 64);
  });

  describe('👍 reactions as gallery votes', () => {
    let entryMessage: MessagePayload;
    let entryId: string;
    const isEntryEdit = (c: RecordedCall) => c.method === 'PATCH' && c.path === `/channels/${discord.channelId}/messages/${entryMessage.id}` && c.status === 200;

    it('/gallery recent shows the saved result as a message of its own', async () => {
      const gallery = discord.slashCommand({ name: 'gallery', options: [{ name: 'view', type: 3, value: 'recent' }], user: discord.users.bob });
      await discord.waitForCall((c) => ofInteraction(gallery.token)(c) && isFollowUp(c) && c.status === 200);
      entryMessage = discord.channelMessages().find((m) => JSON.stringify(m.components).includes('"gallery:vote:'))!;
      entryId = buttonId(entryMessage, '👍 0').split(':')[2]!;
      assert.equal(entryMessage.attachments.length, 1, 'the entry shows its image');
      assert.match(entryMessage.content, /a large flat red star in the center on grass\*\* by Alice · 👍 0/);
      assert.equal(await imageShownBy(entryMessage.id), await imageShownBy(result.id), 'the message shows the saved result');
    });

    it("a second person's 👍 votes for the entry and the message shows the score; taking it back removes the vote", async () => {
      // As after a restart: neither the message nor the person is in the client's cache (they arrive as partials).
      const channel = bot.client.channels.cache.get(discord.channelId);
      assert.ok(channel?.isTextBased());
      channel.messages.cache.delete(entryMessage.id);
      assert.ok(discord.addReaction(entryMessage.id, '👍', discord.users.bob));
      const shown = await discord.waitForCall(isEntryEdit);
      assert.match(shown.body.content, /by Alice · 👍 1/);
      assert.ok(discord.calls.some((c) => c.method === 'GET' && c.path === `/channels/${discord.channelId}/messages/${entryMessage.id}`), 'the uncached message was fetched to see what it shows');
      assert.equal(await scoreOf(entryId), 1);
      assert.ok(await voteOf(entryId, discord.users.bob), 'the Vote row');
      assert.deepEqual(labels(discord.message(entryMessage.id)), ['👍 1', 'Remix']);
      assert.equal(discord.message(entryMessage.id)!.attachments.length, 1, 'the image stays on the edited message');

      const from = discord.calls.length;
      bot.client.users.cache.delete(discord.users.bob.id);
      assert.ok(discord.removeReaction(entryMessage.id, '👍', discord.users.bob));
      const taken = await discord.waitForCall(isEntryEdit, { from });
      assert.match(taken.body.content, /by Alice · 👍 0/);
      assert.equal(await scoreOf(entryId), 0);
      assert.equal(await voteOf(entryId, discord.users.bob), null);
      assert.ok(discord.calls.slice(from).some((c) => c.method === 'GET' && c.path === `/users/${discord.users.bob.id}`), 'the uncached remover was looked up (a bot or not)');
    });

    it("ignores other emoji, bots' 👍, and a 👍 on a message that shows no gallery entry", async () => {
      const words = discord.postMessage({ author: discord.users.bob, content: 'nice gallery' });
      const from = discord.calls.length;
      discord.addReaction(words.id, '👍', discord.users.alice);
      discord.addReaction(entryMessage.id, '❤️', discord.users.alice);
      discord.addReaction(entryMessage.id, '👍', discord.users.otherBot);
      await reactionLogged(words.id, 'reaction vote');
      await reactionLogged(entryMessage.id, 'reaction ignored', 2);
      assert.deepEqual(logs().find((line) => line.msg === 'reaction vote' && line.messageId === words.id)?.outcome, { kind: 'no-entry' });
      assert.equal(await database.prisma.vote.count(), 0);
      assert.equal(await scoreOf(entryId), 0);
      assert.ok(!discord.calls.slice(from).some((c) => c.method === 'PATCH'), 'no message was edited');
    });

    it('a 👍 on the original result counts for its entry, but leaves that message as it is', async () => {
      const from = discord.calls.length;
      discord.addReaction(result.id, '👍', discord.users.mod);
      await reactionLogged(result.id, 'reaction vote');
      assert.equal(logs().find((line) => line.msg === 'reaction vote' && line.messageId === result.id)?.scoreShown, false);
      assert.equal(await scoreOf(entryId), 1);
      assert.ok(!discord.calls.slice(from).some((c) => c.method === 'PATCH'), 'neither the result nor the entry message was rewritten');
      assert.ok(labels(discord.message(result.id)).includes('Stronger'));
      discord.removeReaction(result.id, '👍', discord.users.mod);
      await reactionLogged(result.id, 'reaction vote', 2);
      assert.equal(await scoreOf(entryId), 0);
    });

    it('counts the vote of a person over the rate limit, but does not edit the message for it', async () => {
      const carol = discord.users.carol;
      while ((await rateLimit.take(rateKey({ platform: 'discord', user: { externalId: carol.id } }))).allowed);
      const from = discord.calls.length;
      discord.addReaction(entryMessage.id, '👍', carol);
      await reactionLogged(entryMessage.id, 'reaction vote', 3);
      const vote = logs().filter((line) => line.msg === 'reaction vote' && line.messageId === entryMessage.id).at(-1)!;
      assert.deepEqual([vote.scoreShown, vote.rateLimited], [false, true]);
      assert.equal(await scoreOf(entryId), 1, 'the vote counts');
      assert.ok(await voteOf(entryId, carol));
      assert.ok(!discord.calls.slice(from).some(isEntryEdit), 'the message was not edited');
      discord.removeReaction(entryMessage.id, '👍', carol);
      await reactionLogged(entryMessage.id, 'reaction vote', 4);
      assert.equal(await scoreOf(entryId), 0);
    });
  });

  it('edits the result when someone replies to it with an instruction', async (t) => {
    const started = Date.now();
    const instruction = discord.postMessage({ author: discord.users.alice, content: 'make the star blue steps:20', replyTo: result.id });
    const replied = await discord.waitForCall((c) => c.method === 'POST' && c.body?.message_reference?.message_id === instruction.id && c.status === 200);
    const replyId = discord.channelMessages().find((m) => m.message_reference?.message_id === instruction.id)!.id;
    assert.match(replied.body.content, /Prompt-to-Prompt|star/i);
    const final = await discord.waitForCall((c) => c.method === 'PATCH' && c.path === `/channels/${discord.channelId}/messages/${replyId}` && results(c).length === 2, LONG);
    t.diagnostic(`reply → edited image: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const [before, afterImage] = await Promise.all(final.files.map((f) => sharp(f.data).metadata()));
    assert.equal(before!.width, 128);
    assert.equal(afterImage!.width, 128);
    assert.notDeepEqual(final.files[0]!.data, final.files[1]!.data);
    assert.ok(labels(discord.message(replyId)).includes('Undo'), labels(discord.message(replyId)).join(', '));
    edited = discord.message(replyId)!;
  });

  it('Stronger draws the prompt again with more guidance, as a new message with its PNG', async () => {
    const original = await editShownBy(result.id);
    const press = discord.pressButton(result.id, buttonId(result, 'Stronger'));
    const final = await finalOf(press.token, 1);
    const strongerId = final.path.split('/').pop()!;
    assert.notEqual(strongerId, result.id, 'a new message; the result stays');
    assert.match(final.body.content, /\*\*Stronger\*\*: guidance [\d.]+ → [\d.]+/);
    const shown = discord.message(strongerId)!;
    assert.equal(shown.attachments.length, 1);
    const png = await sharp(discord.fileAt(shown.attachments[0]!.url)!).metadata();
    assert.deepEqual([png.format, png.width, png.height], ['png', 128, 128]);

    const stronger = await editShownBy(strongerId);
    assert.notEqual(stronger.id, original.id);
    assert.ok(stronger.plan.output.guidance > original.plan.output.guidance, `guidance ${original.plan.output.guidance} → ${stronger.plan.output.guidance}`);
  });

  it('Undo on an edit posts the image it was made from again', async () => {
    const undoId = buttonId(edited, 'Undo');
    const edit = await database.prisma.edit.findUniqueOrThrow({ where: { id: undoId.split(':')[2]! }, select: { sourceImage: { select: { id: true, blob: { select: { data: true } } } } } });
    assert.equal(edit.sourceImage!.id, await imageShownBy(result.id), "the edit's parent is the /imagine result");

    const press = discord.pressButton(edited.id, undoId);
    const answer = await discord.waitForCall((c) => ofInteraction(press.token)(c) && isFollowUp(c) && c.files.length === 1, LONG);
    assert.match(answer.body.content, /^\*\*Undo\*\*: back to the image this was made from/);
    assert.equal(answer.body.flags ?? 0, 0, 'public, like a result');
    assert.deepEqual(await pixels(answer.files[0]!.data), await pixels(Buffer.from(edit.sourceImage!.blob.data)), 'the parent image, pixel for pixel');
  });

  it('"Edit with Retouch" asks for the instruction in a modal, and its answer edits that image', async () => {
    const menu = discord.messageMenu(EDIT_MENU_COMMAND, result.id);
    const shown = await discord.waitForCall((c) => ofInteraction(menu.token)(c) && isCallback(c));
    assert.equal(shown.body.type, 9);
    const modal = shown.body.data;
    assert.equal(modal.custom_id, `retouch-edit:${discord.channelId}:${result.id}`);
    assert.equal(modal.components[0].component.custom_id, 'instruction');

    const submit = discord.submitModal(modal.custom_id, { instruction: 'make the star green steps:20' });
    const deferral = await discord.waitForCall((c) => ofInteraction(submit.token)(c) && isCallback(c));
    assert.equal(deferral.body.type, 5);
    const final = await finalOf(submit.token, 2);
    assert.match(final.body.content, /Before and after/);
  });

  it('"Edit with Retouch" on a message without an image says so, only to the person who asked', async () => {
    const text = discord.postMessage({ author: discord.users.bob, content: 'just words' });
    const menu = discord.messageMenu(EDIT_MENU_COMMAND, text.id);
    const answer = await discord.waitForCall((c) => ofInteraction(menu.token)(c) && isCallback(c));
    assert.equal(answer.body.type, 4);
    assert.equal(answer.body.data.flags, 64);
    assert.match(answer.body.data.content, /That message has no image I can edit/);
  });

  it('answers a reply to a message without an image, and a reply to a deleted message, clearly', async () => {
    const words = discord.postMessage({ author: discord.users.bob, content: 'no picture here' });
    const noImage = discord.postMessage({ author: discord.users.alice, content: `<@${discord.bot.id}> make it blue`, replyTo: words.id });
    const first = await discord.waitForCall((c) => c.method === 'POST' && c.body?.message_reference?.message_id === noImage.id);
    assert.match(first.body.content, /The message you replied to has no image I can edit/);

    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#44aa44' } }).png().toBuffer();
    const picture = discord.postMessage({ author: discord.users.bob, content: 'soon gone', attachments: [await discord.upload(png, 'green.png')] });
    discord.deleteMessage(picture.id);
    const toDeleted = discord.postMessage({ author: discord.users.alice, content: `<@${discord.bot.id}> make it blue`, replyTo: picture.id });
    const second = await discord.waitForCall((c) => c.method === 'POST' && c.body?.message_reference?.message_id === toDeleted.id);
    assert.match(second.body.content, /The message you replied to has been deleted/);
  });

  it('cancels a running job from its Cancel button, for its owner only', async () => {
    const interaction = discord.slashCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a small blue circle in the top left on sky' }, { name: 'steps', type: 4, value: STEPS.max }] });
    const running = await discord.waitForCall(
      (c) => ofInteraction(interaction.token)(c) && isOriginalEdit(c) && /%/.test(c.body?.content ?? '') && JSON.stringify(c.body.components).includes('imagine:cancel:'),
      LONG,
    );
    const message = discord.channelMessages().find((m) => m.interaction_metadata?.id === interaction.id)!;
    const cancel = running.body.components[0].components.find((c: any) => c.label === 'Cancel');
    assert.equal(cancel.style, 4, 'a danger button');

    const stranger = discord.pressButton(message.id, cancel.custom_id, discord.users.bob);
    const refused = await discord.waitForCall((c) => ofInteraction(stranger.token)(c) && isFollowUp(c));
    assert.equal(refused.body.content, 'Only the person who asked for that job can cancel it.');
    const owner = discord.pressButton(message.id, cancel.custom_id, discord.users.alice);
    const accepted = await discord.waitForCall((c) => ofInteraction(owner.token)(c) && isFollowUp(c));
    assert.match(accepted.body.content, /Cancelling/);
    await eventually(() => /Cancelled\./.test(discord.message(message.id)?.content ?? ''), 'the reply to say Cancelled', 60_000);
    assert.deepEqual(discord.message(message.id)!.components, [], 'no Cancel button after the end');
  });

  it('lets only the owner or a moderator delete a result', async () => {
    const stranger = discord.pressButton(result.id, buttonId(result, 'Delete'), discord.users.bob);
    const refused = await discord.waitForCall((c) => ofInteraction(stranger.token)(c) && isFollowUp(c));
    assert.match(refused.body.content, /Only Alice, who made this image, or a moderator can delete it/);
    assert.equal(refused.body.flags, 64);
    assert.equal(discord.message(result.id)!.attachments.length, 1);

    const moderator = discord.pressButton(result.id, buttonId(result, 'Delete'), discord.users.mod);
    const edit: RecordedCall = await discord.waitForCall((c) => ofInteraction(moderator.token)(c) && isOriginalEdit(c));
    assert.equal(edit.status, 200);
    const now = discord.message(result.id)!;
    assert.match(now.content, /This image was deleted by a moderator/);
    assert.equal(now.attachments.length, 0, 'the image is gone from the message too');
  });
});
