import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createDefaultRegistry } from '../../commands/index.ts';
import { defineCommand } from '../../src/chat/command.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import type { IncomingMessage } from '../../src/chat/messages.ts';
import { createCommandRegistry } from '../../src/chat/registry.ts';
import { lastShownImage } from '../../src/chat/shown-images.ts';
import { renderScene } from '../../src/world/index.ts';
import { toPng } from '../../src/support/image.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { startTestStudio, type TestStudio } from '../support/studio.ts';
import { capturingLogger, message, recordingChannel, withImage } from './helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// A message that answers another one with plain text is an /edit instruction for that message's
// image: the one the bot recorded it showing, else the one the platform downloaded from it.

const scene = renderScene({ background: 'grass', seed: 1, objects: [{ shape: 'star', colour: 'red', size: 'large', position: 'center', style: 'flat' }] });

/** Shows two images, then, edited, only the second (as a result replacing its progress would). */
const pair = defineCommand({
  name: 'pair',
  description: 'Test only: shows two images, then edits the reply to show one.',
  options: { first: { type: 'string', description: 'image id', required: true }, second: { type: 'string', description: 'image id', required: true } },
  examples: [{ usage: '/pair a b', description: 'show a and b' }],
  async run(context, { first, second }) {
    const sent = await context.reply({ text: 'two', images: [{ imageId: first, alt: 'a' }, { imageId: second, alt: 'b' }] });
    await sent.update({ text: 'progress without images' });
    await sent.update({ text: 'one', images: [{ imageId: second, alt: 'b' }] });
  },
});

let database: TestDatabase;
let dispatcher: Dispatcher;
let png: Buffer;

async function counts() {
  const [images, jobs, shown, edits] = await Promise.all([
    database.prisma.image.count(),
    database.prisma.job.count(),
    database.prisma.messageImage.count(),
    database.prisma.edit.count(),
  ]);
  return { images, jobs, shown, edits };
}

async function send(incoming: IncomingMessage) {
  const channel = recordingChannel();
  await dispatcher.handleMessage(incoming, channel);
  return channel;
}

const replyTo = (messageId: string, text: string, extra: Partial<IncomingMessage['replyTo'] & object> = {}) =>
  message(text, { replyTo: { messageId, attachments: [], ...extra } });

before(async () => {
  database = await startTestDatabase();
  png = await toPng(scene);
  const { logger } = capturingLogger();
  dispatcher = createDispatcher({ prisma: database.prisma, logger, commands: createCommandRegistry([...createDefaultRegistry().list(), pair]) });
});

after(async () => {
  await database?.destroy();
});

describe('which images a message showed', () => {
  it('records an upload under its message id and under the reply that shows it back', async () => {
    const upload = withImage(png, 'star.png');
    const channel = await send(upload);
    const imageId = channel.sent[0]!.reply.images![0]!.imageId;
    assert.equal(await lastShownImage(database.prisma, 'local', upload.id), imageId);
    assert.equal(await lastShownImage(database.prisma, 'local', channel.sent[0]!.id), imageId);
  });

  it('re-records a reply when an edit of it shows images, in order, and keeps them through an edit without', async () => {
    const owner = await database.prisma.image.findFirstOrThrow();
    const other = await database.prisma.image.create({ data: { blobHash: owner.blobHash, width: 1, height: 1, ownerId: owner.ownerId } });
    const channel = await send(message(`/pair ${owner.id} second:${other.id}`));
    const replyId = channel.sent[0]!.id;
    const rows = await database.prisma.messageImage.findMany({ where: { messageId: replyId }, orderBy: { position: 'asc' } });
    assert.deepEqual(rows.map((r) => [r.position, r.imageId]), [[0, other.id]], 'the final edit replaced the two images with one');
    await database.prisma.image.delete({ where: { id: other.id } });
    assert.equal(await database.prisma.messageImage.count({ where: { messageId: replyId } }), 0, 'rows go with their image');
  });
});

