import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { evaluationScenes } from '../../src/eval/t2i.ts';
import { renderScene, toPng } from '../../src/world/index.ts';
import { SKIP_WITHOUT_MODEL } from '../methods/support.ts';
import { runRetouch } from './run.ts';

describe('retouch edit', { skip: SKIP_WITHOUT_MODEL }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'retouch-edit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('edits a PNG with a method and its parameters, and reports in JSON', async () => {
    const scene = renderScene(evaluationScenes(1, 1, 9_200_001)[0]!, { size: 128 });
    const image = join(dir, 'scene.png');
    writeFileSync(image, await toPng(scene));
    const out = join(dir, 'edited.png');
    const { code, stdout, stderr } = await runRetouch(
      ['edit', '--image', image, '--method', 'sdedit', '--param', 'strength=0.4', '--prompt', scene.caption, '--target', scene.caption.replace(/on \w+$/, 'on sand'), '--steps', '10', '--out', out, '--json'],
      {},
      120_000,
    );
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout) as { method: string; params: { strength: number }; out: string; width: number; seconds: number };
    assert.equal(summary.method, 'sdedit');
    assert.equal(summary.params.strength, 0.4);
    assert.equal(summary.width, 128);
    const meta = await sharp(out).metadata();
    assert.equal(meta.width, 128);
    assert.equal(meta.format, 'png');
  });

  it('refuses unknown methods, bad parameters and mismatched masks with exit 2 and the reason', async () => {
    const image = join(dir, 'small.png');
    writeFileSync(image, await sharp({ create: { width: 128, height: 128, channels: 3, background: '#336699' } }).png().toBuffer());
    const mask = join(dir, 'mask.png');
    writeFileSync(mask, await sharp({ create: { width: 64, height: 64, channels: 3, background: '#ffffff' } }).png().toBuffer());
    const unknown = await runRetouch(['edit', '--image', image, '--method', 'p2p.teleport']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown method 'p2p.teleport'; the editing methods are .*sdedit/);
    const range = await runRetouch(['edit', '--image', image, '--method', 'sdedit', '--param', 'strength=3']);
    assert.equal(range.code, 2);
    assert.match(range.stderr, /sdedit parameter 'strength'/);
    const refused = join(dir, 'refused.png');
    const masked = await runRetouch(['edit', '--image', image, '--method', 'sdedit', '--mask', mask, '--out', refused]);
    assert.equal(masked.code, 2);
    assert.match(masked.stderr, /--mask .* is 64×64 and the image 128×128/);
    assert.ok(!existsSync(refused), 'a refused edit writes no file');
  });
});
