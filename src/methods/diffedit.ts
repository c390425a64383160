// DiffEdit (Couairon et al. 2023, "DiffEdit: Diffusion-based semantic image editing with mask
// guidance"), three steps:
// 1. Mask: noise the source to `maskStrength` with n different noises; average
//    |ε(z_t, query) − ε(z_t, reference)| over the noises and channels; clamp at `clamp`× its mean,
//    scale to [0, 1], binarise at `threshold` (diffusers' generate_mask). The query is the target
//    prompt, the reference the source prompt (the caption; empty when the request has none, the
//    paper's other choice). Both predictions share the same unconditional one, so guidance would
//    only scale the difference, which the normalisation cancels: no guidance here.
// 2. Encode: DDIM inversion of the source to the encoding ratio r with the unconditional model
//    (the paper: the encoding uses no text), keeping the trajectory x_0 … x_r.
// 3. Decode from x_r with the target prompt (guided), and after every step replace the latent
//    outside the mask by the inversion's latent at the same level: y_t ← M·y_t + (1 − M)·x_t; the
//    last step keeps the source latent outside the mask exactly.
// A mask in the request replaces step 1 (DiffEdit's masked decoding with the user's mask).
import { z } from 'zod';
import { DdimScheduler, NoiseSource } from '../pipeline/schedulers/index.ts';
import { blendLatents } from './shared/mask.ts';
import { binarize, maskArea, latentMaskOf, predictNoise, predictNoisePair, targetGuidance, throwIfCancelled } from './shared/noise-and-mask.ts';
import { defineMethod, type EditInput } from './types.ts';

export const diffedit = defineMethod({
  id: 'diffedit',
  name: 'DiffEdit',
  summary: 'Find where the source and target prompts disagree, then re-draw only there from a DDIM encoding of the image',
  edit: 'remove',
  alternativeFor: { remove: 0 },
  promptDriven: false,
  dial: { kind: 'strength' },
  params: z.strictObject({
    /** Noises averaged for the mask: the paper's n = 10 (diffusers num_maps_per_mask 10). */
    noises: z.number().int().min(1).max(64).default(10),
    /** Noise level of the mask's predictions: 0.5 of the schedule (paper; diffusers mask_encode_strength). */
    maskStrength: z.number().gt(0).max(1).default(0.5),
    /** Outliers are clamped at this multiple of the map's mean before scaling (diffusers mask_thresholding_ratio 3). */
    clamp: z.number().gt(0).default(3),
    /** Binarisation threshold on the scaled map (paper: 0.5). */
    threshold: z.number().gt(0).lt(1).default(0.5),
    /** Encoding ratio r: DDIM-encode to this fraction of the schedule (diffusers inpaint_strength 0.8; the paper varies r in 0.5–0.8). */
    strength: z.number().gt(0).max(1).default(0.8),
  }),
  needs: { mask: 'optional', local: true },
  async run(input, params) {
    const { diffusion } = input;
    const notes: string[] = [];
    const mask = input.mask
      ? binarize(latentMaskOf(input, 'diffedit').latent, 0.5)
      : await diffEditMask(input, params);
    const area = maskArea(mask);
    if (area === 0) notes.push('DiffEdit found no area where the source and target prompts disagree; the image is kept as it is.');

    const scheduler = diffusion.scheduler('ddim');
    if (!(scheduler instanceof DdimScheduler)) throw new Error('diffedit needs the DDIM scheduler');
    const { timesteps } = scheduler.timestepsForStrength(input.steps, params.strength);
    // 2. DDIM encoding with the unconditional model, up to the first decoding timestep.
    const pairs = scheduler.inversionTimesteps().slice(0, timesteps.length);
    const unconditional = { unet: await diffusion.unet(1), guidance: 1, cond: await diffusion.encodePrompt('') };
    const trajectory: Float32Array[] = [input.source.latent];
    let x = input.source.latent;
    for (const [index, [t, tNext]] of pairs.entries()) {
      throwIfCancelled(input.signal, index, pairs.length);
      x = scheduler.ddimInvertStep(await predictNoise(unconditional, x, tNext), t, tNext, x);
      trajectory.push(x);
    }
    // 3. Masked decoding.
    const g = await targetGuidance(input);
    let latent = trajectory[timesteps.length] as Float32Array;
    for (const [index, t] of timesteps.entries()) {
      throwIfCancelled(input.signal, index, timesteps.length);
      const { prevSample, predOriginal } = scheduler.step(await predictNoise(g, latent, t), t, latent);
      latent = blendLatents(prevSample, trajectory[timesteps.length - 1 - index] as Float32Array, mask);
      await input.onStep?.({ step: index + 1, total: timesteps.length, timestep: t, predOriginal });
    }
    return { latent, mask, metrics: { maskArea: area, encodeSteps: pairs.length }, notes: notes.length ? notes : undefined };
  },
});

/** Step 1: the binary latent-resolution mask where the target and reference prompts' noise predictions differ. */
export async function diffEditMask(input: EditInput, params: { noises: number; maskStrength: number; clamp: number; threshold: number }): Promise<Float32Array> {
  const { diffusion } = input;
  const [, channels, height, width] = diffusion.latentShape;
  const plane = height * width;
  const scheduler = diffusion.scheduler('ddim');
  const t = scheduler.timestepsForStrength(input.steps, params.maskStrength).startTimestep ?? (scheduler.timesteps.at(-1) as number);
  const unet = await diffusion.unet(2);
  const query = await diffusion.encodePrompt(input.target.prompt);
  const reference = await diffusion.encodePrompt(input.source.prompt);
  const noise = new NoiseSource(input.seed);
  const map = new Float64Array(plane);
  for (let n = 0; n < params.noises; n++) {
    throwIfCancelled(input.signal, n, params.noises);
    const noisy = scheduler.addNoise(input.source.latent, noise.normal(input.source.latent.length), t);
    const [epsReference, epsQuery] = await predictNoisePair(unet, noisy, t, reference, query);
    for (let c = 0; c < channels; c++) {
      for (let i = 0; i < plane; i++) map[i]! += Math.abs((epsQuery[c * plane + i] as number) - (epsReference[c * plane + i] as number));
    }
  }
  let mean = 0;
  for (const v of map) mean += v;
  mean /= plane;
  const ceiling = mean * params.clamp;
  return Float32Array.from(map, (v) => (ceiling > 0 && Math.min(v, ceiling) / ceiling > params.threshold ? 1 : 0));
}
