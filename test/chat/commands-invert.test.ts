import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Dispatcher } from '../../src/chat/dispatcher.ts';
import type { TestDatabase } from '../support/database.ts';
import { startChatStudio, type TestStudio } from '../support/studio.ts';
import { message, recordingChannel, withImage } from './helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// /invert keeps an inversion in the user's store, keyed as /edit looks it up, so the next edit of
// the image starts from it; /inversions lists and deletes them.
describe('/invert and /inversions on the shipped model', () => {
  requireShippedModel();
  let database: TestDatabase;
  let dispatcher: Dispatcher;
  let studio: TestStudio;
  before(async () => {
    ({ database, studio, dispatcher } = await startChatStudio());
  });
  after(async () => {
    await studio?.stop();
    await database?.destroy();
  });

  async function say(text: string) {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message(text), channel);
    return channel;
  }

  const counts = async () => ({
    jobs: await database.prisma.job.count(),
    inversions: await database.prisma.inversion.count(),
    blobs: await database.prisma.blob.count(),
  });

  it('refuses clearly when there is no image, the method is unknown, or an upload is no picture of its world', async () => {
    const before = await counts();
    assert.match((await say('/invert')).text(), /There is no image to invert yet/);
    assert.match((await say('/invert invert.magic')).text(), /`\/invert`: `method` must be one of `invert\.ddim`, `invert\.null_text`, `invert\.negative_prompt`, `invert\.direct`, `invert\.ddpm`/);
    // Noise is no picture of the shipped model's world: it says so, and points to real weights.
    const noise = Buffer.from(Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 2654435761) >>> 24));
    const png = await sharp(noise, { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer();
    const upload = recordingChannel();
    await dispatcher.handleMessage(withImage(png, 'noise.png', '/invert'), upload);
    assert.match(upload.text(), /doesn't look like one of my model's.*RETOUCH_MODEL_DIR/s);
    assert.deepEqual({ ...(await counts()), blobs: before.blobs }, before, 'no job and no inversion');
    assert.match((await say('/inversions')).text(), /You have no stored inversions/);
  });

  it('inverts the latest image, stores it, and the next /edit of that image reuses it', async () => {
    await say('/imagine a large flat red star in the center on grass seed:4 steps:25');
    const channel = await say('/invert steps:6');
    const final = channel.edits.at(-1)!.reply;
    // Under what the picture reads as, the caption its edits will use.
    assert.match(final.text, /Inverting with `invert\.direct`: 6 steps, guidance 7\.5, under \*\*a large red star in the center on grass\*\*/);
    const psnr = Number(/reconstruction PSNR: \*\*([\d.]+) dB/.exec(final.text)?.[1]);
    const vae = Number(/round trip alone: ([\d.]+) dB/.exec(final.text)?.[1]);
    // Direct inversion pins the source branch to the trajectory: it regenerates up to the VAE's error.
    assert.ok(psnr > 20 && psnr <= vae + 0.5, final.text);
    assert.match(final.text, /- stored: [\d.]+ KB in your inversions/);
    assert.equal(final.images?.length, 1, 'the reply shows the inverted image, so it can be replied to');
    const stored = await database.prisma.inversion.findFirstOrThrow({ include: { data: true } });
    assert.equal(stored.method, 'invert.direct');
    assert.deepEqual((stored.params as { steps: number }).steps, 6);

    const again = await say('/invert steps:6');
    assert.match(again.edits.at(-1)!.reply.text, /already in your inversions .*, reused: nothing was inverted again/);
    assert.equal(await database.prisma.inversion.count(), 1);

    const edit = await say('/edit make the star blue steps:6');
    assert.match(edit.edits.at(-1)!.reply.text, /inversion reused/, edit.edits.at(-1)!.reply.text);

    const listed = await say('/inversions list');
    assert.equal(listed.sent[0]!.reply.ephemeral, true);
    const id = stored.id.slice(0, 8);
    assert.match(listed.text(), new RegExp(`\\*\\*Your inversions\\*\\*: 1, [\\d.]+ KB in all\\n- \`${id}\` \\*\\*a large red star in the center on grass\\*\\*: \`invert\\.direct\`, 6 steps, guidance 7\\.5; [\\d.]+ KB, last used just now`));
  });

  it('/inversions delete removes one by id, its blob with it, and refuses ids it does not know', async () => {
    const before = await counts();
    const nothing = await say('/inversions delete abcdef99');
    assert.match(nothing.text(), /I deleted nothing: you have no inversion `abcdef99`/);
    assert.match((await say('/inversions remove all')).text(), /does `list` or `delete <id\|all>`, not `remove`/);
    assert.deepEqual(await counts(), before);

    const row = await database.prisma.inversion.findFirstOrThrow();
    const deleted = await say(`/inversions delete ${row.id.slice(0, 8)}`);
    assert.match(deleted.text(), /Deleted your inversion \([\d.]+ KB\)/);
    assert.deepEqual(await counts(), { ...before, inversions: 0, blobs: before.blobs - 1 });
    assert.equal(await database.prisma.blob.count({ where: { hash: row.dataHash } }), 0);
  });
});
