import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, test } from 'node:test';
import sharp from 'sharp';
import { loadImageForModel } from '../../src/cli/invert.ts';
import { frameForModel, toModelSize } from '../../src/pipeline/model-size.ts';
import { fromImageFile, type RgbImage } from '../../src/support/image.ts';

// One routine brings an image to the model's size: the studio's stored images and the CLI's files
// get the same pixels and the same note.
describe('toModelSize', () => {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-model-size-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Left half red, right half blue: a crop shows in which columns each colour lands. */
  const halves = (width: number, height: number): RgbImage => {
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) rgb.set(x < width / 2 ? [220, 20, 20] : [20, 20, 220], (y * width + x) * 3);
    }
    return { width, height, rgb };
  };

  it('keeps an image of the model size as it is, with no note', async () => {
    const image = halves(16, 16);
    const sized = await toModelSize(image, 16, 16);
    assert.equal(sized.image, image);
    assert.equal(sized.note, undefined);
  });

  it('resizes the same aspect without cropping, and says only that it resized', async () => {
    const sized = await toModelSize(halves(64, 32), 16, 8);
    assert.deepEqual([sized.image.width, sized.image.height, sized.image.rgb.length], [16, 8, 16 * 8 * 3]);
    assert.equal(sized.note, "the image is 64×32; resized to the model's 16×8");
  });

  it('centre-crops another aspect and says so', async () => {
    const sized = await toModelSize(halves(48, 16), 16, 16);
    assert.equal(sized.note, "the image is 48×16; resized to the model's 16×16, centre-cropped to the same aspect");
    // The middle third of a 48-wide image: columns 16..31, red up to 24, blue after.
    const pixel = (x: number) => [...sized.image.rgb.subarray((8 * 16 + x) * 3, (8 * 16 + x) * 3 + 3)];
    assert.deepEqual(pixel(0), [220, 20, 20]);
    assert.deepEqual(pixel(15), [20, 20, 220]);
  });

  it('gives the CLI, reading a file, the pixels and note the studio gets from the stored PNG', async () => {
    const png = await sharp(Buffer.from(halves(40, 30).rgb), { raw: { width: 40, height: 30, channels: 3 } }).blur(2).png().toBuffer();
    const file = join(dir, 'halves.png');
    await writeFile(file, png);
    const cli = await loadImageForModel(file, 16, 16);
    const studio = await toModelSize(await fromImageFile(png), 16, 16);
    assert.equal(cli.note, studio.note);
    assert.deepEqual(cli.image, studio.image);
  });
});

test('an edit framed to the model comes back at the picture\'s own size, its own pixels kept wherever the edit changed nothing', async () => {
  const width = 96;
  const height = 64;
  const rgb = new Uint8Array(width * height * 3).map((_, i) => (i * 37) % 251);
  const picture = { width, height, rgb };
  const frame = await frameForModel(picture, 32, 32);
  assert.deepEqual([frame.image.width, frame.image.height], [32, 32]);
  // An edit that paints the model-sized picture's top-left quarter white.
  const edited = { ...frame.image, rgb: Uint8Array.from(frame.image.rgb) };
  for (let y = 0; y < 16; y++) for (let x = 0; x < 16; x++) edited.rgb.fill(255, (y * 32 + x) * 3, (y * 32 + x) * 3 + 3);
  const restored = await frame.restore(edited);
  assert.deepEqual([restored.width, restored.height], [width, height]);
  const at = (x: number, y: number) => [...restored.rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  assert.deepEqual(at(10, 10), [255, 255, 255], 'the edited corner, scaled up');
  assert.deepEqual(at(80, 50), [...rgb.subarray((50 * width + 80) * 3, (50 * width + 80) * 3 + 3)], 'untouched: the original pixel');
  const same = await frameForModel(frame.image, 32, 32);
  assert.equal(await same.restore(edited), edited, 'a model-sized picture is edited as it is');
});
