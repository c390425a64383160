import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { evaluationScenes } from '../../src/eval/t2i.ts';
import { renderScene } from '../../src/world/index.ts';
import { toPng } from '../../src/support/image.ts';
import { runRetouch } from './run.ts';
import { requireShippedModel } from '../support/shipped-models.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';

describe('retouch edit', () => {
  requireShippedModel();
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

  it("steers with the dictionary the model folder ships: sae.move redraws a seed's picture with the star in the asked cell", async () => {
    const out = join(dir, 'moved.png');
    const before = join(dir, 'drawn.png');
    const prompt = 'a medium red star on sky';
    const drawn = await runRetouch(['generate', '--prompt', prompt, '--seed', '11', '--out', before, '--json'], {}, 120_000);
    assert.equal(drawn.code, 0, drawn.stderr);
    const moved = await runRetouch(['edit', '--method', 'sae.move', '--param', 'object=star', '--param', 'region=top_left', '--inversion', 'none', '--seed', '11', '--prompt', prompt, '--out', out, '--json'], {}, 120_000);
    assert.equal(moved.code, 0, moved.stderr);
    assert.equal((JSON.parse(moved.stdout) as { metrics: { features: number } }).metrics.features, 8);
    const read = async (file: string) => (await runRetouch(['analyze', '--image', file], {}, 60_000)).stdout.split('\n')[0];
    assert.equal(await read(before), 'a medium red star in the bottom right on sky');
    assert.equal(await read(out), 'a medium red star in the top left on sky');

    const bare = join(dir, 'model-without-concepts');
    cpSync(SHIPPED_MODEL_DIR, bare, { recursive: true, filter: (path) => !path.includes('/concepts') });
    const refused = await runRetouch(['edit', '--model', bare, '--method', 'sae.move', '--param', 'object=star', '--param', 'region=top_left', '--prompt', prompt, '--out', join(dir, 'no.png')]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /sae\.move steers with the model's concept dictionary, which the CLI reads from the model folder: .*model-without-concepts\/concepts has none built for these weights; 'retouch concepts build --model .* --export .*' writes it/);
  });
});

describe('retouch edit --instruction and retouch analyze', () => {
  requireShippedModel();
  const dir = mkdtempSync(join(tmpdir(), 'retouch-instruction-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const scene = { background: 'sky' as const, seed: 3, objects: [{ shape: 'heart' as const, colour: 'red' as const, size: 'large' as const, position: 'center' as const, style: 'flat' as const }] };

  it('analyze prints the reading of a picture of any size, and says when a picture is not of the world', async () => {
    const image = join(dir, 'wide.png');
    writeFileSync(image, await sharp(await toPng(renderScene(scene, { size: 256 }))).resize(320, 240, { fit: 'fill' }).png().toBuffer());
    const { code, stdout, stderr } = await runRetouch(['analyze', '--image', image, '--json']);
    assert.equal(code, 0, stderr);
    const reading = JSON.parse(stdout) as { caption: string; inWorld: boolean; objects: { shape: string; shapeScore: number }[] };
    assert.equal(reading.caption, 'a large red heart in the center on sky');
    assert.equal(reading.inWorld, true);
    assert.ok(reading.objects[0]!.shapeScore > 0.8);
    const noise = join(dir, 'noise.png');
    writeFileSync(noise, await sharp(Buffer.from(Array.from({ length: 90 * 60 * 3 }, (_, i) => (i * 2654435761) >>> 24)), { raw: { width: 90, height: 60, channels: 3 } }).png().toBuffer());
    const outside = await runRetouch(['analyze', '--image', noise]);
    assert.match(outside.stdout, /not a picture of the world/);
  });

  it('plans and runs an instruction as a chat reply does: the picture read, the result checked, returned at its own size', async () => {
    const image = join(dir, 'upload.png');
    writeFileSync(image, await sharp(await toPng(renderScene(scene, { size: 256 }))).resize(320, 240, { fit: 'fill' }).png().toBuffer());
    const out = join(dir, 'blue.png');
    const { code, stdout, stderr } = await runRetouch(['edit', '--instruction', 'make the heart blue', '--image', image, '--steps', '30', '--out', out, '--json'], {}, 180_000);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { kind: string; plan: { source: { caption: string } }; reply: string; check: { steps: { done: boolean; asked: { subject: string; value: string }[] }[] } };
    assert.equal(result.kind, 'plan');
    assert.equal(result.plan.source.caption, 'a large red heart in the center on sky', 'the caption is what the picture reads as');
    assert.deepEqual(result.check.steps[0]!.asked, [{ subject: 'the heart', value: 'blue' }]);
    assert.equal(result.check.steps[0]!.done, true, result.reply);
    assert.match(result.reply, /✅ Done, and checked by reading the picture back: the heart is now blue/);
    assert.deepEqual([(await sharp(out).metadata()).width, (await sharp(out).metadata()).height], [320, 240], 'returned at its own size');
    const refused = await runRetouch(['edit', '--instruction', 'watercolor', '--image', image, '--json'], {}, 60_000);
    assert.equal(refused.code, 0, refused.stderr);
    assert.match((JSON.parse(refused.stdout) as { reply: string }).reply, /can't draw in a “watercolor” style/);
  });
});
