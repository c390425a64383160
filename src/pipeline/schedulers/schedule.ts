import type { SchedulerConfig, TimestepSpacing } from './config.ts';

const f32 = Math.fround;

/**
 * The training noise schedule: betas and their cumulative alpha products, computed the way
 * diffusers does (betas in float32; torch's float32 cumprod accumulates in float64 and rounds each
 * output to float32) and held as float64 numbers.
 */
export function alphasCumprod(config: SchedulerConfig): Float64Array {
  const n = config.num_train_timesteps;
  const betas = new Float64Array(n);
  if (config.trained_betas) {
    config.trained_betas.forEach((b, i) => (betas[i] = f32(b)));
  } else if (config.beta_schedule === 'linear') {
    const step = (config.beta_end - config.beta_start) / Math.max(n - 1, 1);
    for (let i = 0; i < n; i++) betas[i] = f32(config.beta_start + i * step);
  } else if (config.beta_schedule === 'scaled_linear') {
    const start = Math.sqrt(config.beta_start);
    const step = (Math.sqrt(config.beta_end) - start) / Math.max(n - 1, 1);
    for (let i = 0; i < n; i++) {
      const root = f32(start + i * step);
      betas[i] = f32(root * root);
    }
  } else {
    // GLIDE's cosine schedule: betas from alpha_bar(t) = cos²((t + 0.008) / 1.008 · π/2), capped at 0.999.
    const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (let i = 0; i < n; i++) betas[i] = f32(Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
  }
  const out = new Float64Array(n);
  let product = 1;
  for (let i = 0; i < n; i++) {
    product *= f32(1 - betas[i]!);
    out[i] = f32(product);
  }
  return out;
}

/** numpy's `round` (half to even), which diffusers' timestep spacings use. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy's `linspace(start, stop, num)` (endpoint included). */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/**
 * Descending timesteps for `steps` inference steps, as diffusers' DDIM / DDPM / Euler compute them:
 * leading = (i · ⌊T/steps⌋) + steps_offset, trailing = round(T − i · T/steps) − 1,
 * linspace = round(linspace(0, T − 1, steps)) (kept fractional when `fractional`, as Euler does).
 */
export function spacedTimesteps(config: SchedulerConfig, spacing: TimestepSpacing, steps: number, fractional = false): number[] {
  checkSteps(config, steps);
  const T = config.num_train_timesteps;
  if (spacing === 'leading') {
    const ratio = Math.floor(T / steps);
    return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + config.steps_offset);
  }
  if (spacing === 'trailing') {
    const ratio = T / steps;
    return Array.from({ length: steps }, (_, i) => roundHalfEven(T - i * ratio) - 1);
  }
  const values = linspace(0, T - 1, steps).reverse();
  return values.map((v) => (fractional ? f32(v) : roundHalfEven(v)));
}

export function checkSteps(config: SchedulerConfig, steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
  if (steps > config.num_train_timesteps) {
    throw new Error(`steps = ${steps} is more than the ${config.num_train_timesteps} training timesteps (${config.source})`);
  }
}

/** Training sigmas sqrt((1 − ᾱ)/ᾱ), one per training timestep. */
export function trainSigmas(alphasCumprod: Float64Array): Float64Array {
  return alphasCumprod.map((a) => Math.sqrt((1 - a) / a));
}

/** numpy's `interp(x, arange(len(fp)), fp)` for one x (clamped at the ends). */
export function interpIndex(x: number, fp: Float64Array): number {
  const last = fp.length - 1;
  if (x <= 0) return fp[0]!;
  if (x >= last) return fp[last]!;
  const j = Math.floor(x);
  const lo = fp[j]!;
  if (x === j) return lo;
  const hi = fp[j + 1]!;
  return (hi - lo) * (x - j) + lo;
}
