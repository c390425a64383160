// RePaint (Lugmayr et al. 2022, "RePaint: Inpainting using Denoising Diffusion Probabilistic
// Models"): inpaint with an unconditional-inpainting-free model. Sample from noise; after every
// reverse step the known region (outside the mask) is the source forward-noised to the new level,
// the unknown region (inside) the model's step:
//   x_{t−1} = m ⊙ x^unknown_{t−1} + (1 − m) ⊙ x^known_{t−1},  x^known_{t−1} ~ q(x_{t−1} | x_0)
// Resampling harmonises the two: every `jump` levels the sample is re-noised `jump` levels back up
// (q(x_{t+j} | x_t)) and denoised again, `resample` − 1 extra times per jump point (the official
// `get_schedule_jump`). Reverse steps are DDIM (eta 0, diffusers' RePaintScheduler default) over
// the run's schedule; the last step keeps the clean source latent outside the mask exactly.
import { z } from 'zod';
import { NoiseSource } from '../pipeline/schedulers/index.ts';
import { blendLatents } from './shared/mask.ts';
import { auxiliaryNoise, binaryLatentMask, noisedTo, predictNoise, renoise, targetGuidance, throwIfCancelled } from './shared/noise-and-mask.ts';
import { defineMethod } from './types.ts';

export const repaint = defineMethod({
  id: 'repaint',
  name: 'RePaint',
  summary: 'Inpaint the masked area from noise toward the target prompt, re-noising and resampling so it blends with the kept surroundings',
  edit: 'remove',
  alternativeFor: { remove: 2 },
  promptDriven: false,
  params: z.strictObject({
    /**
     * Jump length j in steps of the run's schedule. The paper's j = 10 is 10 of 250 respaced steps
     * (40 training timesteps, 4% of the schedule), with a jump point every 10 steps. At 50 DDIM
     * steps 4% would be 2 steps, one DDIM step of noise twice over; we take j = 5 (100 timesteps, a
     * tenth of the run): still 9 jump points across the run, and each re-noising large enough for
     * the model to redraw the boundary at DDIM's coarser steps.
     */
    jump: z.number().int().min(1).default(5),
    /**
     * Resample count r (times each jump segment is traversed; 1 = no resampling). The paper's
     * r = 10 at 250 steps costs ≈ 10× a plain run in UNet calls; a 50-step run with j = 5, r = 5
     * costs 50 + 4·5·9 = 230 calls (≈ 4.6×), a budget an interactive edit can afford.
     */
    resample: z.number().int().min(1).default(5),
    /** A latent cell is unknown where the mask covers at least this fraction of it (binary, as the paper's masks). */
    maskThreshold: z.number().gt(0).max(1).default(0.5),
  }),
  needs: { mask: 'required', local: true },
  async run(input, params) {
    const { diffusion } = input;
    const { mask, area } = binaryLatentMask(input, 'repaint', params.maskThreshold);
    const g = await targetGuidance(input);
    const scheduler = diffusion.scheduler('ddim');
    scheduler.setTimesteps(input.steps);
    const timesteps = [...scheduler.timesteps];
    const levels = timesteps.length;
    // Level k (0 … levels−1) is the latent at timesteps[levels − 1 − k]; level −1 is clean.
    const timestepOf = (level: number): number => (level < 0 ? scheduler.previousTimestep(timesteps[levels - 1] as number) : (timesteps[levels - 1 - level] as number));
    const schedule = jumpSchedule(levels, params.jump, params.resample);
    const size = input.source.latent.length;
    let latent = new NoiseSource(input.seed).normal(size);
    const noise = auxiliaryNoise(input.seed, 2);
    const total = schedule.reduce((n, level, i) => n + (i > 0 && level < (schedule[i - 1] as number) ? 1 : 0), 0);
    let calls = 0;
    for (let i = 0; i + 1 < schedule.length; i++) {
      throwIfCancelled(input.signal, calls, total);
      const from = schedule[i] as number;
      const to = schedule[i + 1] as number;
      const t = timestepOf(from);
      if (to < from) {
        const eps = await predictNoise(g, latent, t);
        const { prevSample, predOriginal } = scheduler.step(eps, t, latent);
        calls++;
        const known = noisedTo(scheduler, input.source.latent, timestepOf(to), noise);
        latent = blendLatents(prevSample, known, mask);
        await input.onStep?.({ step: calls, total, timestep: t, predOriginal });
      } else {
        latent = renoise(scheduler, latent, t, timestepOf(to), noise);
      }
    }
    return { latent, metrics: { unetCalls: calls, maskArea: area } };
  },
});

/**
 * The official `get_schedule_jump(t_T, jump_length, jump_n_sample)`: levels from t_T − 1 down to
 * −1, going back up `jump` levels at every jump point (0, j, 2j, … below t_T − j), `resample` − 1
 * times each. Consecutive pairs: down = a reverse step, up = a re-noising.
 */
export function jumpSchedule(levels: number, jump: number, resample: number): number[] {
  const jumps = new Map<number, number>();
  for (let j = 0; j < levels - jump; j += jump) jumps.set(j, resample - 1);
  let t = levels;
  const out: number[] = [];
  while (t >= 1) {
    t -= 1;
    out.push(t);
    const left = jumps.get(t) ?? 0;
    if (left > 0) {
      jumps.set(t, left - 1);
      for (let k = 0; k < jump; k++) {
        t += 1;
        out.push(t);
      }
    }
  }
  out.push(-1);
  return out;
}
