import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { fpe } from '../../src/methods/fpe.ts';
import { mapSide } from '../../src/methods/shared/layers.ts';
import { heldOutScenes, SHORT_RUN_GUIDANCE, SKIP_WITHOUT_MODEL } from './support.ts';
import { layoutAgainstPrompt, elementOf, latentStructure, maxAbsDifference, RecordingDiffusion } from './support-feature.ts';

const STEPS = 10;

describe('fpe on models/world-sd', { skip: SKIP_WITHOUT_MODEL }, () => {
  const diffusion = new RecordingDiffusion();
  after(() => diffusion.release());

  // todo: no layout gain on the shipped model. UNet fine-tune step 1,001: this run gives FPE 0.244 vs
  // 0.188 for the plain target (margin asked: 0.08). With a target that names no places and swaps the
  // background, 50 steps at 7.5 over 12 scenes (.scratch/s9/diag.ts): objects' cells kept 50% vs 38%
  // for the plain run from the same empty-prompt inversion, background changed 83% vs 75%, but latent
  // structure 0.20 vs 0.26, and both often draw an object twice (at the source's place and another).
  // With every object recoloured instead (pnp.test.ts's case, where PnP keeps 92% vs 67%): cells kept
  // 88% vs 83%, recoloured in place 75% vs 67%, latent structure 0.77 vs 0.77: no layout gain to show.
  // UNet 6,841: 0.135 vs 0.177 with the mirrored-place prompt. Why: the shipped model's maps carry
  // little layout (retouch eval attention: every map within 12% of uniform entropy, no locality, object
  // routing 7.7× chance in one 8×8 decoder layer and at most 4.5× elsewhere; src/methods/README.md).
  it('gives the target the source self-attention maps in the ≤ 32²-token layers for 80% of the steps, and keeps the layout', { todo: "the shipped model's self-attention maps carry little layout" }, async () => {
    const { rendered, targetPrompt } = layoutAgainstPrompt();
    const [, , h, w] = diffusion.latentShape;
    const maxTokens = mapSide(h, 32) * mapSide(w, 32);
    // Per UNet call (= step; batch [src uncond, tgt uncond, src cond, tgt cond]): the largest
    // difference between the target's and the source's conditional self-attention maps, in and out of the chosen layers.
    const inside: number[] = [];
    const outside: number[] = [];
    diffusion.names = (unet) => unet.layout.selfAttention.map((s) => `capture.${s.path}.probs`);
    const base = { method: fpe, source: { image: rendered, prompt: '' }, targetPrompt, steps: STEPS, seed: 5, guidance: SHORT_RUN_GUIDANCE };
    diffusion.listener = (_call, captures, unet) => {
      if (unet.options.batch !== 4) return;
      let din = 0;
      let dout = 0;
      for (const site of unet.layout.selfAttention) {
        const probs = captures[`capture.${site.path}.probs`]!;
        const d = maxAbsDifference(elementOf(probs, 2), elementOf(probs, 3));
        if (site.tokens <= maxTokens) din = Math.max(din, d);
        else dout = Math.max(dout, d);
      }
      inside.push(din);
      outside.push(dout);
    };
    const edited = await runEdit(diffusion, base);
    const calls = inside.length;
    diffusion.listener = undefined;
    const plain = await runEdit(diffusion, { ...base, params: { selfReplaceSteps: 0 } });
    assert.equal(calls, STEPS, `${calls} batch-4 calls recorded`);
    const replaced = Math.floor(STEPS * 0.8);
    const sharedMax = Math.max(...inside.slice(0, replaced));
    const laterMin = Math.min(...inside.slice(replaced));
    assert.ok(sharedMax < 1e-6, `target vs source maps in the ≤${maxTokens}-token layers, steps 0–${replaced - 1}: max |Δ| ${sharedMax.toExponential(2)}`);
    assert.ok(laterMin > 1e-4, `after step ${replaced} the maps are the target's own again: min over steps of max |Δ| ${laterMin.toExponential(2)}`);
    assert.ok(Math.min(...outside) > 1e-4, `the 16×16 layers keep their own maps: min max |Δ| ${Math.min(...outside).toExponential(2)}`);
    const source = edited.output.extraLatents!.source!;
    const withFpe = latentStructure(edited.output.latent, source);
    const without = latentStructure(plain.output.latent, source);
    assert.ok(withFpe > without + 0.08, `layout correlation with the source (latent, channel means removed): FPE ${withFpe.toFixed(3)} vs the plain target prompt from the same x_T ${without.toFixed(3)}`);
    console.log(`fpe: layout correlation with the source ${withFpe.toFixed(3)} (FPE) vs ${without.toFixed(3)} (no replacement); maps Δ ≤ ${sharedMax.toExponential(1)} while shared, ≥ ${laterMin.toExponential(1)} after`);
  });

  it('refuses bad parameters and other inversions by name', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const base = { method: fpe, source: { image: rendered, prompt: '' }, targetPrompt: 'x', steps: 2 };
    await assert.rejects(runEdit(diffusion, { ...base, params: { selfReplaceSteps: 1.5 } }), (e: Error) => e instanceof EditRequestError && /selfReplaceSteps/.test(e.message));
    await assert.rejects(runEdit(diffusion, { ...base, inversion: 'invert.ddpm' }), /fpe works with invert.direct/);
  });
});
