// eDiff-I prompt switching (Balaji et al. 2022): early, noisy steps fix the layout and late steps
// the detail, so sampling with one prompt for the first part of the schedule and another for the rest
// takes the layout from the first and the content from the second. Here the first prompt is the
// source's (the image's caption, or `layoutPrompt`) and the second the target. Starts from the
// source's inversion x_T (with its null embeddings / Direct Inversion's correction in the source
// phase, so that phase re-traces the source) or, without an image, from seeded noise.
import { z } from 'zod';
import type { HostTensor } from '../engine/index.ts';
import type { InversionMethod } from '../pipeline/inversion/index.ts';
import { inversionSampling } from '../pipeline/inversion/index.ts';
import { sampleBranches, type Branch } from '../pipeline/sampler.ts';
import type { Scheduler } from '../pipeline/schedulers/index.ts';
import { defineMethod, EditRequestError, type EditInput } from './types.ts';

/** Direct Inversion first: its source phase lands exactly on the inversion's latent. */
const SWITCH_INVERSIONS: readonly InversionMethod[] = ['invert.direct', 'invert.null_text', 'invert.negative_prompt', 'invert.ddim'];

export const promptSwitch = defineMethod({
  id: 'guide.prompt_switch',
  summary: 'Sample with the source prompt for the first part of the steps and the target prompt after (layout from one, content from the other)',
  params: z.strictObject({
    /**
     * Fraction of the steps sampled with the source prompt. eDiff-I publishes no code or number for
     * prompt switching; 0.4 is prompt-to-prompt's real-image cross-attention replacement fraction
     * (the share of the schedule that fixes the layout in the official P2P benchmark run).
     */
    switchAt: z.number().min(0).max(1).default(0.4),
    /** The prompt of the first phase (default: the source image's prompt); needed without an image. */
    layoutPrompt: z.string().trim().min(1).max(500).optional(),
  }),
  needs: { inversion: SWITCH_INVERSIONS, generates: true },
  async run(input, params) {
    const layoutPrompt = params.layoutPrompt ?? input.source.prompt;
    if (!layoutPrompt.trim()) throw new EditRequestError('guide.prompt_switch needs the prompt of the first steps: give a source image with its prompt, or layoutPrompt');
    return switchPrompts(input, layoutPrompt, params.switchAt);
  },
});

/** Steps sampled with the first prompt: ⌊switchAt·T⌉ (round half up). */
export function switchStep(steps: number, switchAt: number): number {
  return Math.min(steps, Math.max(0, Math.round(switchAt * steps)));
}

async function switchPrompts(input: EditInput, layoutPrompt: string, switchAt: number): Promise<{ latent: Float32Array; metrics: Record<string, number>; notes?: string[] }> {
  const { diffusion } = input;
  const steps = input.steps;
  const k = switchStep(steps, switchAt);
  const guided = input.guidance !== 1;
  const unet = await diffusion.unet(guided ? 2 : 1);
  const layoutCond = await diffusion.encodePrompt(layoutPrompt);
  const targetCond = await diffusion.encodePrompt(input.target.prompt);
  const negative = input.target.negativePrompt !== undefined ? await diffusion.encodePrompt(input.target.negativePrompt) : undefined;

  // Where sampling starts, and the per-step nulls / correction of the inversion (if any).
  let start: Float32Array | undefined;
  let scheduler: Scheduler;
  let uncond: HostTensor | undefined;
  let uncondAt: ((step: number) => HostTensor | undefined) | undefined;
  let noiseAt: ((step: number) => Float32Array | undefined) | undefined;
  let trajectory: readonly Float32Array[] | undefined;
  if (input.inversion) {
    if (input.inversion.steps !== steps) throw new EditRequestError(`the inversion has ${input.inversion.steps} steps and the edit asks for ${steps}; invert again with ${steps} steps`);
    const plan = inversionSampling(diffusion, input.inversion, { guidance: input.guidance });
    start = plan.start;
    scheduler = plan.scheduler;
    uncond = plan.uncond;
    uncondAt = plan.uncondAt;
    noiseAt = plan.noiseAt;
    if (plan.correction) trajectory = plan.correction.trajectory;
  } else {
    scheduler = diffusion.scheduler('ddim');
  }
  const empty = guided ? await diffusion.encodePrompt('') : undefined;
  const uncondFor = (phaseNegative: HostTensor | undefined) => (guided ? (phaseNegative ?? uncond ?? empty) : undefined);

  const phase = async (from: number, to: number, cond: HostTensor, startLatent: Float32Array | undefined, phaseNegative: HostTensor | undefined): Promise<Float32Array> => {
    const branch: Branch = {
      cond,
      uncond: uncondFor(phaseNegative),
      uncondAt: phaseNegative || !uncondAt ? undefined : (step) => uncondAt(from + step),
      start: startLatent,
    };
    const { latents } = await sampleBranches({
      unet,
      scheduler: scheduleSlice(scheduler, steps, from, to),
      steps,
      guidance: input.guidance,
      seed: input.seed,
      branches: [branch],
      noiseAt: noiseAt ? (step) => noiseAt(from + step) : undefined,
      onStep: input.onStep ? (p) => input.onStep?.({ ...p, step: from + p.step, total: steps }) : undefined,
      signal: input.signal,
    });
    return latents[0] as Float32Array;
  };

  // Phase 1: the layout prompt for steps [0, k). With Direct Inversion the source branch is
  // corrected onto the inversion after every step, so after k steps it is exactly x*_{t_k}: no need
  // to run it. The source phase keeps the source's null (the image's own sampling path).
  let latent: Float32Array | undefined = start;
  if (k > 0) {
    if (trajectory) latent = trajectory[steps - k] as Float32Array;
    else latent = await phase(0, k, layoutCond, start, undefined);
  }
  // Phase 2: the target prompt (and its negative prompt) for the rest.
  if (k < steps) latent = await phase(k, steps, targetCond, latent, negative);
  return {
    latent: latent as Float32Array,
    metrics: { switchStep: k },
    notes: [`sampled ${k} of ${steps} steps with '${layoutPrompt}', then '${input.target.prompt}'`],
  };
}

/**
 * The scheduler restricted to steps [from, to) of a `total`-step schedule: `setTimesteps` sets the
 * full schedule (so DDIM's step size stays ⌊T/total⌋) and `timesteps` lists the slice. Stateless
 * schedulers (DDIM, the inversions' sampler) step exactly as in an unbroken run.
 */
export function scheduleSlice(scheduler: Scheduler, total: number, from: number, to: number): Scheduler {
  const slice = Object.create(scheduler) as Scheduler;
  Object.defineProperty(slice, 'setTimesteps', { value: () => scheduler.setTimesteps(total) });
  Object.defineProperty(slice, 'timesteps', { get: () => scheduler.timesteps.slice(from, to) });
  return slice;
}
