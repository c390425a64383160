// Paint-with-words (eDiff-I, Balaji et al. 2022): the user paints a region per word; in every
// cross-attention layer the logits of the word's tokens get `w' · M` added before the softmax, with
// w' = w · log(1 + σ_t) · max(QKᵀ) (σ_t the noise level √((1−ᾱ)/ᾱ)): strong early, fading as the
// image settles. Generates from seeded noise, or edits from an inversion of a given image.
//
// Defaults follow the reference implementation (cloneofsimo/paint-with-words-sd; eDiff-I has no public
// code): weight function 0.4 · w_region · log(1 + σ) · max(QKᵀ), w_region = 1 per region; bias on the
// conditional elements only (the unconditional pass gets weight 0), in every cross-attention layer,
// the region mask resampled to each layer's resolution. `weight` below is the 0.4.
// max(QKᵀ): the graph does not expose the logits, so the scale is read from the captured head-averaged
// maps of the same layer at the previous UNet call (before this method's bias): the largest centred
// logit, max over pixels and tokens of (log p − b) − mean_tokens(log p − b); the first step reads
// them from one extra probe call. Exact for one-head layers, an estimate for more heads.
import { z } from 'zod';
import type { HostTensor } from '../engine/index.ts';
import { toFloat32 } from '../engine/index.ts';
import type { AttentionSite } from '../models/unet/hooks.ts';
import type { UNetControls } from '../models/unet/controls.ts';
import { branchElements, sampleBranches, type Branch } from '../pipeline/sampler.ts';
import { NoiseSource } from '../pipeline/schedulers/index.ts';
import { invertedBranches } from './shared/inverted-branches.ts';
import { boxMask, boxSchema, maskAtSite, sigmaAt, wordTokens } from './shared/feature-control.ts';
import { defineMethod, EditRequestError } from './types.ts';
import { concatBatch } from '../pipeline/batch.ts';

const regionSchema = z.strictObject({
  /** A word (or phrase) of the target prompt. */
  word: z.string().min(1),
  /** Where: a box in fractions of the image, or 'mask' for the request's mask. */
  region: z.union([boxSchema, z.literal('mask')]),
  /** The region's own strength (reference: the "label,strength" of its colour map, 1.0). */
  strength: z.number().min(0).max(10).default(1),
});

