import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { loadImageForModel } from '../../src/cli/invert.ts';
import { UsageError } from '../../src/cli/output.ts';

// How `retouch invert` reads its --image: resized with a note, or refused with the reason.
describe('retouch invert: reading the image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-invert-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const png = async (name: string, width: number, height: number, channels: 3 | 4 = 3) => {
    const path = join(dir, name);
    await sharp({ create: { width, height, channels, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } }).png().toFile(path);
    return path;
  };

  it('takes an image of the model size as it is', async () => {
    const { image, note } = await loadImageForModel(await png('exact.png', 16, 16), 16, 16);
    assert.equal(note, undefined);
    assert.equal(image.rgb.length, 16 * 16 * 3);
    assert.deepEqual([...image.rgb.subarray(0, 3)], [10, 200, 30]);
  });

  it('resizes another size (alpha dropped) and says so', async () => {
    const { image, note } = await loadImageForModel(await png('wide.png', 40, 20, 4), 16, 16);
    assert.equal(image.width, 16);
    assert.equal(image.rgb.length, 16 * 16 * 3);
    assert.match(note ?? '', /40×20; resized to the model's 16×16, centre-cropped/);
  });

  it('refuses missing, empty, non-image and truncated files with a usage error', async () => {
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, '');
    const text = join(dir, 'text.png');
    writeFileSync(text, 'not an image');
    const truncated = join(dir, 'truncated.png');
    const { readFileSync } = await import('node:fs');
    writeFileSync(truncated, readFileSync(await png('whole.png', 64, 64)).subarray(0, 60));
    await assert.rejects(loadImageForModel(join(dir, 'nope.png'), 16, 16), (e) => e instanceof UsageError && /no such file/.test(e.message));
    await assert.rejects(loadImageForModel(empty, 16, 16), /the file is empty/);
    await assert.rejects(loadImageForModel(text, 16, 16), /cannot read it as an image/);
    await assert.rejects(loadImageForModel(truncated, 16, 16), /truncated or corrupt|cannot read it as an image/);
  });
});
