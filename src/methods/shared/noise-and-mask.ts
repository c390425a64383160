// What the noise-and-mask methods (ILVR, RePaint, Blended latent diffusion, DiffEdit) share: a
// guided noise prediction at one timestep, the source forward-noised to a timestep, binary latent
// masks, and the block low-pass φ_N. These methods drive the DDIM loop themselves (RePaint goes
// back up the schedule; Blended starts from pure noise part-way down), so they do not use
// `sampleBranches`; they need no hooks.
import type { HostTensor } from '../../engine/index.ts';
import type { CompiledUNet } from '../../models/unet/model.ts';
import { SamplingCancelled } from '../../pipeline/sampler.ts';
import { guide, NoiseSource, type Scheduler } from '../../pipeline/schedulers/index.ts';
import { EditRequestError, type EditInput, type EditMask } from '../types.ts';
import { concatBatch, repeatLatent } from '../../pipeline/batch.ts';

/** A text condition ready for guided noise predictions: the UNet (batch 2 when guided) and embeddings. */
export interface Guided {
  unet: CompiledUNet;
  guidance: number;
  cond: HostTensor;
  /** The negative / empty prompt's embeddings (absent at guidance 1). */
  uncond?: HostTensor;
}

/** The target prompt (and negative prompt) under the run's guidance. */
export async function targetGuidance(input: EditInput): Promise<Guided> {
  const { diffusion } = input;
  const guided = input.guidance !== 1;
  return {
    unet: await diffusion.unet(guided ? 2 : 1),
    guidance: input.guidance,
    cond: await diffusion.encodePrompt(input.target.prompt),
    uncond: guided ? await diffusion.encodePrompt(input.target.negativePrompt ?? '') : undefined,
  };
}

/** ε(x_t, t) with classifier-free guidance ε(∅) + w·(ε(c) − ε(∅)) when w ≠ 1. */
export async function predictNoise(g: Guided, latent: Float32Array, t: number): Promise<Float32Array> {
  const shape = g.unet.program.inputs.find((i) => i.name === 'sample')?.shape ?? [];
  const rest = shape.slice(1);
  if (!g.uncond) {
    const { sample } = await g.unet.step({
      sample: { dtype: 'float32', shape: [1, ...rest], data: latent },
      timestep: { dtype: 'float32', shape: [1], data: new Float32Array([t]) },
      encoderHiddenStates: g.cond,
    });
    return sample.data as Float32Array;
  }
  const { sample } = await g.unet.step({
    sample: { dtype: 'float32', shape: [2, ...rest], data: repeatLatent(latent, 2) },
    timestep: { dtype: 'float32', shape: [2], data: new Float32Array([t, t]) },
    encoderHiddenStates: concatBatch([g.uncond, g.cond]),
  });
  const out = sample.data as Float32Array;
  const n = latent.length;
  return guide(out.subarray(0, n), out.subarray(n), g.guidance);
}

/** ε under two prompts at once (no guidance): one batch-2 UNet call on the same latent. */
export async function predictNoisePair(unet: CompiledUNet, latent: Float32Array, t: number, a: HostTensor, b: HostTensor): Promise<[Float32Array, Float32Array]> {
  const shape = unet.program.inputs.find((i) => i.name === 'sample')?.shape ?? [];
  const { sample } = await unet.step({
    sample: { dtype: 'float32', shape: [2, ...shape.slice(1)], data: repeatLatent(latent, 2) },
    timestep: { dtype: 'float32', shape: [2], data: new Float32Array([t, t]) },
    encoderHiddenStates: concatBatch([a, b]),
  });
  const out = sample.data as Float32Array;
  return [out.slice(0, latent.length), out.slice(latent.length)];
}

/**
 * √ᾱ_t·x0 + √(1−ᾱ_t)·ε with fresh noise from `noise`; t < 0 (below the schedule: the clean end of a
 * DDIM run) gives the clean latent itself, so the last step keeps the source exactly.
 */
export function noisedTo(scheduler: Scheduler, clean: Float32Array, t: number, noise: NoiseSource): Float32Array {
  if (t < 0) return clean.slice();
  return scheduler.addNoise(clean, noise.normal(clean.length), t);
}

