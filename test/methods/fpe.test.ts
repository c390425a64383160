import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { fpe } from '../../src/methods/fpe.ts';
import { mapSide } from '../../src/methods/shared/layers.ts';
import { heldOutScenes, SHORT_RUN_GUIDANCE } from './support.ts';
import { analyseImage } from '../../src/world/index.ts';
import { layoutAgainstPrompt, layoutsAgainstPrompt, elementOf, maxAbsDifference, recolourWithoutPlaces, RecordingDiffusion } from './support-feature.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const STEPS = 10;

describe('fpe on models/world-sd', () => {
  requireShippedModel();
  const diffusion = new RecordingDiffusion();
  after(() => diffusion.release());

  it('gives the target the source self-attention maps in the ≤ 32²-token layers for 80% of the steps', async () => {
    const { rendered, targetPrompt } = layoutAgainstPrompt();
    const [, , h, w] = diffusion.latentShape;
    const maxTokens = mapSide(h, 32) * mapSide(w, 32);
    // Per UNet call (= step; batch [src uncond, tgt uncond, src cond, tgt cond]): the largest
    // difference between the target's and the source's conditional self-attention maps, in and out of the chosen layers.
    const inside: number[] = [];
    const outside: number[] = [];
    diffusion.names = (unet) => unet.layout.selfAttention.map((s) => `capture.${s.path}.probs`);
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
    try {
      await runEdit(diffusion, { method: fpe, source: { image: rendered, prompt: '' }, targetPrompt, steps: STEPS, seed: 5, guidance: SHORT_RUN_GUIDANCE });
    } finally {
      diffusion.listener = undefined;
    }
    assert.equal(inside.length, STEPS, `${inside.length} batch-4 calls recorded`);
    const replaced = Math.floor(STEPS * 0.8);
    const sharedMax = Math.max(...inside.slice(0, replaced));
    const laterMin = Math.min(...inside.slice(replaced));
    assert.ok(sharedMax < 1e-6, `target vs source maps in the ≤${maxTokens}-token layers, steps 0–${replaced - 1}: max |Δ| ${sharedMax.toExponential(2)}`);
    assert.ok(laterMin > 1e-4, `after step ${replaced} the maps are the target's own again: min over steps of max |Δ| ${laterMin.toExponential(2)}`);
    assert.ok(Math.min(...outside) > 1e-4, `the 16×16 layers keep their own maps: min max |Δ| ${Math.min(...outside).toExponential(2)}`);
    console.log(`fpe: maps Δ ≤ ${sharedMax.toExponential(1)} while shared, ≥ ${laterMin.toExponential(1)} after; 16×16 layers ≥ ${Math.min(...outside).toExponential(1)}`);
  });

  // The paper's claim: the source's self-attention maps carry its layout, so the target keeps it while
  // the prompt changes the rest. The prompt here also names every object at the mirrored place, which
  // pulls a plain run's objects away (from the same empty-prompt inversion). Figures (UNet fine-tune step
  // 1,001, 50 steps, 7.5): this test's 12 scenes keep 12 of 24 objects in their cells vs 4 of 24; 36
  // scenes 26 of 72 vs 12 of 72; 24 others (seed 4242) 18 of 48 vs 7 of 48; the background changes as
  // asked in all but one. Half or less stay, because the shipped model's maps carry little layout
  // (retouch eval attention: within 12% of uniform entropy, object routing at most 7.7× chance;
  // src/methods/README.md). Latent correlation with the source does not show it (36 scenes: −0.064 with
  // FPE, −0.062 without): the new background dominates it. With every object recoloured and no places
  // named (pnp's case) the plain run keeps the layout too (cells 83%, FPE 88%).
  it('keeps the layout (objects in their cells) while the target prompt moves them and changes the background', async () => {
    const scenes = layoutsAgainstPrompt(12);
    const totals = { fpe: { kept: 0, background: 0 }, plain: { kept: 0, background: 0 } };
    let objects = 0;
    for (const { scene, rendered, targetPrompt } of scenes) {
      const base = { method: fpe, source: { image: rendered, prompt: '' }, targetPrompt, steps: 50, seed: 5, guidance: 7.5 };
      for (const [name, params] of [['fpe', {}], ['plain', { selfReplaceSteps: 0 }]] as const) {
        const analysis = analyseImage((await runEdit(diffusion, { ...base, params })).image);
        for (const o of scene.objects) if (analysis.objects.some((found) => found.position === o.position)) totals[name].kept++;
        if (targetPrompt.endsWith(` on ${analysis.background}`)) totals[name].background++;
      }
      objects += scene.objects.length;
    }
    const figures = `over ${objects} objects in ${scenes.length} scenes: kept in their cells FPE ${totals.fpe.kept} vs ${totals.plain.kept} without sharing the maps; background changed as asked ${totals.fpe.background} vs ${totals.plain.background}`;
    console.log(`fpe layout: ${figures}`);
    assert.ok(totals.fpe.kept >= totals.plain.kept + 0.2 * objects && totals.fpe.kept >= 2 * totals.plain.kept, figures);
    assert.ok(totals.fpe.background >= (2 / 3) * scenes.length, figures);
  });

  // The appearance-only case (pnp's): no places named, every object recoloured. Here the inverted noise
  // holds the layout by itself (the plain run kept 83% of cells and recoloured 67% in place, FPE 88% and
  // 75%), so this shows the outcome, not what sharing the maps adds; the test above shows that.
  it('keeps the objects where they are while a prompt without places recolours them', async () => {
    const scenes = recolourWithoutPlaces(12);
    let kept = 0;
    let recoloured = 0;
    let objects = 0;
    for (const { scene, rendered, targetPrompt, colours } of scenes) {
      const found = analyseImage((await runEdit(diffusion, { method: fpe, source: { image: rendered, prompt: '' }, targetPrompt, steps: 50, seed: 5, guidance: 7.5 })).image).objects;
      scene.objects.forEach((o, k) => {
        if (found.some((d) => d.position === o.position)) kept++;
        if (found.some((d) => d.position === o.position && d.colour === colours[k])) recoloured++;
      });
      objects += scene.objects.length;
    }
    const figures = `over ${objects} objects: kept in their cells ${kept}, recoloured in place ${recoloured}`;
    console.log(`fpe recolour: ${figures}`);
    assert.ok(kept >= 0.8 * objects && recoloured >= 0.6 * objects, figures);
  });

  it('refuses bad parameters and other inversions by name', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const base = { method: fpe, source: { image: rendered, prompt: '' }, targetPrompt: 'x', steps: 2 };
    await assert.rejects(runEdit(diffusion, { ...base, params: { selfReplaceSteps: 1.5 } }), (e: Error) => e instanceof EditRequestError && /selfReplaceSteps/.test(e.message));
    await assert.rejects(runEdit(diffusion, { ...base, inversion: 'invert.ddpm' }), /fpe works with invert.direct/);
  });
});
