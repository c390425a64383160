import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DirectInversionCorrection,
  invert,
  inversionSampling,
  invertDdpm,
  reconstruct,
} from '../../src/pipeline/inversion/index.ts';
import { sample } from '../../src/pipeline/sampler.ts';
import { FixtureModel, maxDifference, PROMPT, rms, STEPS, x0 } from './inversion-support.ts';

describe('inversions', () => {
  const model = new FixtureModel();
  before(async () => {
    await model.unet(1);
    await model.unet(2);
  });
  after(() => model.release());

  it('invert.ddim at guidance 7.5 drifts away from the image (the error the other methods remove)', async () => {
    const inversion = await invert(model, 'invert.ddim', { latent: x0, prompt: PROMPT, steps: STEPS });
    assert.equal(inversion.trajectory.length, STEPS + 1);
    assert.deepEqual(inversion.timesteps, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    const guided = await reconstruct(model, inversion);
    const plain = await reconstruct(model, inversion, { guidance: 1 });
    assert.ok(rms(guided.latent, x0) > 0.05, `guided DDIM error ${rms(guided.latent, x0)}`);
    assert.ok(rms(plain.latent, x0) < rms(guided.latent, x0));
  });

  it('invert.direct: the source branch follows the inversion trajectory to float tolerance', async () => {
    const inversion = await invert(model, 'invert.direct', { latent: x0, prompt: PROMPT, steps: STEPS });
    const plan = inversionSampling(model, inversion);
    const seen: Float32Array[] = [];
    const { latent } = await sample({
      unet: await model.unet(2), scheduler: plan.scheduler, steps: plan.steps, guidance: plan.guidance, cond: plan.cond, uncond: plan.uncond,
      start: plan.start, seed: 0, afterStep: (step, z) => {
        const corrected = plan.afterStep!(step, z);
        seen.push(corrected);
        return corrected;
      },
    });
    assert.equal(seen.length, STEPS);
    seen.forEach((z, step) => assert.ok(maxDifference(z, inversion.trajectory[STEPS - 1 - step]!) < 1e-6, `step ${step}`));
    assert.ok(maxDifference(latent, x0) < 1e-6);
    // The offsets it added are the guided sampler's drift: not zero at guidance 7.5.
    const offsets = plan.correction!.offsets;
    assert.equal(offsets.length, STEPS);
    assert.ok(Math.max(...offsets.map((o) => Math.max(...o.map(Math.abs)))) > 1e-3);
  });

  it('DirectInversionCorrection moves only the source branch of a batched latent', () => {
    const trajectory = [new Float32Array([1, 2]), new Float32Array([3, 4]), new Float32Array([5, 6])];
    const correction = new DirectInversionCorrection(trajectory);
    const out = correction.apply(0, new Float32Array([0, 0, 7, 8]));
    assert.deepEqual([...out], [3, 4, 7, 8]);
    assert.deepEqual([...correction.apply(1, new Float32Array([1.5, 2, 9, 9]))], [1, 2, 9, 9]);
    assert.deepEqual([...correction.offsets[1]!], [-0.5, 0]);
    assert.throws(() => correction.apply(2, new Float32Array(4)), /step 2 is outside/);
    assert.deepEqual([...new DirectInversionCorrection(trajectory, 1).apply(0, new Float32Array([0, 0, 7, 8]))], [0, 0, 3, 4]);
  });

  it('invert.ddpm: sampling with the stored noises gives back x_0 to float tolerance', async () => {
    const inversion = await invertDdpm(model, { latent: x0, prompt: PROMPT, steps: STEPS, seed: 3 });
    assert.equal(inversion.noises.length, STEPS);
    assert.equal(inversion.eta, 1);
    const { latent } = await reconstruct(model, inversion);
    assert.ok(maxDifference(latent, x0) < 1e-5, `max difference ${maxDifference(latent, x0)}`);
    // The intermediate latents are the independently noised ones, and the noises are not the seed's draws.
    const other = await invertDdpm(model, { latent: x0, prompt: PROMPT, steps: STEPS, seed: 4 });
    assert.ok(maxDifference(other.xT, inversion.xT) > 0.1);
    assert.ok(maxDifference((await reconstruct(model, other)).latent, x0) < 1e-5);
    // Another prompt with the same noises does not give the image back (the noises are prompt-specific).
    const edited = await reconstruct(model, { ...inversion, cond: await model.encodePrompt('a blue square!!') });
    assert.ok(maxDifference(edited.latent, x0) > 1e-2);
  });

  it('invert.ddpm works at guidance 1 too', async () => {
    const inversion = await invertDdpm(model, { latent: x0, prompt: PROMPT, steps: 5, guidance: 1 });
    assert.ok(maxDifference((await reconstruct(model, inversion)).latent, x0) < 1e-4);
  });

  it('invert.negative_prompt regenerates as the guidance-1 DDIM regeneration does', async () => {
    const inversion = await invert(model, 'invert.negative_prompt', { latent: x0, prompt: PROMPT, steps: STEPS });
    assert.deepEqual(inversion.uncond, inversion.cond);
    const negative = await reconstruct(model, inversion);
    const plain = await sample({ unet: await model.unet(1), scheduler: model.scheduler('ddim'), steps: STEPS, guidance: 1, cond: inversion.cond, start: inversion.xT, seed: 0 });
    assert.equal(negative.latent.length, plain.latent.length);
    assert.ok(maxDifference(negative.latent, plain.latent) < 1e-4, `max difference ${maxDifference(negative.latent, plain.latent)}`);
  });

  it('rejects a latent of the wrong size and bad steps', async () => {
    await assert.rejects(invert(model, 'invert.ddim', { latent: new Float32Array(10), prompt: '', steps: 5 }), /10 values, the model takes 256/);
    await assert.rejects(invert(model, 'invert.ddpm', { latent: x0, prompt: '', steps: 0 }), /steps must be an integer/);
  });
});
