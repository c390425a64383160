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
import { sampleBranches } from '../pipeline/sampler.ts';
import type { Scheduler } from '../pipeline/schedulers/index.ts';
import { defineMethod, EditRequestError, type EditInput } from './types.ts';

/** Direct Inversion first: its source phase lands exactly on the inversion's latent. */
const SWITCH_INVERSIONS: readonly InversionMethod[] = ['invert.direct', 'invert.null_text', 'invert.negative_prompt', 'invert.ddim'];

export const promptSwitch = defineMethod({
  id: 'guide.prompt_switch',
  name: 'eDiff-I prompt switching',
  summary: 'Sample with the source prompt for the first part of the steps and the target prompt after (layout from one, content from the other)',
  edit: 'custom',
  promptDriven: false,
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

  // Where sampling starts, and the per-step nulls / noises of the inversion (if any).
  let start: Float32Array | undefined;
  let fromStep = 0;
  let scheduler: Scheduler;
  let uncond: HostTensor | undefined;
  let uncondAt: ((step: number) => HostTensor | undefined) | undefined;
  let noiseAt: ((step: number) => Float32Array | undefined) | undefined;
  if (input.inversion) {
    if (input.inversion.steps !== steps) throw new EditRequestError(`the inversion has ${input.inversion.steps} steps and the edit asks for ${steps}; invert again with ${steps} steps`);
    const plan = inversionSampling(diffusion, input.inversion, { guidance: input.guidance });
    start = plan.start;
    scheduler = plan.scheduler;
    uncond = plan.uncond;
    uncondAt = plan.uncondAt;
    noiseAt = plan.noiseAt;
    // Direct Inversion corrects the source phase onto the inversion after every step, so after k
    // steps it is exactly x*_{t_k}: start there instead of running those steps.
    if (plan.correction && k > 0) {
      start = plan.correction.trajectory[steps - k] as Float32Array;
      fromStep = k;
    }
  } else {
    scheduler = diffusion.scheduler('ddim');
  }
  const empty = guided ? await diffusion.encodePrompt('') : undefined;

  // The layout prompt (with the source's null: the image's own sampling path) for steps [0, k),
  // then the target prompt and its negative prompt.
  const { latents } = await sampleBranches({
    unet,
    scheduler,
    steps,
    guidance: input.guidance,
    seed: input.seed,
    fromStep,
    branches: [
      {
        cond: targetCond,
        condAt: (step) => (step < k ? layoutCond : targetCond),
        uncond: guided ? (uncond ?? empty) : undefined,
        uncondAt: (step) => (step >= k && negative ? negative : uncondAt?.(step)),
        start,
      },
    ],
    noiseAt,
    onStep: input.onStep,
    signal: input.signal,
  });
  const latent = latents[0];
  return {
    latent: latent as Float32Array,
    metrics: { switchStep: k },
    notes: [`sampled ${k} of ${steps} steps with '${layoutPrompt}', then '${input.target.prompt}'`],
  };
}
