import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { ilvr } from '../../src/methods/ilvr.ts';
import { lowPass } from '../../src/methods/shared/noise-and-mask.ts';
import { heldOutScenes, releaseShipped, shippedDiffusion, SHORT_RUN_GUIDANCE } from './support.ts';
import { highPassDistance, highPassEnergy, lowPassDistance } from './support-noise-and-mask.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

describe('φ_N (ILVR low-pass)', () => {
  it('is the block mean, and a projection', () => {
    const x = Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => Math.sin(i * 1.7) * 3);
    const once = lowPass(x, [1, 2, 4, 4], 2);
    const twice = lowPass(once, [1, 2, 4, 4], 2);
    assert.ok(Math.abs((once[0] as number) - ((x[0] as number) + (x[1] as number) + (x[4] as number) + (x[5] as number)) / 4) < 1e-6);
    assert.ok(once.every((v, i) => Math.abs(v - (twice[i] as number)) < 1e-6));
  });
});

describe('ilvr on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('keeps the source low-pass far better than an unconditioned sample, leaving the detail free', async () => {
    const scenes = heldOutScenes(2);
    const rendered = scenes[0]!.rendered;
    const other = scenes[1]!;
    // The target names another scene on a background far from the source's, so that a sample free of
    // the source's low-pass lands far from it (two sky scenes sit close in a 32-px low-pass anyway).
    const background = rendered.caption.split(' on ').pop()!;
    const targetPrompt = `${other.rendered.caption.split(' on ').slice(0, -1).join(' on ')} on ${background === 'night' ? 'sand' : 'night'}`;
    const diffusion = shippedDiffusion();
    const factor = 4;
    const block = factor * (diffusion.width / diffusion.latentShape[3]); // latent cells → pixels
    const edit = (seed: number, stop: number) =>
      runEdit(diffusion, {
        method: ilvr,
        params: { factor, stop },
        source: { image: rendered, prompt: rendered.caption },
        targetPrompt,
        steps: 12,
        guidance: SHORT_RUN_GUIDANCE,
        seed,
      });
    const a = await edit(1, 0);
    const b = await edit(2, 0);
    const free = await edit(1, 1);
    const source = rendered;
    const conditioned = lowPassDistance(a.image, source, block);
    const unconditioned = lowPassDistance(free.image, source, block);
    const lowAB = lowPassDistance(a.image, b.image, block);
    const highAB = highPassDistance(a.image, b.image, block);
    const energy = highPassEnergy(a.image, block);
    const energyFree = highPassEnergy(free.image, block);
    const figures =
      `${block}px low-pass distance to the source: ILVR ${conditioned.toFixed(1)} vs unconditioned (same seed) ${unconditioned.toFixed(1)} /255; ` +
      `two ILVR seeds: low-pass ${lowAB.toFixed(1)} vs high-pass ${highAB.toFixed(1)} apart; detail energy ILVR ${energy.toFixed(1)} vs unconditioned ${energyFree.toFixed(1)}; ` +
      `latent low-pass distance ${a.output.metrics?.lowPassDistance?.toExponential(1)}, conditioned steps ${a.output.metrics?.conditionedSteps}/${free.output.metrics?.conditionedSteps}`;
    console.log(figures);
    assert.ok((a.output.metrics?.lowPassDistance ?? 1) < 1e-5, figures);
    assert.equal(free.output.metrics?.conditionedSteps, 0, figures);
    assert.ok(conditioned < 0.5 * unconditioned, figures);
    assert.ok(highAB > 2 * lowAB, figures);
    assert.ok(energy > 0.3 * energyFree, figures);
  });

  it('refuses a factor that does not divide the latent', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const base = { method: ilvr, source: { image: rendered, prompt: rendered.caption }, targetPrompt: 'x', steps: 1 };
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { factor: 3 } }), (e: Error) => e instanceof EditRequestError && /factor.*3 must divide the latent's sides \(16×16\)/.test(e.message));
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { stop: 2 } }), /ilvr parameter 'stop'/);
  });
});
