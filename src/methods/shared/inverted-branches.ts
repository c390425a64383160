// The source branch that re-traces an inversion, and edit branches that start where it starts: what
// every attention-control method (prompt-to-prompt, PnP, FPE, MasaCtrl) samples from an uploaded
// image. Branch 0 is the source; branches 1… are edits.
import type { HostTensor } from '../../engine/index.ts';
import { DirectInversionCorrection, inversionSampling } from '../../pipeline/inversion/index.ts';
import type { Branch, SampleBranchesOptions } from '../../pipeline/sampler.ts';
import { EditRequestError, type EditInput } from '../types.ts';

export type InvertedRun = Pick<SampleBranchesOptions, 'scheduler' | 'steps' | 'guidance' | 'branches' | 'noiseAt' | 'afterStep' | 'seed'>;

/**
 * Options for `sampleBranches` with the source branch on the inversion's path and one branch per
 * target embedding. The edit branches share the source's x_T and its per-step nulls (null-text) or
 * stored noises (edit-friendly DDPM); invert.direct corrects the source branch only.
 */
export async function invertedBranches(input: EditInput, targets: readonly HostTensor[]): Promise<InvertedRun> {
  const { inversion, diffusion } = input;
  if (!inversion) throw new EditRequestError('this method edits through an inversion of the source image, and none was given');
  if (inversion.steps !== input.steps) {
    throw new EditRequestError(`the inversion has ${inversion.steps} steps and the edit asks for ${input.steps}; invert again with ${input.steps} steps`);
  }
  const plan = inversionSampling(diffusion, inversion, { guidance: input.guidance });
  const size = plan.start.length;
  const count = 1 + targets.length;
  const uncondFor = async (): Promise<HostTensor> => (input.target.negativePrompt ? diffusion.encodePrompt(input.target.negativePrompt) : plan.uncond);
  const editUncond = await uncondFor();
  const source: Branch = { cond: plan.cond, uncond: plan.uncond, uncondAt: plan.uncondAt, start: plan.start };
  const edits: Branch[] = targets.map((cond) => ({
    cond,
    uncond: editUncond,
    uncondAt: input.target.negativePrompt ? undefined : plan.uncondAt,
    start: plan.start,
  }));
  const correction = plan.correction ? new DirectInversionCorrection(plan.correction.trajectory, 0) : undefined;
  const storedNoise = plan.noiseAt;
  return {
    scheduler: plan.scheduler,
    steps: plan.steps,
    guidance: plan.guidance,
    seed: input.seed,
    branches: [source, ...edits],
    afterStep: correction?.afterStep,
    noiseAt: storedNoise
      ? (step) => {
          const z = storedNoise(step) as Float32Array;
          const all = new Float32Array(size * count);
          for (let b = 0; b < count; b++) all.set(z, b * size);
          return all;
        }
      : undefined,
  };
}
