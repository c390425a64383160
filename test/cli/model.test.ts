import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assembleDiffusersFolder, FIXTURES } from '../models/support.ts';
import { runRetouch } from './run.ts';

describe('retouch model', () => {
  it('describes a diffusers folder', async () => {
    const root = assembleDiffusersFolder();
    const result = await runRetouch(['model', root, '--json']);
    rmSync(root, { recursive: true, force: true });
    assert.equal(result.code, 0, result.stderr);
    const description = JSON.parse(result.stdout) as { unet: { parameters: number; blockOutChannels: number[] }; hash: string };
    assert.deepEqual(description.unet.blockOutChannels, [16, 16, 32]);
    assert.ok(description.unet.parameters > 100_000);
    assert.match(description.hash, /^[0-9a-f]{64}$/);
  });

  it('says what is wrong, exit 1', async () => {
    const missing = await runRetouch(['model', join(FIXTURES, 'no-such-model')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no-such-model: no such file or folder/);
    // The shrunken single-file fixture is not SD-1.x-sized: the inferred defaults don't fit, and it says so.
    const shrunken = await runRetouch(['model', join(FIXTURES, 'sd1-single-file', 'model.safetensors'), '--tokenizer', join(FIXTURES, 'tokenizer')]);
    assert.equal(shrunken.code, 1);
    assert.match(shrunken.stderr, /model\.safetensors \(unet\): block 0 has 16 channels, not divisible into 32 norm groups/);
    const noTokenizer = await runRetouch(['model', join(FIXTURES, 'sd1-single-file', 'model.safetensors'), '--json']);
    assert.equal(noTokenizer.code, 1);
    assert.match(JSON.parse(noTokenizer.stdout).error as string, /no tokenizer/);
  });
});
