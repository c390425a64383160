import type { SchedulerConfig } from './config.ts';
import { predictOriginal, resolveNoise, Scheduler, toKind, type StepOptions, type StepResult } from './base.ts';
import { checkSameLength, emptyLike, type Latent } from './noise.ts';
import { spacedTimesteps } from './schedule.ts';

export interface DdimStepOptions extends StepOptions {
  /** Overrides the scheduler's eta for this step. */
  eta?: number;
}

export interface DdimOptions {
  /** 0 = deterministic DDIM (default); 1 = DDPM-like variance. */
  eta?: number;
}

/**
 * DDIM (Song et al. 2020), as diffusers' DDIMScheduler: x̂0 = (x − √(1−ᾱ_t)·ε)/√ᾱ_t,
 * x_prev = √ᾱ_prev·x̂0 + √(1−ᾱ_prev−σ²)·ε + σ·z with σ = eta·√((1−ᾱ_prev)/(1−ᾱ_t)·(1−ᾱ_t/ᾱ_prev)).
 * The previous timestep is t − ⌊T/steps⌋; below 0 it is the "final" ᾱ (1 when `set_alpha_to_one`,
 * else ᾱ_0 — SD's configs say false).
 */
export class DdimScheduler extends Scheduler {
  readonly kind = 'ddim';
  readonly eta: number;
  readonly finalAlphaCumprod: number;
  private stepRatio = 0;

  constructor(config: SchedulerConfig, options: DdimOptions = {}) {
    super(config);
    this.eta = options.eta ?? 0;
    if (!(this.eta >= 0)) throw new Error(`ddim: eta must be >= 0, got ${this.eta}`);
    this.finalAlphaCumprod = config.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  setTimesteps(steps: number): void {
    this.schedule = spacedTimesteps(this.config, this.spacing('leading'), steps);
    this.stepRatio = Math.floor(this.config.num_train_timesteps / steps);
  }

  override previousTimestep(t: number): number {
    if (this.schedule.length === 0) throw new Error('ddim: call setTimesteps first');
    return t - this.stepRatio;
  }

  /** ᾱ_t, with any t < 0 meaning the clean end (the final alpha). */
  override alphaBar(t: number): number {
    return t < 0 ? this.finalAlphaCumprod : super.alphaBar(t);
  }

  step<T extends Latent>(modelOutput: Latent, t: number, sample: T, options: DdimStepOptions = {}): StepResult<T> {
    const eta = options.eta ?? this.eta;
    const prevT = this.previousTimestep(t);
    const abar = this.alphaBar(t);
    const abarPrev = this.alphaBar(prevT);
    const clip = (this.config.clip_sample ?? true) ? this.config.clip_sample_range : null;
    const { x0, eps } = predictOriginal(this.config.prediction_type, modelOutput, sample, abar, clip);
    const variance = ((1 - abarPrev) / (1 - abar)) * (1 - abar / abarPrev);
    const std = eta * Math.sqrt(variance);
    const a = Math.sqrt(abarPrev);
    const d = Math.sqrt(Math.max(1 - abarPrev - std * std, 0));
    const prev = new Float64Array(sample.length);
    for (let i = 0; i < prev.length; i++) prev[i] = a * x0[i]! + d * eps[i]!;
    if (eta > 0) {
      const z = resolveNoise('ddim', sample, options.noise);
      for (let i = 0; i < prev.length; i++) prev[i] = prev[i]! + std * z[i]!;
    }
    return { prevSample: toKind(sample, prev), predOriginal: toKind(sample, x0) };
  }

  /**
   * One DDIM inversion step x_t → x_tNext (tNext > t): x̂0 = (x − √(1−ᾱ_t)·ε)/√ᾱ_t,
   * x_next = √ᾱ_next·x̂0 + √(1−ᾱ_next)·ε. `eps` is the model's epsilon at the current point (the
   * usual choice, as diffusers' DDIMInverseScheduler and null-text inversion, evaluates the model
   * at (x_t, tNext)). t < 0 means the clean end (the final alpha). Epsilon prediction only.
   */
  ddimInvertStep<T extends Latent>(eps: Latent, t: number, tNext: number, sample: T): T {
    if (this.config.prediction_type !== 'epsilon') throw new Error('ddim inversion: only prediction_type epsilon is supported');
    checkSameLength('ddimInvertStep', sample, eps);
    const abar = this.alphaBar(t);
    const abarNext = this.alphaBar(tNext);
    const a = Math.sqrt(abar);
    const b = Math.sqrt(1 - abar);
    const an = Math.sqrt(abarNext);
    const bn = Math.sqrt(1 - abarNext);
    const out = emptyLike(sample);
    for (let i = 0; i < out.length; i++) {
      const e = eps[i]!;
      out[i] = an * ((sample[i]! - b * e) / a) + bn * e;
    }
    return out;
  }

  /**
   * The (t, tNext) pairs of a DDIM inversion over the current schedule, clean end first:
   * for SD's 50 steps (−19, 1), (1, 21), …, (961, 981).
   */
  inversionTimesteps(): Array<[number, number]> {
    const ascending = [...this.schedule].reverse();
    return ascending.map((tNext) => [tNext - this.stepRatio, tNext]);
  }
}
