import { sample, type StepProgress } from '../sampler.ts';
import { inversionSampling } from './registry.ts';
import type { InversionModel, InversionResult } from './types.ts';

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
