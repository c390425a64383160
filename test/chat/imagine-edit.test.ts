import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { Dispatcher } from '../../src/chat/dispatcher.ts';
import { startChatStudio, type TestStudio } from '../support/studio.ts';
import type { TestDatabase } from '../support/database.ts';
import { loadRgb } from '../../src/studio/results.ts';
import { analyseImage } from '../../src/world/index.ts';
import { buttonPress, message, recordingChannel, withImage } from './helpers.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

// The product's main path through the platform-neutral layer: /imagine draws with the shipped model,
// /edit changes that result by plain English, the second edit of the same image reuses its stored
// inversion; results are stored images with their plans and parents.
/** A drawing the move test starts from (its seed draws the star where the caption says). */
const MOVED = { caption: 'a large flat red star in the center on grass', seed: 5, steps: 25 };

describe('/imagine and /edit on the shipped model', () => {
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

  it('draws, shows progress, and stores the result with its plan', async () => {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message('/imagine a large flat red star in the center on grass seed:5 steps:10'), channel);
    assert.match(channel.sent[0]!.reply.text, /Drawing \*\*a large flat red star/);
    const final = channel.edits.at(-1)!.reply;
    assert.match(final.text, /seed 5/);
    const imageId = final.images![0]!.imageId;
    const edit = await database.prisma.edit.findFirst({ where: { resultImageId: imageId } });
    assert.deepEqual(edit?.methods, ['sample.ddim']);
    const image = await database.prisma.image.findUniqueOrThrow({ where: { id: imageId }, include: { blob: true } });
    assert.equal((await sharp(Buffer.from(image.blob.data)).metadata()).width, 128);
  });

  it('edits the latest image by an instruction, as a child of the edit that made it, and reuses the inversion the second time', async () => {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message('/edit make the star blue steps:20'), channel);
    const first = channel.edits.at(-1)!.reply;
    assert.match(channel.sent[0]!.reply.text, /Prompt-to-Prompt/);
    // On the shipped model the result is read back, and the reply says what was found.
    assert.match(first.text, /✅ Done, and checked by reading the picture back: the star is now blue; everything else reads as before/, first.text);
    assert.equal(first.images?.length, 2, first.text);
    const [source, result] = first.images!;
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: result!.imageId } });
    const parent = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: source!.imageId } });
    assert.equal(edit.parentId, parent.id);
    assert.equal(edit.sourceImageId, source!.imageId);
    assert.doesNotMatch(first.text, /inversion reused/);

    // The same image again (attached this time): its inversion comes from the store.
    const sourceRow = await database.prisma.image.findUniqueOrThrow({ where: { id: source!.imageId }, include: { blob: true } });
    const again = recordingChannel();
    await dispatcher.handleMessage(withImage(Buffer.from(sourceRow.blob.data), 'star.png', '/edit make the star green steps:20'), again);
    const second = again.edits.at(-1)!.reply;
    assert.match(second.text, /inversion reused/, second.text);
  });

  it('moves an object by plain English (MasaCtrl toward a prompt naming the new place)', async () => {
    const drawing = recordingChannel();
    await dispatcher.handleMessage(message(`/imagine ${MOVED.caption} seed:${MOVED.seed} steps:${MOVED.steps}`), drawing);
    const drawn = drawing.edits.at(-1)!.reply.images![0]!.imageId;
    const before = analyseImage((await loadRgb(database.prisma, drawn))!.image).objects;
    assert.deepEqual(before.map((o) => `${o.colour} ${o.shape}@${o.position}`), ['red star@center'], 'the drawing to move');

    const channel = recordingChannel();
    await dispatcher.handleMessage(message(`/edit move the star to the top left steps:${MOVED.steps}`), channel);
    // The caption is what the picture reads as (the world's captions leave "flat" unsaid).
    assert.match(channel.sent[0]!.reply.text, /MasaCtrl.*“a large red star in the top left on grass”/s);
    assert.doesNotMatch(channel.text(), /not available yet, so this plan can't run/);
    const [source, result] = channel.edits.at(-1)!.reply.images!;
    assert.equal(source!.imageId, drawn);
    const after = analyseImage((await loadRgb(database.prisma, result!.imageId))!.image).objects;
    assert.deepEqual(after.map((o) => `${o.colour} ${o.shape}@${o.position}`), ['red star@top left'], 'the star moved, nothing else appeared');
    const edit = await database.prisma.edit.findFirstOrThrow({ where: { resultImageId: result!.imageId } });
    assert.deepEqual(edit.methods, ['masactrl']);
  });

  // Over five such additions beside a red star (blue circle, yellow square, green heart, blue circle
  // above, purple triangle below; seeds 0–4) three came out as asked, the star kept in each of those.
  it('adds an object beside another by plain English (Blended Diffusion in the neighbouring cell, toward a caption naming it)', async () => {
    const drawing = recordingChannel();
    await dispatcher.handleMessage(message(`/imagine ${MOVED.caption} seed:${MOVED.seed} steps:${MOVED.steps}`), drawing);
    const drawn = drawing.edits.at(-1)!.reply.images![0]!.imageId;

    const channel = recordingChannel();
    await dispatcher.handleMessage(message(`/edit put a yellow square next to the star steps:${MOVED.steps}`), channel);
    assert.match(channel.sent[0]!.reply.text, /Painting a “yellow square” next to the star, into the middle right/);
    const [source, result] = channel.edits.at(-1)!.reply.images!;
    assert.equal(source!.imageId, drawn);
    const after = analyseImage((await loadRgb(database.prisma, result!.imageId))!.image).objects;
    assert.deepEqual(after.map((o) => `${o.colour} ${o.shape}@${o.position}`).sort(), ['red star@center', 'yellow square@middle right']);
  });

  // DiffEdit toward the caption without the object (25 steps): over 16 held-out one-object scenes it
  // removed 14, over 12 two-object scenes 12, keeping the other object and the background in all of
  // them. Large objects are harder: 4 of 12 drawn large ones went (6 with strength 1; SDEdit 4–6).
  it('removes an object by plain English (DiffEdit finds it), keeping the background', async () => {
    const drawing = recordingChannel();
    await dispatcher.handleMessage(message(`/imagine a medium flat blue heart in the top left on sky seed:${MOVED.seed} steps:${MOVED.steps}`), drawing);
    const channel = recordingChannel();
    await dispatcher.handleMessage(message(`/edit remove the heart steps:${MOVED.steps}`), channel);
    assert.match(channel.sent[0]!.reply.text, /DiffEdit/);
    const result = channel.edits.at(-1)!.reply.images?.[1];
    assert.ok(result, channel.text());
    const after = analyseImage((await loadRgb(database.prisma, result.imageId))!.image);
    assert.deepEqual([after.objects.length, after.background], [0, 'sky']);
  });

  it('cancels a running job from its button, and only for its owner', async () => {
    const channel = recordingChannel();
    const running = dispatcher.handleMessage(message('/imagine a small blue circle in the top left on sky steps:500 seed:2'), channel);
    let cancel: string | undefined;
    for (let i = 0; i < 600 && !cancel; i++) {
      cancel = channel.edits.flatMap((e) => e.reply.buttons ?? []).find((b) => b.id.startsWith('imagine:cancel:'))?.id;
      if (!cancel || !channel.edits.some((e) => /%/.test(e.reply.text))) {
        cancel = undefined;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    assert.ok(cancel, 'a cancel button appears while the job runs');
    const stranger = recordingChannel();
    await dispatcher.handleButton({ ...buttonPress(cancel!), user: { externalId: 'someone-else', displayName: 'Eve' } }, stranger);
    assert.equal(stranger.text(), 'Only the person who asked for that job can cancel it.');
    const owner = recordingChannel();
    await dispatcher.handleButton(buttonPress(cancel!), owner);
    assert.match(owner.text(), /Cancelling/);
    await running;
    assert.match(channel.edits.at(-1)!.reply.text, /Cancelled\./);
  });

  it('/status reports the queue: finished jobs and how long they took', async () => {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message('/status'), channel);
    const text = channel.text();
    const done = Number(/last hour: (\d+) done/.exec(text)?.[1]);
    assert.ok(done >= 3, text);
    assert.match(text, /time running: median \d+\.\d s/);
    assert.match(text, /1 cancelled/);
  });

  it('turns away an upload from outside its world at once, saying why and what to use instead', async () => {
    const noise = Buffer.from(Array.from({ length: 96 * 96 * 3 }, (_, i) => (i * 2654435761) >>> 24));
    const png = await sharp(noise, { raw: { width: 96, height: 96, channels: 3 } }).png().toBuffer();
    const channel = recordingChannel();
    const jobs = await database.prisma.job.count();
    await dispatcher.handleMessage(withImage(png, 'mystery.png', '/edit make the cat a tiger'), channel);
    assert.match(channel.text(), /doesn't look like one of my model's.*point RETOUCH_MODEL_DIR at Stable Diffusion/s);
    assert.equal(await database.prisma.job.count(), jobs, 'nothing queued');
  });
  it('shows a small preview of the picture so far while a long drawing runs', async () => {
    const channel = recordingChannel();
    await dispatcher.handleMessage(message('/imagine a small green heart in the bottom right on sand seed:9 steps:300'), channel);
    const previews = channel.edits.map((e) => e.reply.preview).filter((p) => p !== undefined);
    assert.ok(previews.length > 0, `${channel.edits.length} progress edits, none with a preview`);
    const metadata = await sharp(previews[0]!.data).metadata();
    assert.equal(previews[0]!.mediaType, 'image/webp');
    assert.equal(metadata.format, 'webp');
    assert.ok(metadata.width <= 96 && metadata.width >= 32, `preview ${metadata.width}×${metadata.height}`);
    assert.equal(channel.edits.at(-1)!.reply.preview, undefined, 'the final reply shows the result, not a preview');
  });

  it('does not offer wide sizes the shipped model cannot draw: size:2:1 is refused, saying what works', async () => {
    const channel = recordingChannel();
    const jobs = await database.prisma.job.count();
    await dispatcher.handleMessage(message('/imagine a large red star on grass size:2:1 steps:4 seed:3'), channel);
    assert.match(channel.text(), /This model draws square pictures only.*Wider sizes \(3:2, 16:9, 2:1, 3:1, 4:1\) work with Stable Diffusion weights \(RETOUCH_MODEL_DIR\)/s);
    assert.equal(await database.prisma.job.count(), jobs, 'nothing queued');
  });

  it('refuses a prompt over the limit with its length and the limit, and queues nothing', async () => {
    const jobsBefore = await database.prisma.job.count();
    const channel = recordingChannel();
    await dispatcher.handleMessage(message(`/imagine ${'a red star on grass and '.repeat(30)}`), channel);
    assert.equal(channel.sent.length, 1);
    assert.match(channel.sent[0]!.reply.text, /prompt is \d+ characters long; the limit is 500/);
    assert.equal(channel.sent[0]!.reply.ephemeral, true);
    assert.equal(await database.prisma.job.count(), jobsBefore);
  });
});