/**
 * Forward-noises a latent from timestep `from` to the noisier `to`: q(x_to | x_from) =
 * N(√(ᾱ_to/ᾱ_from)·x_from, (1 − ᾱ_to/ᾱ_from)·I). RePaint's "jump back".
 */
export function renoise(scheduler: Scheduler, latent: Float32Array, from: number, to: number, noise: NoiseSource): Float32Array {
  const ratio = scheduler.alphaBar(to) / scheduler.alphaBar(from);
  const a = Math.sqrt(ratio);
  const b = Math.sqrt(Math.max(0, 1 - ratio));
  const z = noise.normal(latent.length);
  const out = new Float32Array(latent.length);
  for (let i = 0; i < out.length; i++) out[i] = a * (latent[i] as number) + b * (z[i] as number);
  return out;
}

/** The request's mask at latent resolution, checked against the model's latent grid. */
export function latentMaskOf(input: EditInput, method: string): EditMask {
  const { mask } = input;
  if (!mask) throw new EditRequestError(`${method} needs a mask of the area to change`);
  const [, , h, w] = input.diffusion.latentShape;
  if (mask.latentHeight !== h || mask.latentWidth !== w || mask.latent.length !== h * w) {
    throw new EditRequestError(`${method}: the mask is ${mask.latentWidth}×${mask.latentHeight} at latent resolution and the model's latent ${w}×${h}`);
  }
  return mask;
}

/** 1 where the (area-averaged) latent mask reaches `threshold`, else 0. */
export function binarize(mask: Float32Array, threshold: number): Float32Array {
  return Float32Array.from(mask, (v) => (v >= threshold ? 1 : 0));
}

/** The request's mask at latent resolution, made binary at `threshold`; refused when it selects no cell. */
export function binaryLatentMask(input: EditInput, method: string, threshold: number): { mask: Float32Array; area: number } {
  const mask = binarize(latentMaskOf(input, method).latent, threshold);
  const area = maskArea(mask);
  if (area === 0) throw new EditRequestError(`${method}: the mask covers no latent cell to at least ${threshold} (lower maskThreshold or enlarge the mask)`);
  return { mask, area };
}

/** Fraction of a mask's cells that are set (a soft mask counts its mean). */
export function maskArea(mask: Float32Array): number {
  let sum = 0;
  for (const v of mask) sum += v;
  return mask.length ? sum / mask.length : 0;
}

/**
 * φ_N: box-average each channel over N×N blocks, then repeat each block mean over its block
 * (nearest upsampling). A projection (φ_N∘φ_N = φ_N), so ILVR's x − φ_N(x) + φ_N(y) has exactly
 * the low frequencies of y. Sides must be multiples of N.
 */
export function lowPass(latent: Float32Array, shape: readonly number[], factor: number): Float32Array {
  const [batch = 1, channels = 1, height = 1, width = 1] = shape;
  if (height % factor !== 0 || width % factor !== 0) throw new RangeError(`lowPass: ${width}×${height} is not a multiple of ${factor}`);
  const out = new Float32Array(latent.length);
  const bw = width / factor;
  const bh = height / factor;
  const sums = new Float64Array(bw * bh);
  const area = factor * factor;
  for (let plane = 0; plane < batch * channels; plane++) {
    const base = plane * height * width;
    sums.fill(0);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) sums[Math.floor(y / factor) * bw + Math.floor(x / factor)]! += latent[base + y * width + x] as number;
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) out[base + y * width + x] = (sums[Math.floor(y / factor) * bw + Math.floor(x / factor)] as number) / area;
    }
  }
  return out;
}

export function throwIfCancelled(signal: AbortSignal | undefined, done: number, total: number): void {
  if (signal?.aborted) throw new SamplingCancelled(`cancelled after ${done} of ${total} steps`);
}

/** A second noise stream for a run (the source's forward noise), apart from the initial noise's. */
export function auxiliaryNoise(seed: number, stream: number): NoiseSource {
  return new NoiseSource((Math.imul(seed, 0x9e3779b1) + Math.imul(stream, 0x85ebca6b)) >>> 0);
}


