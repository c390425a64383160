import { DdimScheduler, guide, NoiseSource } from '../schedulers/index.ts';
import { SamplingCancelled } from '../sampler.ts';
import { checkInvertOptions, concatBatch, INVERSION_DEFAULTS, twice, type DdpmInversionResult, type ExtraInvertOptions, type Inversion, type InversionModel, type InvertOptions } from './types.ts';
import { samplingProblem } from '../sampling-checks.ts';

export type DdpmInvertOptions = InvertOptions & Pick<ExtraInvertOptions, 'seed' | 'eta'>;

/**
 * `invert.ddpm` (Huberman-Spiegelglas et al. 2023, "An Edit Friendly DDPM Noise Space"): sample
 * x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε_t with an independent seeded ε_t for every timestep of the schedule,
 * then, from x_T down, take the guided prediction at x_t and solve for the noise that makes the
 * stochastic step land on x_{t−1} (then x_{t−1} is replaced by where that float32 step lands, as
 * the official code does, so the regeneration's UNet inputs are the inversion's, bit for bit): z_t = (x_{t−1} − μ_t(x_t)) / σ_t with μ, σ the DDIM step at
 * `eta` (1: DDPM). Sampling from x_T with the same prompt, guidance and these noises gives back
 * x_0. Unlike the official code the last step's noise is kept (not zeroed), so the last step also
 * lands exactly on x_0; its σ is tiny, so that z is large and carries the residual.
 */
export async function invertDdpm(model: InversionModel, options: DdpmInvertOptions): Promise<DdpmInversionResult> {
  checkInvertOptions(model, options);
  const started = performance.now();
  const guidance = options.guidance ?? INVERSION_DEFAULTS.guidance;
  const eta = options.eta ?? 1;
  const seed = options.seed ?? 0;
  if (!(eta > 0)) throw new RangeError(`invert.ddpm: eta must be > 0 (eta 0 is plain DDIM), got ${eta}`);
  const problem = samplingProblem({ seed });
  if (problem) throw new RangeError(problem);
  const scheduler = model.scheduler('ddim', { eta });
  if (!(scheduler instanceof DdimScheduler)) throw new Error('invert.ddpm needs the DDIM scheduler');
  scheduler.setTimesteps(options.steps);
  const timesteps = [...scheduler.timesteps];
  const steps = timesteps.length;
  const size = options.latent.length;

  // x_0, x_{t_1}, …, x_T: independent noise per timestep, drawn clean end first.
  const noise = new NoiseSource(seed);
  const trajectory: Float32Array[] = [options.latent.slice()];
  for (const t of [...timesteps].reverse()) trajectory.push(scheduler.addNoise(options.latent, noise.normal(size), t));

  const guided = guidance !== 1;
  const cond = await model.encodePrompt(options.prompt);
  const uncond = await model.encodePrompt('');
  const unet = await model.unet(guided ? 2 : 1);
  const batch = guided ? 2 : 1;
  const shape = [batch, ...model.latentShape.slice(1)];
  const context = guided ? concatBatch([uncond, cond]) : cond;
  const zeros = new Float64Array(size);
  const noises: Float32Array[] = [];
  for (const [index, t] of timesteps.entries()) {
    if (options.signal?.aborted) throw new SamplingCancelled(`inversion cancelled after ${index} of ${steps} steps`);
    const current = trajectory[steps - index] as Float32Array;
    const previous = trajectory[steps - index - 1] as Float32Array;
    const { sample: out } = await unet.step({
      sample: { dtype: 'float32', shape, data: guided ? twice(current) : current },
      timestep: { dtype: 'float32', shape: [batch], data: new Float32Array(batch).fill(t) },
      encoderHiddenStates: context,
    });
    const prediction = out.data as Float32Array;
    const eps = guided ? guide(prediction.subarray(0, size), prediction.subarray(size), guidance) : prediction;
    // μ exactly as the sampler's step computes it (float64), σ from the same formula.
    const mean = scheduler.step(eps, t, Float64Array.from(current), { noise: zeros }).prevSample;
    const abar = scheduler.alphaBar(t);
    const abarPrev = scheduler.alphaBar(scheduler.previousTimestep(t));
    const sigma = eta * Math.sqrt(((1 - abarPrev) / (1 - abar)) * (1 - abar / abarPrev));
    const z = new Float32Array(size);
    for (let i = 0; i < size; i++) z[i] = ((previous[i] as number) - (mean[i] as number)) / sigma;
    noises.push(z);
    // Where the sampler will actually be (the float32 step with this z), as the official code
    // overwrites x_{t−1}: the next noise is solved from there, so rounding never accumulates.
    trajectory[steps - index - 1] = scheduler.step(eps, t, current, { noise: z }).prevSample;
    await options.onStep?.('ddpm', index + 1, steps);
  }
  const totalMs = performance.now() - started;
  return {
    method: 'invert.ddpm',
    prompt: options.prompt,
    steps,
    guidance,
    eta,
    seed,
    xT: trajectory[steps] as Float32Array,
    trajectory,
    timesteps,
    cond,
    uncond,
    noises,
    timings: { totalMs, ddpmMs: totalMs },
  };
}

export const ddpmInversion: Inversion<DdpmInversionResult> = {
  id: 'invert.ddpm',
  name: 'Edit-friendly DDPM inversion',
  summary: 'Store per-step noises so stochastic sampling gives back the image exactly',
  invert: invertDdpm,
  sampling(model, inversion) {
    const noises = inversion.noises;
    return {
      scheduler: model.scheduler('ddim', { eta: inversion.eta }),
      uncond: inversion.uncond,
      noiseAt: (step) => {
        const z = noises[step];
        if (!z) throw new RangeError(`invert.ddpm: no stored noise for step ${step} of ${noises.length}`);
        return z;
      },
    };
  },
  storage: {
    tensors: ['noises'],
    keyParams: (options) => ({ eta: options.eta ?? 1, seed: options.seed ?? 0 }),
    encode: (inversion, pack) => ({ noises: pack.latents('noises', inversion.noises) }),
    decode: (common, params, read) => ({ ...common, method: 'invert.ddpm', eta: params.eta as number, seed: params.seed as number, noises: read.latents('noises', common.steps) }),
  },
};