describe('replies that are not edits, and what they leave behind', () => {
  it('a reply to a deleted message says so and writes nothing', async () => {
    const before = await counts();
    const channel = await send(replyTo('gone-1', 'make it blue', { missing: true }));
    assert.equal(channel.sent.length, 1);
    assert.match(channel.text(), /The message you replied to has been deleted/);
    assert.deepEqual(await counts(), before);
  });

  it('a reply to a message without an image gets one clear reply, not the commands pointer too', async () => {
    const help = await send(message('/help'));
    const before = await counts();
    const channel = await send(replyTo(help.sent[0]!.id, 'thanks!'));
    assert.equal(channel.sent.length, 1);
    assert.match(channel.text(), /The message you replied to has no image I can edit/);
    assert.doesNotMatch(channel.text(), /only understand commands/);
    assert.deepEqual(await counts(), before);
  });

  it('a replied-to file that is not an image is named, and nothing is stored', async () => {
    const before = await counts();
    const channel = await send(
      replyTo('never-seen-1', 'make it blue', { attachments: [{ filename: 'notes.txt', contentType: 'image/png', data: Buffer.from('hello, not a picture') }] }),
    );
    assert.equal(channel.sent.length, 1);
    assert.match(channel.text(), /has no image I can edit \(I could not read its files: \*\*notes\.txt\*\*: it is not an image/);
    assert.deepEqual(await counts(), before);
  });

  it('an empty reply to an image asks what to change; options that do not parse are explained; neither writes', async () => {
    const upload = await send(withImage(png, 'star.png'));
    const before = await counts();
    const empty = await send(replyTo(upload.sent[0]!.id, '   '));
    assert.equal(empty.sent.length, 1);
    assert.match(empty.text(), /What should I change in that image\?/);
    const wrong = await send(replyTo('never-seen-2', 'make it blue steps:lots', { attachments: [{ filename: 'a.png', contentType: 'image/png', data: png }] }));
    assert.equal(wrong.sent.length, 1);
    assert.match(wrong.text(), /I read your reply as an `\/edit` instruction, but `steps` must be a whole number from 1 to 500, not "lots"/);
    assert.deepEqual(await counts(), before);
  });

  it('an image the bot never saw is taken from the replied-to message, stored once and recorded for it', async () => {
    const other = { externalId: 'someone-new', displayName: 'Nia' };
    const before = await counts();
    const first = await send({ ...replyTo('their-upload-1', 'make the star blue', { attachments: [{ filename: 'theirs.png', contentType: 'image/png', data: png }] }), user: other });
    // The shipped model reads the upload itself; this bot has no job queue, so it says so; the image is kept for the next try.
    assert.equal(first.sent.length, 1);
    assert.match(first.text(), /This bot has no job queue right now/);
    const after = await counts();
    assert.deepEqual(after, { ...before, images: before.images + 1, shown: before.shown + 1 });
    const stored = await lastShownImage(database.prisma, 'local', 'their-upload-1');
    assert.ok(stored);
    // Replying again finds the recorded image: nothing new is stored, even though the platform sent the file again.
    await send({ ...replyTo('their-upload-1', 'make the star blue', { attachments: [{ filename: 'theirs.png', contentType: 'image/png', data: png }] }), user: other });
    assert.deepEqual(await counts(), after);
  });

  it('plain text without a reply still points to the commands', async () => {
    const channel = await send(message('make it blue'));
    assert.match(channel.text(), /only understand commands.*`\/help`.*reply to an image/);
  });
});

describe('a reply to an image edits it, on the shipped model', () => {
  requireShippedModel();
  let studio: TestStudio;
  let editing: Dispatcher;
  before(async () => {
    const { logger } = capturingLogger();
    studio = await startTestStudio(database, logger);
    editing = createDispatcher({ prisma: database.prisma, logger, commands: createDefaultRegistry(), jobs: studio.jobs });
  });
  after(async () => {
    await studio?.stop();
  });

  it('edits the uploaded image, then a reply to the result edits its after image', async () => {
    const upload = withImage(png, 'star.png');
    const uploaded = recordingChannel();
    await editing.handleMessage(upload, uploaded);
    const uploadedId = uploaded.sent[0]!.reply.images![0]!.imageId;

    // Reply to the user's own upload message (recorded by its id).
    const first = recordingChannel();
    await editing.handleMessage(replyTo(upload.id, `make the star blue caption:${scene.caption} steps:20 seed:1`), first);
    assert.match(first.sent[0]!.reply.text, /Queued…/);
    const done = first.edits.at(-1)!.reply;
    assert.match(done.text, /Before and after/, done.text);
    const [before, afterImage] = done.images!;
    assert.equal(before!.imageId, uploadedId, 'the replied-to image is the one edited');
    const resultReply = first.sent[0]!.id;
    assert.equal(await lastShownImage(database.prisma, 'local', resultReply), afterImage!.imageId, 'the result reply is recorded with its after image last');

    // Reply to the result: its after image is edited, as a child of the first edit.
    const second = recordingChannel();
    await editing.handleMessage(replyTo(resultReply, 'make the star green steps:20 seed:1'), second);
    const again = second.edits.at(-1)!.reply;
    assert.match(again.text, /Before and after/, again.text);
    assert.equal(again.images![0]!.imageId, afterImage!.imageId);
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: again.images![1]!.imageId } });
    const parent = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: afterImage!.imageId } });
    assert.equal(edit.sourceImageId, afterImage!.imageId);
    assert.equal(edit.parentId, parent.id);
    const result = await database.prisma.image.findUniqueOrThrow({ where: { id: again.images![1]!.imageId }, include: { blob: true } });
    assert.equal((await sharp(Buffer.from(result.blob.data)).metadata()).width, 128);
  });
});
