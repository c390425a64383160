import type { HostTensor } from '../../engine/index.ts';
import { sample, type StepProgress } from '../sampler.ts';
import type { Scheduler } from '../schedulers/index.ts';
import { DirectInversionCorrection } from './direct.ts';
import { nullEmbeddingAt } from './null-text.ts';
import type { InversionModel, InversionResult } from './types.ts';

/**
 * How to sample from an inversion: what an edit's source (and, for the null, target) branch needs.
 * Spread into `sample()` together with a UNet of batch `guidance === 1 ? 1 : 2`.
 */
export interface InversionSampling {
  scheduler: Scheduler;
  steps: number;
  guidance: number;
  start: Float32Array;
  cond: HostTensor;
  uncond: HostTensor;
  uncondAt?: (step: number) => HostTensor;
  noiseAt?: (step: number) => Float32Array;
  afterStep?: (step: number, latent: Float32Array) => Float32Array;
  /** invert.direct: the correction (its `offsets` fill in as sampling runs). */
  correction?: DirectInversionCorrection;
}

export function inversionSampling(model: InversionModel, inversion: InversionResult, options: { guidance?: number } = {}): InversionSampling {
  const base = {
    steps: inversion.steps,
    guidance: options.guidance ?? inversion.guidance,
    start: inversion.xT,
    cond: inversion.cond,
  };
  switch (inversion.method) {
    case 'invert.ddim':
    case 'invert.negative_prompt':
      return { ...base, scheduler: model.scheduler('ddim'), uncond: inversion.uncond };
    case 'invert.null_text': {
      const embeddings = inversion.nullEmbeddings;
      return { ...base, scheduler: model.scheduler('ddim'), uncond: nullEmbeddingAt(embeddings, 0), uncondAt: (step) => nullEmbeddingAt(embeddings, step) };
    }
    case 'invert.direct': {
      const correction = new DirectInversionCorrection(inversion.trajectory);
      return { ...base, scheduler: model.scheduler('ddim'), uncond: inversion.uncond, afterStep: correction.afterStep, correction };
    }
    case 'invert.ddpm': {
      const noises = inversion.noises;
      return {
        ...base,
        scheduler: model.scheduler('ddim', { eta: inversion.eta }),
        uncond: inversion.uncond,
        noiseAt: (step) => {
          const z = noises[step];
          if (!z) throw new RangeError(`invert.ddpm: no stored noise for step ${step} of ${noises.length}`);
          return z;
        },
      };
    }
  }
}

export interface ReconstructOptions {
  /** Guidance of the regeneration (default: the one the inversion was made for). */
  guidance?: number;
  onStep?: (progress: StepProgress) => void | Promise<void>;
  signal?: AbortSignal;
}

/**
 * Regenerates the clean latent from an inversion through the same path an edit's source branch
 * takes (the sampling loop with the inversion's null embeddings, noises or correction), so its
 * distance to x_0 measures the inversion.
 */
export async function reconstruct(
  model: InversionModel,
  inversion: InversionResult,
  options: ReconstructOptions = {},
): Promise<{ latent: Float32Array; ms: number }> {
  const started = performance.now();
  const plan = inversionSampling(model, inversion, options);
  const { latent } = await sample({
    unet: await model.unet(plan.guidance === 1 ? 1 : 2),
    scheduler: plan.scheduler,
    steps: plan.steps,
    guidance: plan.guidance,
    cond: plan.cond,
    uncond: plan.uncond,
    uncondAt: plan.uncondAt,
    noiseAt: plan.noiseAt,
    afterStep: plan.afterStep,
    start: plan.start,
    seed: 0,
    onStep: options.onStep,
    signal: options.signal,
  });
  return { latent, ms: performance.now() - started };
}
