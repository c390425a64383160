import { resolveNoise, Scheduler, toKind, type StepOptions, type StepResult } from './base.ts';
import { checkSameLength, emptyLike, type Latent } from './noise.ts';
import { interpIndex, spacedTimesteps, trainSigmas } from './schedule.ts';

/**
 * Euler ancestral sampling in sigma space (k-diffusion's `sample_euler_ancestral`, as diffusers'
 * EulerAncestralDiscreteScheduler). The latent lives at x = x0 + σ·ε; the model sees
 * x/√(σ²+1). Per step: σ_up = √(σ_to²(σ_from²−σ_to²)/σ_from²), σ_down = √(σ_to²−σ_up²),
 * x ← x + (x − x̂0)/σ·(σ_down − σ) + σ_up·z. Sigmas are interpolated from the training ones at the
 * (possibly fractional: default spacing linspace) timesteps, float32 as diffusers, then 0.
 */
export class EulerAncestralScheduler extends Scheduler {
  readonly kind = 'euler_a';
  private readonly trainSigmas: Float64Array;
  private sigmaList: number[] = [];

  constructor(...args: ConstructorParameters<typeof Scheduler>) {
    super(...args);
    this.trainSigmas = trainSigmas(this.alphasCumprod);
  }

  /** σ at each timestep of the schedule, then a final 0. */
  get sigmas(): readonly number[] {
    return this.sigmaList;
  }

  override get initNoiseSigma(): number {
    const max = Math.max(...this.sigmaList);
    return this.spacing('linspace') === 'leading' ? Math.sqrt(max * max + 1) : max;
  }

  setTimesteps(steps: number): void {
    this.schedule = spacedTimesteps(this.config, this.spacing('linspace'), steps, true);
    this.sigmaList = [...this.schedule.map((t) => this.sigmaAt(t)), 0];
  }

  /** σ at any (fractional) timestep: the interpolated training sigma, rounded to float32. */
  sigmaAt(t: number): number {
    return Math.fround(interpIndex(t, this.trainSigmas));
  }

  override scaleModelInput<T extends Latent>(sample: T, t: number): T {
    const sigma = this.sigmaList[this.indexOf(t)]!;
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    const out = emptyLike(sample);
    for (let i = 0; i < out.length; i++) out[i] = sample[i]! * scale;
    return out;
  }

  step<T extends Latent>(modelOutput: Latent, t: number, sample: T, options: StepOptions = {}): StepResult<T> {
    checkSameLength('model output', sample, modelOutput);
    const index = this.indexOf(t);
    const sigma = this.sigmaList[index]!;
    const sigmaTo = this.sigmaList[index + 1]!;
    const n = sample.length;
    const x0 = new Float64Array(n);
    const prediction = this.config.prediction_type;
    const s2 = sigma * sigma + 1;
    for (let i = 0; i < n; i++) {
      const m = modelOutput[i]!;
      const x = sample[i]!;
      x0[i] = prediction === 'epsilon' ? x - sigma * m : prediction === 'v_prediction' ? m * (-sigma / Math.sqrt(s2)) + x / s2 : m;
    }
    const sigmaUp = Math.sqrt((sigmaTo * sigmaTo * (sigma * sigma - sigmaTo * sigmaTo)) / (sigma * sigma));
    const sigmaDown = Math.sqrt(Math.max(sigmaTo * sigmaTo - sigmaUp * sigmaUp, 0));
    const dt = sigmaDown - sigma;
    // A NoiseSource is drawn from at every step (also the last, where σ_up = 0), as diffusers draws;
    // without one the last step needs no noise.
    const z = options.noise === undefined && sigmaUp === 0 ? null : resolveNoise('euler_a', sample, options.noise);
    const prev = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = sample[i]!;
      prev[i] = x + ((x - x0[i]!) / sigma) * dt + (z ? sigmaUp * z[i]! : 0);
    }
    return { prevSample: toKind(sample, prev), predOriginal: toKind(sample, x0) };
  }

  /** x0 + σ_t·noise (sigma space). */
  override addNoise<T extends Latent>(original: T, noise: Latent, t: number): T {
    checkSameLength('addNoise', original, noise);
    const sigma = this.sigmaAt(t);
    const out = emptyLike(original);
    for (let i = 0; i < out.length; i++) out[i] = original[i]! + sigma * noise[i]!;
    return out;
  }
}
