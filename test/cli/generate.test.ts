import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { runRetouch } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'retouch-generate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('retouch generate writes a PNG from the shipped model and reports it as JSON', async () => {
  const out = join(dir, 'star.png');
  const { code, stdout, stderr } = await runRetouch(['generate', '--prompt', 'a large red star in the middle on sky', '--seed', '3', '--steps', '3', '--out', out, '--json']);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as { out: string; width: number; height: number; seed: number; model: string; seconds: number };
  assert.equal(result.out, out);
  assert.equal(result.seed, 3);
  assert.match(result.model, /^[0-9a-f]{64}$/);
  const meta = await sharp(out).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 128);
  assert.equal(meta.height, 128);
});

test('retouch generate refuses bad options (exit 2) and a missing model (exit 1), clearly', async () => {
  const steps = await runRetouch(['generate', '--prompt', 'a ring', '--steps', 'many']);
  assert.equal(steps.code, 2);
  assert.match(steps.stderr, /--steps must be a non-negative integer, got 'many'/);
  const guidance = await runRetouch(['generate', '--prompt', 'a ring', '--guidance', '99']);
  assert.equal(guidance.code, 2);
  assert.match(guidance.stderr, /--guidance must be a number from 0 to 30/);
  const missing = await runRetouch(['generate', '--prompt', 'a ring', '--model', join(dir, 'nowhere'), '--json']);
  assert.equal(missing.code, 1);
  assert.match((JSON.parse(missing.stdout) as { error: string }).error, /no such model folder \(from --model\)/);
});

test('retouch eval runs t2i on the shipped model and names suites it does not have', async () => {
  const { code, stdout, stderr } = await runRetouch(['eval', 't2i', '--n', '1', '--steps', '2', '--json']);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as {
    suite: string;
    oneObject: { scenes: number; accuracy: Record<string, number> };
    twoObjects: { scenes: number };
    shortPrompts: { scenes: number; accuracy: Record<string, number>; placesUsed: number };
  };
  assert.equal(result.suite, 't2i');
  assert.equal(result.oneObject.scenes, 1);
  assert.equal(result.twoObjects.scenes, 1);
  for (const key of ['shape', 'colour', 'position', 'size', 'style']) assert.ok(result.oneObject.accuracy[key]! >= 0 && result.oneObject.accuracy[key]! <= 1, key);
  assert.equal(result.shortPrompts.scenes, 1);
  assert.deepEqual(Object.keys(result.shortPrompts.accuracy), ['shape', 'colour', 'size', 'style']);
  assert.ok(Number.isInteger(result.shortPrompts.placesUsed) && result.shortPrompts.placesUsed <= 9);
  const unknown = await runRetouch(['eval', 'beauty']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown suite 'beauty'; choose one of t2i, recon/);
});

test('retouch eval recon reads the objects back from the VAE round trip of held-out scenes', async () => {
  const { code, stdout, stderr } = await runRetouch(['eval', 'recon', '--n', '6', '--steps', '2', '--json']);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout) as { suite: string; scenes: number; vaePsnr: number; ddimPsnr: number; vaeAttributes: Record<string, number>; vaeStyles: Record<string, { objects: number; readBack: number | null }> };
  assert.equal(result.suite, 'recon');
  assert.equal(result.scenes, 6);
  // Six scenes of one and two objects: nine objects, each counted under the style it was drawn with.
  assert.deepEqual(Object.keys(result.vaeStyles), ['flat', 'striped', 'dotted', 'outlined']);
  assert.equal(Object.values(result.vaeStyles).reduce((n, s) => n + s.objects, 0), 9);
  assert.ok(result.vaePsnr > 20, `VAE PSNR ${result.vaePsnr}`);
  // The shipped VAE keeps objects where they are and in their colour: generation can only score what survives the decoder.
  assert.ok(result.vaeAttributes.position! >= 0.85, `position read back from the VAE: ${result.vaeAttributes.position}`);
});
