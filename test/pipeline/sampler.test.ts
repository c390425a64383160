import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Random, type HostTensor } from '../../src/engine/index.ts';
import { parseUNetConfig } from '../../src/models/unet/config.ts';
import { CompiledUNet } from '../../src/models/unet/model.ts';
import { Weights } from '../../src/models/weights.ts';
import { sample, SamplingCancelled } from '../../src/pipeline/sampler.ts';
import { DdimScheduler, EulerAncestralScheduler, parseSchedulerConfig, SD_SCHEDULER_CONFIG } from '../../src/pipeline/schedulers/index.ts';
import { loadFixture } from '../models/support.ts';

// The loop on the reference fixture's small UNet (random weights): what is checked is the loop's
// plumbing — seeds, guidance, img2img, progress, cancellation — not image quality.
const fixture = loadFixture('unet-sd1');
const config = parseUNetConfig(fixture.config);
const embeddings = (seed: number): HostTensor => {
  const random = new Random(seed);
  return { dtype: 'float32', shape: [1, 7, 32], data: Float32Array.from({ length: 7 * 32 }, () => random.normal() * 0.5) };
};
const SD = parseSchedulerConfig(SD_SCHEDULER_CONFIG);
const cond = embeddings(1);
const uncond = embeddings(2);
const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - (b[i] as number))), 0);

describe('sampling loop', () => {
  let guided: CompiledUNet;
  let plain: CompiledUNet;
  before(async () => {
    const weights = () => Weights.fromFile(join(fixture.dir, 'diffusion_pytorch_model.safetensors'));
    guided = await CompiledUNet.compile(config, weights(), { batch: 2, height: 8, width: 8, textLength: 7 }, { threads: 1 });
    plain = await CompiledUNet.compile(config, weights(), { batch: 1, height: 8, width: 8, textLength: 7 }, { threads: 1 });
  });
  after(async () => {
    await guided.release();
    await plain.release();
  });

  const run = (seed: number, extra: Partial<Parameters<typeof sample>[0]> = {}) =>
    sample({ unet: guided, scheduler: new DdimScheduler(SD), steps: 10, guidance: 7.5, cond, uncond, seed, ...extra });

  it('is reproducible: the same seed gives the same bytes, another seed another latent', async () => {
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    assert.deepEqual(a.latent, b.latent);
    assert.ok(maxDifference(a.latent, c.latent) > 1e-2);
    assert.deepEqual(a.timesteps, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
  });

  it('reports every step in order, with the estimate of the clean latent', async () => {
    const seen: number[] = [];
    await run(1, { onStep: ({ step, total, timestep, predOriginal }) => {
      assert.equal(total, 10);
      assert.equal(predOriginal.length, 4 * 8 * 8);
      seen.push(step, timestep);
    } });
    assert.deepEqual(seen.filter((_, i) => i % 2 === 0), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('guidance combines the two branches: equal embeddings give the unguided result, different ones do not', async () => {
    const unguided = await sample({ unet: plain, scheduler: new DdimScheduler(SD), steps: 10, guidance: 1, cond, seed: 5 });
    const same = await run(5, { uncond: cond });
    const different = await run(5);
    assert.ok(maxDifference(unguided.latent, same.latent) < 1e-4);
    assert.ok(maxDifference(unguided.latent, different.latent) > 1e-2);
  });

  it('img2img runs the last strength x steps from the noised init latent', async () => {
    const init = new Float32Array(4 * 8 * 8).fill(0.3);
    const steps: number[] = [];
    const result = await run(3, { init: { latent: init, strength: 0.5 }, onStep: ({ timestep }) => void steps.push(timestep) });
    assert.deepEqual(steps, [401, 301, 201, 101, 1]);
    assert.equal(result.timesteps.length, 5);
  });

  it('stochastic schedulers draw their noise from the seed too', async () => {
    const euler = (seed: number) => run(seed, { scheduler: new EulerAncestralScheduler(SD) });
    assert.deepEqual((await euler(9)).latent, (await euler(9)).latent);
  });

  it('cancels within one step, and says how far it got', async () => {
    const controller = new AbortController();
    let steps = 0;
    await assert.rejects(
      run(1, { signal: controller.signal, onStep: ({ step }) => {
        steps = step;
        if (step === 2) controller.abort();
      } }),
      (error: unknown) => error instanceof SamplingCancelled && /after 2 of 10 steps/.test(error.message),
    );
    assert.equal(steps, 2);
  });

  it('asks each step for its controls, and refuses a UNet of the wrong batch', async () => {
    const asked: number[] = [];
    await run(1, { controls: (step) => {
      asked.push(step);
      return undefined;
    } });
    assert.deepEqual(asked, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await assert.rejects(sample({ unet: plain, scheduler: new DdimScheduler(SD), steps: 2, guidance: 7.5, cond, uncond, seed: 1 }), /need a UNet compiled for batch 2/);
  });
});
