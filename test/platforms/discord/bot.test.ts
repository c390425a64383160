import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { DiscordBot } from '../../../src/platforms/discord/index.ts';
import { EDIT_MENU_COMMAND } from '../../../src/platforms/discord/index.ts';
import { capturingLogger } from '../../chat/helpers.ts';
import { SKIP_WITHOUT_MODEL } from '../../methods/support.ts';
import { startTestDatabase, type TestDatabase } from '../../support/database.ts';
import { startFakeDiscord, type FakeDiscord, type RecordedCall } from '../../support/discord/fake-discord.ts';
import type { MessagePayload } from '../../support/discord/payloads.ts';
import { MAX_STEPS } from '../../../src/pipeline/sampling-checks.ts';
import { startTestStudio, type TestStudio } from '../../support/studio.ts';
import { eventually, isCallback, isFollowUp, isOriginalEdit, ofInteraction, startBot } from './support.ts';

const LONG = { timeoutMs: 240_000 };
const labels = (message: MessagePayload | undefined) => (message?.components ?? []).flatMap((row: any) => row.components.map((c: any) => c.label as string));
const buttonId = (message: MessagePayload, label: string) =>
  (message.components as any[]).flatMap((row) => row.components).find((c: any) => c.label === label)?.custom_id as string;

// The product's path on Discord with the shipped model and a real worker: /imagine with progress and
// a PNG result, replies to it as edit instructions, "Edit with Retouch" and its modal, and the
// result's buttons (cancel, save, delete with the moderator rule).
describe('Discord bot on the shipped model', { skip: SKIP_WITHOUT_MODEL }, () => {
  let database: TestDatabase;
  let studio: TestStudio;
  let discord: FakeDiscord;
  let bot: DiscordBot;
  let result: MessagePayload;

  before(async () => {
    database = await startTestDatabase();
    const { logger } = capturingLogger();
    studio = await startTestStudio(database, logger);
    discord = await startFakeDiscord();
    ({ bot } = await startBot(discord, { prisma: database.prisma, logger, jobs: studio.jobs }));
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

  it('/imagine: defers at once, shows progress in the reply, ends with the PNG, its buttons, and records what it shows', async (t) => {
    const interaction = discord.slashCommand({
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: 'a large flat red star in the center on grass' },
        { name: 'seed', type: 4, value: 5 },
        { name: 'steps', type: 4, value: 4 },
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
    // Steps of 4 are quick: a progress edit may or may not come late enough to carry the preview; if one does, it is a small WebP.
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

  it('edits the result when someone replies to it with an instruction', async (t) => {
    const started = Date.now();
    const instruction = discord.postMessage({ author: discord.users.alice, content: 'make the star blue steps:8', replyTo: result.id });
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
  });

  it('"Edit with Retouch" asks for the instruction in a modal, and its answer edits that image', async () => {
    const menu = discord.messageMenu(EDIT_MENU_COMMAND, result.id);
    const shown = await discord.waitForCall((c) => ofInteraction(menu.token)(c) && isCallback(c));
    assert.equal(shown.body.type, 9);
    const modal = shown.body.data;
    assert.equal(modal.custom_id, `retouch-edit:${discord.channelId}:${result.id}`);
    assert.equal(modal.components[0].component.custom_id, 'instruction');

    const submit = discord.submitModal(modal.custom_id, { instruction: 'make the star green steps:8' });
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
    const interaction = discord.slashCommand({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'a small blue circle in the top left on sky' }, { name: 'steps', type: 4, value: MAX_STEPS }] });
    const running = await discord.waitForCall(
      (c) => ofInteraction(interaction.token)(c) && isOriginalEdit(c) && /%/.test(c.body?.content ?? '') && JSON.stringify(c.body.components).includes('imagine:cancel:'),
      LONG,
    );
    const message = discord.channelMessages().find((m) => m.interaction_metadata?.id === interaction.id)!;
    const cancel = running.body.components[0].components.find((c: any) => c.label === 'Cancel');
    assert.equal(cancel.style, 4, 'a danger button');

    const stranger = discord.pressButton(message.id, cancel.custom_id, discord.users.bob);
    const refused = await discord.waitForCall((c) => ofInteraction(stranger.token)(c) && isFollowUp(c));
    assert.match(refused.body.content, /not yours/);
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
