import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EditRequestError, runEdit } from '../../src/methods/index.ts';
import { masactrl } from '../../src/methods/masactrl.ts';
import { heldOutScenes, releaseShipped, shippedDiffusion, SHORT_RUN_GUIDANCE } from './support.ts';
import { elementOf, RecordingDiffusion } from './support-feature.ts';
import { mapSide } from '../../src/methods/shared/layers.ts';
import { iou } from './support-noise-and-mask.ts';
import { downsample } from '../../src/methods/shared/mask.ts';
import { analyseImage } from '../../src/world/index.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const STEPS = 10;

describe('masactrl on models/world-sd', () => {
  requireShippedModel();
  after(releaseShipped);

  it('with a mask, target queries inside it attend only to the source keys inside it, and outside only outside (the paper\'s mask guidance)', async () => {
    const diffusion = new RecordingDiffusion();
    try {
      const { scene, rendered } = heldOutScenes(1, 1, 9_100_077)[0]!;
      const object = scene.objects[0]!;
      const targetPrompt = rendered.caption.replace(object.position.replace('-', ' '), object.position === 'center' ? 'top left' : 'center');
      // The right half of the picture.
      const data = new Uint8Array(128 * 128);
      for (let y = 0; y < 128; y++) for (let x = 64; x < 128; x++) data[y * 128 + x] = 255;
      const base = { method: masactrl, source: { image: rendered, prompt: rendered.caption }, targetPrompt, steps: STEPS, seed: 5, guidance: SHORT_RUN_GUIDANCE };
      const [, , h, w] = diffusion.latentShape;
      const minTokens = mapSide(h, 32) * mapSide(w, 32);
      // Per controlled layer and step: the target's (conditional, element 3) attention mass that crosses
      // the mask's edge: queries inside on keys outside, plus queries outside on keys inside, averaged.
      const measure = (crossing: number[]) => {
        diffusion.names = (unet) => unet.layout.selfAttention.map((s) => `capture.${s.path}.probs`);
        let step = 0;
        diffusion.listener = (_call, captures, unet) => {
          // Step 0 comes before MasaCtrl's start (step round(4·10/50) = 1).
          if (unet.options.batch !== 4 || step++ < 1) return;
          for (const site of unet.layout.selfAttention.filter((s) => s.place === 'up' && s.tokens >= minTokens)) {
            const probs = elementOf(captures[`capture.${site.path}.probs`]!, 3);
            const inside = (t: number) => t % site.width >= site.width / 2;
            let mass = 0;
            for (let q = 0; q < site.tokens; q++) for (let k = 0; k < site.tokens; k++) if (inside(q) !== inside(k)) mass += probs[q * site.tokens + k]!;
            crossing.push(mass / site.tokens);
          }
        };
      };
      const masked: number[] = [];
      measure(masked);
      const run = await runEdit(diffusion, { ...base, mask: { data, width: 128, height: 128 } });
      const unmasked: number[] = [];
      measure(unmasked);
      await runEdit(diffusion, base);
      diffusion.listener = undefined;
      const worstMasked = Math.max(...masked);
      const leastUnmasked = Math.min(...unmasked);
      const figures = `attention mass across the mask's edge per query: with the mask ≤ ${worstMasked.toExponential(2)} (${masked.length} layer-steps), without ≥ ${leastUnmasked.toFixed(3)}`;
      assert.ok(masked.length > 0 && run.output.metrics!.restrictedSteps! >= STEPS - 1, figures);
      assert.ok(worstMasked < 1e-3, figures);
      assert.ok(leastUnmasked > 0.05, figures);
      console.log(`masactrl mask: ${figures}`);
    } finally {
      await diffusion.release();
    }
  });

  // The maps are read one level above the bottleneck (8×8 here, SD's 16×16). Figures (UNet fine-tune
  // step 1,001): IoU 0.36 vs 0.03 for the whole image, masks cover 14%, 6%, 3%. At the 4×4 bottleneck
  // (a quarter of the latent, as SD's 16 of 64) they covered 100%, 13%, 75% (IoU 0.07).
  it("given the object's word, reads its mask from each branch's cross-attention every step", async () => {
    // Same prompt in both branches, so the target's mask should be where the source's object is.
    const [, , lh, lw] = shippedDiffusion().latentShape;
    const scores = { word: [] as number[], whole: [] as number[], cover: [] as number[] };
    for (const { scene, rendered } of heldOutScenes(3, 1, 9_100_077)) {
      const object = scene.objects[0]!;
      const run = await runEdit(shippedDiffusion(), { method: masactrl, source: { image: rendered, prompt: rendered.caption }, targetPrompt: rendered.caption, steps: STEPS, seed: 5, guidance: SHORT_RUN_GUIDANCE, params: { word: object.shape, threshold: 0.5 } });
      const mask = run.output.mask!;
      assert.equal(run.output.metrics!.restrictedSteps, STEPS - Math.round((4 * STEPS) / 50));
      const truth = downsample(Float32Array.from(rendered.masks[0]!, (v) => v / 255), rendered.width, rendered.height, lw, lh);
      scores.word.push(iou(mask, truth));
      scores.whole.push(iou(new Float32Array(mask.length).fill(1), truth));
      scores.cover.push(mask.reduce((a, v) => a + v, 0) / mask.length);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const figures = `IoU with the true object mask (latent grid, threshold 0.5) over 3 scenes: word masks ${mean(scores.word).toFixed(2)} vs the whole image ${mean(scores.whole).toFixed(2)}; masks cover ${scores.cover.map((c) => `${(c * 100).toFixed(0)}%`).join(', ')}`;
    assert.ok(mean(scores.word) > 0.2 && scores.cover.every((c) => c < 0.5), figures);
    console.log(`masactrl word mask: ${figures}`);
  });

  // todo: the shipped model's self-attention does not route by content (retouch eval attention: every
  // map within 12% of uniform entropy, none local, only the first 8×8 decoder layer sends the object's
  // queries to the object's keys, 7.7× chance; src/methods/README.md). A shape change in place whose
  // target prompt leaves colour and style to the source, 50 steps at 7.5 (UNet fine-tune step 1,001),
  // empty source prompt: over 12 scenes MasaCtrl drew the object in 12 and kept the source's colour in
  // 3, a plain run from the same inversion 12 and 2 (with the caption as source prompt: MasaCtrl 4 drawn,
  // 0 in the source's colour; plain 12 and 2; from step 0 instead of 4: 12 and 3). This test, 6 scenes:
  // MasaCtrl 6 drawn, 1 in the source's colour; plain 6 and 1.
  it("keeps the source's content (attends to its keys/values) while the prompt changes the object's shape", { todo: "the shipped model's self-attention does not route by content" }, async () => {
    const counts = { masactrl: { drawn: 0, colour: 0 }, plain: { drawn: 0, colour: 0 } };
    for (const { scene, rendered } of heldOutScenes(6, 1, 9_100_077)) {
      const object = scene.objects[0]!;
      const shape = object.shape === 'square' ? 'heart' : 'square';
      const targetPrompt = `a ${shape} in the ${object.position} on ${scene.background}`;
      // An empty source prompt, as the official real-image examples (with the caption, the source's keys and
      // values carry colour and style the target's prompt leaves out, and the object is erased: 4 of 12 drawn).
      const base = { method: masactrl, source: { image: rendered, prompt: '' }, targetPrompt, steps: 50, seed: 5, guidance: 7.5 };
      for (const [name, params] of [['masactrl', {}], ['plain', { startStep: 50 }]] as const) {
        const run = await runEdit(shippedDiffusion(), { ...base, params });
        const drawn = analyseImage(run.image).objects.filter((found) => found.position === object.position);
        if (drawn.length > 0) counts[name].drawn++;
        if (drawn.some((found) => found.colour === object.colour)) counts[name].colour++;
      }
    }
    const figures = `shape changed in place, colour and style left to the source (6 scenes): MasaCtrl drew the object in ${counts.masactrl.drawn}, in the source's colour in ${counts.masactrl.colour}; plain run ${counts.plain.drawn} and ${counts.plain.colour}`;
    console.log(`masactrl content: ${figures}`);
    assert.ok(counts.masactrl.colour > counts.plain.colour && counts.masactrl.drawn >= counts.plain.drawn - 1, figures);
  });

  it('refuses bad parameters by name', async () => {
    const { rendered } = heldOutScenes(1)[0]!;
    const base = { method: masactrl, source: { image: rendered, prompt: '' }, targetPrompt: 'x', steps: 2 };
    await assert.rejects(runEdit(shippedDiffusion(), { ...base, params: { startLayer: 17 } }), (e: Error) => e instanceof EditRequestError && /startLayer/.test(e.message));
    await assert.rejects(
      runEdit(shippedDiffusion(), { ...base, source: { image: rendered, prompt: rendered.caption }, params: { word: 'giraffe' } }),
      (e: Error) => e instanceof EditRequestError && /giraffe/.test(e.message),
    );
  });
});
