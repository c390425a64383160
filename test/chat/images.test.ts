import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { createDefaultRegistry } from '../../commands/index.ts';
import { createDispatcher, type Dispatcher } from '../../src/chat/dispatcher.ts';
import { MAX_UPLOAD_BYTES, normaliseUpload } from '../../src/chat/images.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { capturingLogger, message, recordingChannel, withImage } from './helpers.ts';

let database: TestDatabase;
let dispatcher: Dispatcher;

before(async () => {
  database = await startTestDatabase();
  dispatcher = createDispatcher({ prisma: database.prisma, logger: capturingLogger().logger, commands: createDefaultRegistry() });
});

after(async () => {
  await database?.destroy();
});

function solid(width: number, height: number, colour = '#3366cc') {
  return sharp({ create: { width, height, channels: 3, background: colour } });
}

async function upload(data: Buffer, filename = 'picture.png', user = 'uploader') {
  const channel = recordingChannel();
  const incoming = withImage(data, filename);
  incoming.user = { externalId: user, displayName: user };
  await dispatcher.handleMessage(incoming, channel);
  return channel;
}

const counts = async () => ({
  blobs: await database.prisma.blob.count(),
  images: await database.prisma.image.count(),
});

test('a PNG is stored once, even when uploaded twice', async () => {
  const png = await solid(64, 48).png().toBuffer();
  const before = await counts();

  const first = await upload(png, 'square.png');
  assert.equal(first.sent.length, 1);
  const [ack] = first.sent;
  assert.match(ack!.reply.text, /^Stored \*\*square\.png\*\* \(PNG, 64×48, [\d.]+ (B|KB) as PNG\)\./);
  assert.match(ack!.reply.text, /To edit it, type `\/edit`/);
  const imageId = ack!.reply.images?.[0]?.imageId;
  assert.ok(imageId);

  const second = await upload(png, 'square-again.png');
  assert.match(second.text(), /You had already stored \*\*square-again\.png\*\*/);
  assert.equal(second.sent[0]!.reply.images?.[0]?.imageId, imageId, 'the earlier image is reused');

  assert.deepEqual(await counts(), { blobs: before.blobs + 1, images: before.images + 1 });
  const image = await database.prisma.image.findUniqueOrThrow({ where: { id: imageId }, include: { blob: true, owner: true, workspace: true } });
  assert.equal(image.width, 64);
  assert.equal(image.height, 48);
  assert.equal(image.owner.externalId, 'uploader');
  assert.equal(image.workspace?.externalId, 'test-workspace');
  assert.equal(image.blob.mediaType, 'image/png');
  assert.match(image.blob.hash, /^[0-9a-f]{64}$/);
  const stored = await sharp(Buffer.from(image.blob.data)).metadata();
  assert.deepEqual([stored.format, stored.width, stored.height], ['png', 64, 48]);
});

test('a file name is shown as typed, not as formatting', async () => {
  const channel = await upload(await solid(9, 9, '#010203').png().toBuffer(), 'my_*best*`shot`.png');
  assert.match(channel.text(), /^Stored \*\*my\\_\\\*best\\\*\\`shot\\`\.png\*\* /);
});

test('the same picture from another user shares the blob but gets its own image', async () => {
  const png = await solid(20, 20, '#aa0000').png().toBuffer();
  await upload(png, 'a.png', 'alice');
  const before = await counts();
  await upload(png, 'b.png', 'bob');
  assert.deepEqual(await counts(), { blobs: before.blobs, images: before.images + 1 });
});

test('JPEG, WebP and GIF are normalised to PNG; a GIF keeps its first frame', async () => {
  for (const [format, data] of [
    ['JPEG', await solid(30, 20).jpeg().toBuffer()],
    ['WebP', await solid(30, 20).webp().toBuffer()],
  ] as const) {
    const result = await normaliseUpload({ filename: 'x', contentType: undefined, data });
    assert.ok(result.ok, format);
    assert.equal(result.image.sourceFormat, format);
    assert.deepEqual((await sharp(result.image.png).metadata()).format, 'png');
  }
  const red = await solid(10, 8, '#ff0000').raw().toBuffer();
  const green = await solid(10, 8, '#00ff00').raw().toBuffer();
  const animated = await sharp(Buffer.concat([red, green]), { raw: { width: 10, height: 16, channels: 3, pageHeight: 8 } })
    .gif()
    .toBuffer();
  const result = await normaliseUpload({ filename: 'anim.gif', contentType: 'image/gif', data: animated });
  assert.ok(result.ok);
  assert.deepEqual([result.image.sourceFormat, result.image.width, result.image.height], ['GIF', 10, 8]);
  const { data: pixel } = await sharp(result.image.png).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer({ resolveWithObject: true });
  assert.ok(pixel[0]! > 200 && pixel[1]! < 50, 'the first (red) frame');
});

test('EXIF orientation is applied', async () => {
  const rotated = await solid(40, 10).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const result = await normaliseUpload({ filename: 'phone.jpg', contentType: 'image/jpeg', data: rotated });
  assert.ok(result.ok);
  assert.deepEqual([result.image.width, result.image.height], [10, 40]);
});

test('refused uploads say why and store nothing', async () => {
  const png = await solid(32, 32).png().toBuffer();
  const cases: Array<[string, Buffer, RegExp]> = [
    ['corrupt.png', png.subarray(0, png.length - 30), /the PNG file is damaged/],
    ['notes.txt', Buffer.from('just some text, not a picture'), /it is not an image \(send a PNG, JPEG, WebP or GIF\)/],
    ['empty.png', Buffer.alloc(0), /the file is empty/],
    ['huge.png', Buffer.alloc(MAX_UPLOAD_BYTES + 1), /it is larger than the 20 MB limit \(20 MB\)/],
    ['huger.png', Buffer.alloc(MAX_UPLOAD_BYTES + 1024 * 1024), /it is larger than the 20 MB limit \(21 MB\)/],
    ['wide.png', await solid(4097, 8).png().toBuffer(), /it is 4097×8 pixels; the limit is 4096 pixels per side/],
    ['tall.png', await solid(8, 5000).png().toBuffer(), /the limit is 4096 pixels per side/],
    ['drawing.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'), /SVG images are not supported/],
    ['scan.tiff', await solid(8, 8).tiff().toBuffer(), /TIFF images are not supported/],
  ];
  const before = await counts();
  for (const [filename, data, reason] of cases) {
    const channel = await upload(data, filename);
    assert.equal(channel.sent.length, 1, filename);
    assert.match(channel.text(), new RegExp(`^I could not store \\*\\*${filename.replace('.', '\\.')}\\*\\*: `), filename);
    assert.match(channel.text(), reason, filename);
    assert.equal(channel.sent[0]!.reply.images, undefined, filename);
  }
  assert.deepEqual(await counts(), before);
});

test('an image sent with a command is stored and then the command runs', async () => {
  const channel = recordingChannel();
  const png = await solid(12, 12, '#00aa00').png().toBuffer();
  await dispatcher.handleMessage({ ...message('/help'), attachments: [{ filename: 'g.png', contentType: 'image/png', data: png }] }, channel);
  assert.equal(channel.sent.length, 2);
  assert.match(channel.sent[0]!.reply.text, /Stored \*\*g\.png\*\*/);
  assert.match(channel.sent[1]!.reply.text, /\*\*Commands\*\*/);
});
