// ILVR (Choi et al. 2021, "ILVR: Conditioning Method for Denoising Diffusion Probabilistic
// Models"): sample from noise toward the target prompt, and after every reverse step replace the
// sample's low frequencies by the reference's, noised to the same level:
//   x_{t−1} ← x'_{t−1} − φ_N(x'_{t−1}) + φ_N(y_{t−1}),   y_{t−1} ~ q(y_{t−1} | y_0)
// φ_N = downsample by N, upsample back. Here in latent space (the reference is the source latent),
// φ_N is the N×N block mean (a projection, so the low frequencies are the source's exactly after
// each conditioned step); the high frequencies (within-block detail) stay the model's.
import { z } from 'zod';
import { NoiseSource } from '../pipeline/schedulers/index.ts';
import { auxiliaryNoise, lowPass, noisedTo, predictNoise, targetGuidance, throwIfCancelled } from './shared/noise-and-mask.ts';
import { defineMethod, EditRequestError } from './types.ts';

export const ilvr = defineMethod({
  id: 'ilvr',
  name: 'ILVR',
  summary: 'Sample toward the target prompt while keeping the coarse layout and colours (the N×-downsampled image) of the source',
  edit: 'variations',
  alternativeFor: { variations: 1 },
  promptDriven: false,
  params: z.strictObject({
    /**
     * N, in latent cells (must divide the latent's sides). The paper samples 256² pixels with
     * N ∈ {4, 8, 16, 32}; the official README's example uses down_N 32, a low-pass grid of 8×8.
     * A latent cell is the VAE's 8 pixels, so pixel N = 32 is latent N = 4 (on SD 1.5 at 512² a
     * 16×16 grid of 32-pixel blocks; on the shipped 128² model 4×4). Pixel N < 8 is finer than a
     * latent cell and has no latent equivalent.
     */
    factor: z.number().int().min(2).default(4),
    /**
     * Conditioning stops below this fraction of the training timesteps (the official code's
     * range_t / 1000): 0 = condition every step (the README's range_t 0), 1 = never (plain
     * sampling with the same seed). Stopping early leaves the last steps' detail free.
     */
    stop: z.number().min(0).max(1).default(0),
  }),
  needs: {},
  async run(input, params) {
    const { diffusion } = input;
    const shape = diffusion.latentShape;
    const [, , height, width] = shape;
    if (height % params.factor !== 0 || width % params.factor !== 0) {
      throw new EditRequestError(`ilvr parameter 'factor': ${params.factor} must divide the latent's sides (${width}×${height}); try ${divisors(Math.min(height, width)).filter((d) => d >= 2 && height % d === 0 && width % d === 0).join(', ')}`);
    }
    const g = await targetGuidance(input);
    const scheduler = diffusion.scheduler('ddim');
    scheduler.setTimesteps(input.steps);
    const timesteps = [...scheduler.timesteps];
    const size = input.source.latent.length;
    // The same initial noise as sampleBranches draws for one branch with this seed.
    let latent = new NoiseSource(input.seed).normal(size);
    const referenceNoise = auxiliaryNoise(input.seed, 1);
    const reference = lowPass(input.source.latent, shape, params.factor);
    const stopAt = params.stop * scheduler.config.num_train_timesteps;
    let conditioned = 0;
    for (const [index, t] of timesteps.entries()) {
      throwIfCancelled(input.signal, index, timesteps.length);
      const eps = await predictNoise(g, latent, t);
      const { prevSample, predOriginal } = scheduler.step(eps, t, latent);
      latent = prevSample;
      if (t >= stopAt && params.stop < 1) {
        const y = noisedTo(scheduler, input.source.latent, scheduler.previousTimestep(t), referenceNoise);
        const low = lowPass(latent, shape, params.factor);
        const target = lowPass(y, shape, params.factor);
        for (let i = 0; i < size; i++) latent[i] = (latent[i] as number) - (low[i] as number) + (target[i] as number);
        conditioned++;
      }
      await input.onStep?.({ step: index + 1, total: timesteps.length, timestep: t, predOriginal });
    }
    const low = lowPass(latent, shape, params.factor);
    let distance = 0;
    for (let i = 0; i < size; i++) distance += Math.abs((low[i] as number) - (reference[i] as number));
    return {
      latent,
      metrics: { conditionedSteps: conditioned, lowPassDistance: distance / size },
    };
  },
});

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}
