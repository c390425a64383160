import type { PredictionType, SchedulerConfig, TimestepSpacing } from './config.ts';
import { alphasCumprod } from './schedule.ts';
import { checkSameLength, emptyLike, NoiseSource, type Latent } from './noise.ts';

export type SchedulerKind = 'ddim' | 'ddpm' | 'euler_a' | 'dpmpp2m';

export interface StepOptions {
  /**
   * Noise for stochastic steps (DDIM with eta > 0, DDPM, Euler ancestral): an array of the
   * sample's length, or a `NoiseSource` the step draws `sample.length` normals from (only when
   * the step needs noise). Missing where needed: an error.
   */
  noise?: Latent | NoiseSource;
}

export interface StepResult<T extends Latent> {
  /** The sample at the previous (less noisy) timestep. */
  prevSample: T;
  /** The model's estimate of the clean sample x̂0 at this step. */
  predOriginal: T;
}

/** Where an img2img run starts: diffusers' `get_timesteps(steps, strength)`. */
export interface StrengthSchedule {
  /** The timesteps to run (a suffix of the full schedule). */
  timesteps: number[];
  /** Index of the first of them in the full schedule. */
  startIndex: number;
  /** The timestep to noise the init latent to (`timesteps[0]`), or null when strength gives no steps. */
  startTimestep: number | null;
}

/** init = min(⌊steps · strength⌋, steps), start index = steps − init, as diffusers' img2img pipeline. */
export function strengthStart(steps: number, strength: number): { initSteps: number; startIndex: number } {
  if (!(strength >= 0 && strength <= 1)) throw new Error(`strength must be in [0, 1], got ${strength}`);
  const initSteps = Math.min(Math.trunc(steps * strength), steps);
  return { initSteps, startIndex: Math.max(steps - initSteps, 0) };
}

/** What every scheduler offers; a scheduler knows no model. */
export abstract class Scheduler {
  abstract readonly kind: SchedulerKind;
  /** ᾱ_t for t = 0 … T−1 (float32 values as diffusers computes them). */
  readonly alphasCumprod: Float64Array;
  protected schedule: number[] = [];

  constructor(readonly config: SchedulerConfig) {
    this.alphasCumprod = alphasCumprod(config);
  }

  /** The timesteps of the current schedule, descending (empty before `setTimesteps`). */
  get timesteps(): readonly number[] {
    return this.schedule;
  }

  /** Standard deviation of the initial noise (the sampling loop multiplies N(0, 1) noise by it). */
  get initNoiseSigma(): number {
    return 1;
  }

  abstract setTimesteps(steps: number): void;

  /** Scales the denoising model's input at timestep t (identity except for sigma-space schedulers). */
  scaleModelInput<T extends Latent>(sample: T, _t: number): T {
    return sample;
  }

  abstract step<T extends Latent>(modelOutput: Latent, t: number, sample: T, options?: StepOptions): StepResult<T>;

  /** The timestep after t in the schedule (−1 after the last; DDIM: t − ⌊T/steps⌋, may be negative). */
  previousTimestep(t: number): number {
    const i = this.indexOf(t);
    return i + 1 < this.schedule.length ? this.schedule[i + 1]! : -1;
  }

  /** Forward-noises `original` to timestep t: √ᾱ_t·x0 + √(1−ᾱ_t)·noise. */
  addNoise<T extends Latent>(original: T, noise: Latent, t: number): T {
    checkSameLength('addNoise', original, noise);
    const abar = this.alphaBar(t);
    const a = Math.sqrt(abar);
    const b = Math.sqrt(1 - abar);
    const out = emptyLike(original);
    for (let i = 0; i < out.length; i++) out[i] = a * original[i]! + b * noise[i]!;
    return out;
  }

  /**
   * Sets `steps` timesteps and returns the ones an img2img run at `strength` uses (diffusers:
   * init = min(⌊steps·strength⌋, steps), start at index steps − init). Stateful schedulers restart there.
   */
  timestepsForStrength(steps: number, strength: number): StrengthSchedule {
    const { startIndex } = strengthStart(steps, strength);
    this.setTimesteps(steps);
    const timesteps = this.schedule.slice(startIndex);
    return { timesteps, startIndex, startTimestep: timesteps[0] ?? null };
  }

  /** ᾱ at an integer training timestep. */
  alphaBar(t: number): number {
    const value = this.alphasCumprod[t];
    if (!Number.isInteger(t) || value === undefined) {
      throw new Error(`timestep ${t} is not an integer in [0, ${this.config.num_train_timesteps})`);
    }
    return value;
  }

  protected indexOf(t: number): number {
    const i = this.schedule.indexOf(t);
    if (i < 0) {
      throw new Error(
        this.schedule.length === 0 ? `${this.kind}: call setTimesteps before stepping` : `${this.kind}: timestep ${t} is not in the schedule`,
      );
    }
    return i;
  }

  protected spacing(fallback: TimestepSpacing): TimestepSpacing {
    return this.config.timestep_spacing ?? fallback;
  }
}

/** Draws or checks the noise of a stochastic step. */
export function resolveNoise(kind: string, sample: Latent, noise: Latent | NoiseSource | undefined): Latent {
  if (noise === undefined) throw new Error(`${kind}: this step is stochastic and needs options.noise (an array or a NoiseSource)`);
  if (noise instanceof NoiseSource) return noise.normal(sample.length);
  checkSameLength(`${kind} step noise`, sample, noise);
  return noise;
}

/** x̂0 and ε from a model output under ᾱ_t (epsilon / v / sample prediction), as DDIM and DDPM define them. */
export function predictOriginal(
  prediction: PredictionType,
  modelOutput: Latent,
  sample: Latent,
  abar: number,
  clip: number | null,
): { x0: Float64Array; eps: Float64Array } {
  checkSameLength('model output', sample, modelOutput);
  const a = Math.sqrt(abar);
  const b = Math.sqrt(1 - abar);
  const n = sample.length;
  const x0 = new Float64Array(n);
  const eps = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const m = modelOutput[i]!;
    const x = sample[i]!;
    if (prediction === 'epsilon') {
      x0[i] = (x - b * m) / a;
      eps[i] = m;
    } else if (prediction === 'v_prediction') {
      x0[i] = a * x - b * m;
      eps[i] = a * m + b * x;
    } else {
      x0[i] = m;
      eps[i] = (x - a * m) / b;
    }
  }
  if (clip !== null) for (let i = 0; i < n; i++) x0[i] = Math.min(clip, Math.max(-clip, x0[i]!));
  return { x0, eps };
}

export function toKind<T extends Latent>(like: T, values: Float64Array): T {
  if (like instanceof Float64Array) return values as T;
  return Float32Array.from(values) as T;
}
