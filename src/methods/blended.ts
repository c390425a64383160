// Blended Latent Diffusion (Avrahami et al. 2023, "Blended Latent Diffusion"; after Blended
// Diffusion, CVPR 2022): denoise toward the target prompt and, after every step, keep the model's
// latent inside the mask and the source forward-noised to the same level outside:
//   x_{t−1} ← m ⊙ x^fg_{t−1} + (1 − m) ⊙ (√ᾱ_{t−1}·x_src + √(1−ᾱ_{t−1})·ε),  fresh ε each step.
// As the official code (omriav/blended-latent-diffusion, text_editing_stable_diffusion.py): start
// from pure noise with the first `skip` fraction of the schedule skipped, binary latent mask (the
// image mask resized to the latent grid), DDIM. Differences: the source is noised to the level the
// step lands on (t−1; the official code noises to t, one step noisier), and the last step keeps
// the clean source latent outside the mask exactly.
// Not implemented (optional in the paper): the CLIP-gradient variant of Blended Diffusion, the
// per-image decoder fine-tuning for background reconstruction, progressive mask shrinking for thin
// masks, and the pixel-space paste of the source background (a method returns a latent).
import { z } from 'zod';
import { NoiseSource } from '../pipeline/schedulers/index.ts';
import { blendLatents } from './shared/mask.ts';
import { auxiliaryNoise, binaryLatentMask, noisedTo, predictNoise, targetGuidance, throwIfCancelled } from './shared/noise-and-mask.ts';
import { defineMethod } from './types.ts';

export const blended = defineMethod({
  id: 'blended',
  name: 'Blended Diffusion',
  summary: 'Redraw the masked area toward the target prompt, blending with the noised source outside the mask at every step',
  edit: 'add',
  alternativeFor: { add: 1, remove: 1 },
  promptDriven: false,
  params: z.strictObject({
    /** Fraction of the schedule skipped before blending starts (official blending_percentage 0.25: of 50 steps, start at the 13th from pure noise). */
    skip: z.number().min(0).lt(1).default(0.25),
    /** A latent cell is edited where the mask covers at least this fraction of it (the official code resizes the mask to the latent grid with nearest and thresholds at 0.5). */
    maskThreshold: z.number().gt(0).max(1).default(0.5),
  }),
  needs: { mask: 'required', local: true },
  async run(input, params) {
    const { diffusion } = input;
    const { mask, area } = binaryLatentMask(input, 'blended', params.maskThreshold);
    const g = await targetGuidance(input);
    const scheduler = diffusion.scheduler('ddim');
    scheduler.setTimesteps(input.steps);
    const timesteps = scheduler.timesteps.slice(Math.floor(scheduler.timesteps.length * params.skip));
    const size = input.source.latent.length;
    let latent = new NoiseSource(input.seed).normal(size);
    const noise = auxiliaryNoise(input.seed, 3);
    for (const [index, t] of timesteps.entries()) {
      throwIfCancelled(input.signal, index, timesteps.length);
      const eps = await predictNoise(g, latent, t);
      const { prevSample, predOriginal } = scheduler.step(eps, t, latent);
      const known = noisedTo(scheduler, input.source.latent, scheduler.previousTimestep(t), noise);
      latent = blendLatents(prevSample, known, mask);
      await input.onStep?.({ step: index + 1, total: timesteps.length, timestep: t, predOriginal });
    }
    return { latent, metrics: { unetCalls: timesteps.length, maskArea: area } };
  },
});
