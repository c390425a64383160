import { checkSameLength, emptyLike, type Latent } from './noise.ts';

/** Classifier-free guidance: ε = ε(∅) + w·(ε(c) − ε(∅)). */
export function classifierFreeGuidance<T extends Latent>(uncond: T, cond: Latent, scale: number): T {
  checkSameLength('classifierFreeGuidance', uncond, cond);
  const out = emptyLike(uncond);
  for (let i = 0; i < out.length; i++) out[i] = uncond[i]! + scale * (cond[i]! - uncond[i]!);
  return out;
}

/**
 * Guidance rescale (Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed", §3.4; diffusers' `rescale_noise_cfg`): rescale the guided prediction to the standard
 * deviation of the conditional one, then blend: φ·ε_cfg·(std(ε_c)/std(ε_cfg)) + (1 − φ)·ε_cfg.
 * Standard deviations are per batch item (`batch` equal slices), unbiased (N − 1) as torch's `std`.
 */
export function rescaleGuidance<T extends Latent>(guided: T, cond: Latent, rescale: number, batch = 1): T {
  checkSameLength('rescaleGuidance', guided, cond);
  if (!Number.isInteger(batch) || batch < 1 || guided.length % batch !== 0) {
    throw new Error(`rescaleGuidance: ${guided.length} values do not split into ${batch} batch items`);
  }
  const out = emptyLike(guided);
  const size = guided.length / batch;
  for (let b = 0; b < batch; b++) {
    const start = b * size;
    const factor = std(cond, start, size) / std(guided, start, size);
    for (let i = start; i < start + size; i++) {
      const g = guided[i]!;
      out[i] = rescale * g * factor + (1 - rescale) * g;
    }
  }
  return out;
}

export interface GuidanceOptions {
  /** Guidance rescale φ in [0, 1] (0 or absent: none). */
  rescale?: number;
  /** Batch items in the latent, for the per-item standard deviation of the rescale. Default 1. */
  batch?: number;
}

/** CFG, then the optional guidance rescale. */
export function guide<T extends Latent>(uncond: T, cond: Latent, scale: number, options: GuidanceOptions = {}): T {
  const guided = classifierFreeGuidance(uncond, cond, scale);
  return options.rescale ? rescaleGuidance(guided, cond, options.rescale, options.batch) : guided;
}

function std(values: Latent, start: number, size: number): number {
  let mean = 0;
  for (let i = start; i < start + size; i++) mean += values[i]!;
  mean /= size;
  let sum = 0;
  for (let i = start; i < start + size; i++) sum += (values[i]! - mean) ** 2;
  return Math.sqrt(sum / Math.max(size - 1, 1));
}
