// SDEdit (Meng et al. 2022): noise the source to t0 = strength of the schedule, then denoise toward
// the target prompt. Larger strength: more freedom, less faithfulness.
import { z } from 'zod';
import { sampleBranches } from '../pipeline/sampler.ts';
import { defineMethod } from './types.ts';

export const sdedit = defineMethod({
  id: 'sdedit',
  name: 'SDEdit',
  summary: 'Re-draw the image from part-way noise toward the target prompt (strength = how far)',
  edit: 'variations',
  alternativeFor: { variations: 0, pose: 1, add: 2, style: 2, move: 2, remove: 3, swap: 5, attribute: 5 },
  promptDriven: true,
  dial: { kind: 'strength' },
  params: z.strictObject({
    /** t0 as a fraction of the schedule; the paper's guided edits sit between 0.3 and 0.6. */
    strength: z.number().gt(0).max(1).default(0.5),
  }),
  needs: {},
  // Noising to t0 and denoising is plain sampling from t0: any scheduler (DDIM is the paper's SDE
  // solver's deterministic counterpart and the default).
  schedulers: ['ddim', 'ddpm', 'euler_a', 'dpmpp2m'],
  async run(input, params) {
    const { diffusion } = input;
    const guided = input.guidance !== 1;
    const cond = await diffusion.encodePrompt(input.target.prompt);
    const uncond = guided ? await diffusion.encodePrompt(input.target.negativePrompt ?? '') : undefined;
    const { latents } = await sampleBranches({
      unet: await diffusion.unet(guided ? 2 : 1),
      scheduler: diffusion.scheduler(input.scheduler),
      steps: input.steps,
      guidance: input.guidance,
      seed: input.seed,
      strength: params.strength,
      branches: [{ cond, uncond, init: input.source.latent }],
      onStep: input.onStep,
      signal: input.signal,
    });
    return { latent: latents[0] as Float32Array };
  },
});
