import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import { rgbToTensor } from '../../src/models/vae/index.ts';
import { Diffusion } from '../../src/pipeline/diffusion.ts';
import { invertDdim } from '../../src/pipeline/inversion/ddim.ts';
import { sample, SamplingCancelled } from '../../src/pipeline/sampler.ts';
import { textToImage } from '../../src/pipeline/text-to-image.ts';
import { renderScene, sampleScene } from '../../src/world/index.ts';
import { createRandom } from '../../src/support/random.ts';

const digest = (pixels: Uint8Array) => createHash('sha256').update(pixels).digest('hex');

describe('text to image on the shipped model', () => {
  let diffusion: Diffusion;
  before(() => {
    diffusion = new Diffusion(openStableDiffusion(SHIPPED_MODEL_DIR));
  });
  after(() => diffusion.release());

  it('makes a 128×128 image, the same bytes for the same seed and different ones for another', async () => {
    const options = { prompt: 'a large red star in the top left on grass', steps: 4, guidance: 7.5 };
    const a = await textToImage(diffusion, { ...options, seed: 11 });
    const b = await textToImage(diffusion, { ...options, seed: 11 });
    const c = await textToImage(diffusion, { ...options, seed: 12 });
    assert.equal(a.width, 128);
    assert.equal(a.height, 128);
    assert.equal(a.pixels.length, 128 * 128 * 3);
    assert.equal(digest(a.pixels), digest(b.pixels));
    assert.notEqual(digest(a.pixels), digest(c.pixels));
    assert.equal(a.truncated, false);
  });

  it('reports every step, and stops within a step when cancelled', async () => {
    const seen: number[] = [];
    await textToImage(diffusion, { prompt: 'a small blue circle in the middle on sand', seed: 1, steps: 5, onStep: ({ step, total }) => { seen.push(step); assert.equal(total, 5); } });
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    const controller = new AbortController();
    let steps = 0;
    await assert.rejects(
      textToImage(diffusion, { prompt: 'a ring', seed: 1, steps: 20, signal: controller.signal, onStep: () => { if (++steps === 2) controller.abort(); } }),
      SamplingCancelled,
    );
    assert.equal(steps, 2);
  });

  it('says when a prompt is longer than the text encoder reads', async () => {
    const long = Array.from({ length: 60 }, () => 'a red star and').join(' ');
    const result = await textToImage(diffusion, { prompt: long, seed: 2, steps: 1, guidance: 1 });
    assert.equal(result.truncated, true);
  });

  it('refuses bad settings with a clear message', async () => {
    await assert.rejects(textToImage(diffusion, { prompt: 'x', seed: 1, steps: 0 }), /steps must be an integer from 1 to 500/);
    await assert.rejects(textToImage(diffusion, { prompt: 'x', seed: -1 }), /seed must be a non-negative integer/);
    await assert.rejects(diffusion.encode(rgbToTensor(new Uint8Array(64 * 64 * 3), 64, 64)), /must be 128×128/);
  });

  it('DDIM inversion walks the clean latent to x_T and regeneration from x_T comes back near it', async () => {
    const scene = sampleScene(createRandom(5), { minObjects: 1, maxObjects: 1 });
    const image = renderScene(scene);
    const latent = await diffusion.encode(rgbToTensor(image.rgb, image.width, image.height));
    const steps = 10;
    const inversion = await invertDdim(diffusion, { latent, prompt: image.caption, steps });
    assert.equal(inversion.trajectory.length, steps + 1);
    assert.deepEqual(inversion.trajectory[0], latent);
    const regenerated = await sample({
      unet: await diffusion.unet(1), scheduler: diffusion.scheduler('ddim'), steps, guidance: 1,
      cond: inversion.cond, seed: 0, start: inversion.trajectory.at(-1),
    });
    // The DDIM ODE run backwards and forwards: much closer to the start than an unrelated latent is.
    const distance = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0));
    const xT = inversion.trajectory.at(-1) as Float32Array;
    assert.ok(distance(regenerated.latent, latent) < 0.5 * distance(xT, latent), `${distance(regenerated.latent, latent)} vs ${distance(xT, latent)}`);
  });
});
