import { predictOriginal, resolveNoise, Scheduler, toKind, type StepOptions, type StepResult } from './base.ts';
import type { Latent } from './noise.ts';
import { spacedTimesteps } from './schedule.ts';

/**
 * DDPM ancestral sampling (Ho et al. 2020) over a (possibly strided) schedule, as diffusers'
 * DDPMScheduler: with ᾱ_prev the next timestep's ᾱ (1 after the last), β_t = 1 − ᾱ_t/ᾱ_prev,
 * μ = √ᾱ_prev·β_t/(1−ᾱ_t)·x̂0 + √(ᾱ_t/ᾱ_prev)·(1−ᾱ_prev)/(1−ᾱ_t)·x_t, plus σ·z for t > 0 with
 * σ² = (1−ᾱ_prev)/(1−ᾱ_t)·β_t ("fixed_small", clamped at 1e-20) or β_t ("fixed_large").
 */
export class DdpmScheduler extends Scheduler {
  readonly kind = 'ddpm';

  setTimesteps(steps: number): void {
    this.schedule = spacedTimesteps(this.config, this.spacing('leading'), steps);
  }

  step<T extends Latent>(modelOutput: Latent, t: number, sample: T, options: StepOptions = {}): StepResult<T> {
    const prevT = this.previousTimestep(t);
    const abar = this.alphaBar(t);
    const abarPrev = prevT >= 0 ? this.alphaBar(prevT) : 1;
    const currentAlpha = abar / abarPrev;
    const currentBeta = 1 - currentAlpha;
    const clip = (this.config.clip_sample ?? true) ? this.config.clip_sample_range : null;
    const { x0 } = predictOriginal(this.config.prediction_type, modelOutput, sample, abar, clip);
    const cx0 = (Math.sqrt(abarPrev) * currentBeta) / (1 - abar);
    const cx = (Math.sqrt(currentAlpha) * (1 - abarPrev)) / (1 - abar);
    const prev = new Float64Array(sample.length);
    for (let i = 0; i < prev.length; i++) prev[i] = cx0 * x0[i]! + cx * sample[i]!;
    if (t > 0) {
      const variance =
        this.config.variance_type === 'fixed_large' ? currentBeta : Math.max(((1 - abarPrev) / (1 - abar)) * currentBeta, 1e-20);
      const std = Math.sqrt(variance);
      const z = resolveNoise('ddpm', sample, options.noise);
      for (let i = 0; i < prev.length; i++) prev[i] = prev[i]! + std * z[i]!;
    }
    return { prevSample: toKind(sample, prev), predOriginal: toKind(sample, x0) };
  }
}