export const paintWithWords = defineMethod({
  id: 'paint_with_words',
  name: 'paint-with-words',
  summary: 'Put each word of the prompt where its painted region is (cross-attention bias per word)',
  edit: 'regions',
  promptDriven: false,
  params: z.strictObject({
    regions: z.array(regionSchema).min(1).max(16),
    /** Global weight w of w·log(1+σ)·max(QKᵀ) (reference implementation: 0.4). */
    weight: z.number().min(0).max(10).default(0.4),
  }),
  needs: { generates: true, inversion: ['invert.ddim', 'invert.direct', 'invert.null_text', 'invert.negative_prompt'], hooks: true, mask: 'optional' },
  async run(input, params) {
    const { diffusion } = input;
    const [, channels, latentHeight, latentWidth] = diffusion.latentShape;
    const prompt = input.target.prompt;
    const keys = diffusion.textLength;
    // Per key token: the latent-resolution mask times strength, summed over regions naming it.
    const tokenMasks = new Map<number, Float32Array>();
    for (const region of params.regions) {
      let mask: Float32Array;
      if (region.region === 'mask') {
        if (!input.mask) throw new EditRequestError(`the region of '${region.word}' is the mask, and no mask was given`);
        mask = input.mask.latent;
      } else mask = boxMask(region.region, latentWidth, latentHeight);
      for (const token of wordTokens(diffusion, prompt, region.word)) {
        const sum = tokenMasks.get(token) ?? new Float32Array(latentHeight * latentWidth);
        for (let i = 0; i < sum.length; i++) sum[i]! += region.strength * (mask[i] as number);
        tokenMasks.set(token, sum);
      }
    }
    const guided = input.guidance !== 1;
    const cond = await diffusion.encodePrompt(prompt);
    let branches: Branch[];
    let run: Partial<Awaited<ReturnType<typeof invertedBranches>>> = {};
    let editIndex = 0;
    if (input.inversion) {
      run = await invertedBranches(input, [cond]);
      branches = [...run.branches!];
      editIndex = 1;
    } else {
      const size = channels * latentHeight * latentWidth;
      const scheduler = diffusion.scheduler('ddim');
      const start = new NoiseSource(input.seed).normal(size);
      if (scheduler.initNoiseSigma !== 1) for (let i = 0; i < size; i++) start[i]! *= scheduler.initNoiseSigma;
      const uncond = guided ? await diffusion.encodePrompt(input.target.negativePrompt ?? '') : undefined;
      branches = [{ cond, uncond, start }];
    }
    const layout = branchElements(branches.length, guided);
    const element = layout.cond(editIndex);
    const unet = await diffusion.unet(layout.batch);
    const sites = unet.layout.crossAttention;
    const siteMasks = new Map<string, Map<number, Float32Array>>(
      sites.map((site) => [site.path, new Map([...tokenMasks].map(([token, mask]) => [token, maskAtSite(mask, latentWidth, latentHeight, site)]))]),
    );
    const captureNames = sites.map((site) => `capture.${site.path}.probs`);
    const scales = new Map<string, number>();
    const biases = new Map<string, Float32Array>();
    const biasFor = (site: AttentionSite, factor: number): Float32Array => {
      const bias = new Float32Array(site.tokens * site.keys);
      const scale = factor * (scales.get(site.path) ?? 0);
      for (const [token, mask] of siteMasks.get(site.path)!) {
        for (let p = 0; p < site.tokens; p++) bias[p * keys + token] = scale * (mask[p] as number);
      }
      biases.set(site.path, bias);
      return bias;
    };
    const readScales = (captures: Record<string, HostTensor>) => {
      for (const site of sites) {
        const probs = captures[`capture.${site.path}.probs`];
        if (!probs) continue;
        const all = toFloat32(probs.dtype, probs.data);
        const size = site.tokens * site.keys;
        const map = all.subarray(element * size, (element + 1) * size);
        const bias = biases.get(site.path);
        let max = 0;
        for (let p = 0; p < site.tokens; p++) {
          let mean = 0;
          const row = new Float64Array(keys);
          for (let k = 0; k < keys; k++) {
            row[k] = Math.log(Math.max(1e-30, map[p * keys + k] as number)) - (bias ? (bias[p * keys + k] as number) : 0);
            mean += row[k]! / keys;
          }
          for (let k = 0; k < keys; k++) max = Math.max(max, row[k]! - mean);
        }
        scales.set(site.path, max);
      }
    };
    const controlsAt = (t: number): UNetControls => {
      const controls = unet.controls();
      const factor = params.weight * Math.log(1 + sigmaAt(diffusion, t));
      controls.biasCrossAttention({ element, bias: (site) => biasFor(site, factor) });
      return controls;
    };
    // The probe: the first step's maps without bias, for max(QKᵀ).
    const scheduler = run.scheduler ?? diffusion.scheduler('ddim');
    scheduler.setTimesteps(input.steps);
    const t0 = scheduler.timesteps[0] as number;
    const first = branches.map((b) => b.start as Float32Array);
    const contexts = [...(guided ? branches.map((b) => b.uncondAt?.(0) ?? (b.uncond as HostTensor)) : []), ...branches.map((b) => b.cond)];
    const sample = new Float32Array(first.reduce((n, l) => n + l.length, 0));
    first.forEach((l, i) => sample.set(l, i * l.length));
    const probeSample = guided ? new Float32Array([...sample, ...sample]) : sample;
    const probe = await unet.step(
      {
        sample: { dtype: 'float32', shape: [layout.batch, channels, latentHeight, latentWidth], data: scheduler.scaleModelInput(probeSample, t0) },
        timestep: { dtype: 'float32', shape: [layout.batch], data: new Float32Array(layout.batch).fill(t0) },
        encoderHiddenStates: concatBatch(contexts),
      },
      { capture: captureNames },
    );
    readScales(probe.captures);
    const { latents } = await sampleBranches({
      scheduler,
      steps: input.steps,
      guidance: input.guidance,
      seed: input.seed,
      noiseAt: run.noiseAt,
      afterStep: run.afterStep,
      unet,
      branches,
      controls: (_step, t) => controlsAt(t),
      captures: () => captureNames,
      onCaptures: (_step, captures) => readScales(captures),
      onStep: input.onStep,
      signal: input.signal,
    });
    const maxScale = Math.max(...scales.values());
    return {
      latent: latents[editIndex] as Float32Array,
      metrics: { regions: params.regions.length, tokens: tokenMasks.size, maxLogitScale: maxScale },
    };
  },
});

