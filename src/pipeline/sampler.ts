import type { HostTensor } from '../engine/index.ts';
import type { UNetControls } from '../models/unet/controls.ts';
import type { CompiledUNet } from '../models/unet/model.ts';
import { guide, NoiseSource, type Scheduler } from './schedulers/index.ts';

/** Reported after every step (the chat shows it; a preview can decode `predOriginal`). */
export interface StepProgress {
  step: number;
  total: number;
  timestep: number;
  /** The model's current estimate of the clean latent. */
  predOriginal: Float32Array;
}

export interface SampleOptions {
  /** Compiled for batch 2 ([unconditional, conditional]) when guidance != 1, else batch 1. */
  unet: CompiledUNet;
  scheduler: Scheduler;
  steps: number;
  /** Classifier-free guidance scale (1 = none: the unconditional branch is skipped). */
  guidance: number;
  guidanceRescale?: number;
  /** Text embeddings [1, tokens, width] of the prompt, and of the negative prompt (or empty prompt). */
  cond: HostTensor;
  uncond?: HostTensor;
  seed: number;
  /** Start from this noisy latent x_T (an inversion's end) instead of seeded noise. */
  start?: Float32Array;
  /** img2img: start from this clean latent, noised to `strength` of the schedule. */
  init?: { latent: Float32Array; strength: number };
  /** Per-step unconditional embeddings (null-text inversion's ∅_t); overrides `uncond` where it returns one. */
  uncondAt?: (step: number) => HostTensor | undefined;
  /** Per-step noise for stochastic steps (edit-friendly DDPM inversion's stored z_t); else drawn from the seed. */
  noiseAt?: (step: number) => Float32Array | undefined;
  /** Replaces the latent after each step (direct inversion's correction of the source branch). */
  afterStep?: (step: number, latent: Float32Array) => Float32Array;
  /** Per-step hook controls (attention-control methods); called with the step index and timestep. */
  controls?: (step: number, timestep: number) => UNetControls | undefined;
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Cancels between steps: the run stops within one UNet step. */
  signal?: AbortSignal;
}

export interface SampleResult {
  latent: Float32Array;
  timesteps: number[];
}

export class SamplingCancelled extends Error {
  override readonly name = 'SamplingCancelled';
}

/**
 * The denoising loop: seeded noise (or a noised init latent), the UNet at each timestep with
 * classifier-free guidance, one scheduler step after another. Same seed, options and model give
 * the same bytes.
 */
export async function sample(options: SampleOptions): Promise<SampleResult> {
  const { unet, scheduler, steps, guidance, cond } = options;
  const guided = guidance !== 1;
  const batch = unet.options.batch;
  if (batch !== (guided ? 2 : 1)) {
    throw new Error(`sample: guidance ${guidance} needs a UNet compiled for batch ${guided ? 2 : 1}, this one has batch ${batch}`);
  }
  if (guided && !options.uncond) throw new Error('sample: guidance needs the unconditional (or negative prompt) embeddings');
  const shape = unet.program.inputs.find((input) => input.name === 'sample')?.shape ?? [];
  const size = shape.slice(1).reduce((a, b) => a * b, 1);
  const noise = new NoiseSource(options.seed);

  let latent: Float32Array;
  let timesteps: number[];
  if (options.init) {
    if (options.init.latent.length !== size) throw new Error(`sample: init latent has ${options.init.latent.length} values, the UNet takes ${size}`);
    const schedule = scheduler.timestepsForStrength(steps, options.init.strength);
    timesteps = schedule.timesteps;
    latent = schedule.startTimestep === null ? options.init.latent.slice() : scheduler.addNoise(options.init.latent, noise.normal(size), schedule.startTimestep);
  } else {
    scheduler.setTimesteps(steps);
    timesteps = [...scheduler.timesteps];
    if (options.start && options.start.length !== size) throw new Error(`sample: start latent has ${options.start.length} values, the UNet takes ${size}`);
    latent = options.start ? options.start.slice() : noise.normal(size);
    const sigma = scheduler.initNoiseSigma;
    if (sigma !== 1) for (let i = 0; i < size; i++) latent[i] = (latent[i] as number) * sigma;
  }

  const fixedContext = guided ? stack([options.uncond as HostTensor, cond]) : cond;
  for (const [index, t] of timesteps.entries()) {
    if (options.signal?.aborted) throw new SamplingCancelled(`cancelled after ${index} of ${timesteps.length} steps`);
    const stepUncond = guided ? options.uncondAt?.(index) : undefined;
    const context = stepUncond ? stack([stepUncond, cond]) : fixedContext;
    const input = scheduler.scaleModelInput(latent, t);
    const { sample: out } = await unet.step(
      {
        sample: { dtype: 'float32', shape, data: guided ? repeat(input, 2) : input },
        timestep: { dtype: 'float32', shape: [batch], data: new Float32Array(batch).fill(t) },
        encoderHiddenStates: context,
      },
      { controls: options.controls?.(index, t) },
    );
    const prediction = out.data as Float32Array;
    const eps = guided
      ? guide(prediction.subarray(0, size), prediction.subarray(size), guidance, { rescale: options.guidanceRescale })
      : prediction;
    const result = scheduler.step(eps, t, latent, { noise: options.noiseAt?.(index) ?? noise });
    latent = options.afterStep ? options.afterStep(index, result.prevSample) : result.prevSample;
    await options.onStep?.({ step: index + 1, total: timesteps.length, timestep: t, predOriginal: result.predOriginal });
  }
  return { latent, timesteps };
}

function repeat(values: Float32Array, times: number): Float32Array {
  const out = new Float32Array(values.length * times);
  for (let i = 0; i < times; i++) out.set(values, i * values.length);
  return out;
}

function stack(parts: HostTensor[]): HostTensor {
  const first = parts[0] as HostTensor;
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const part of parts) {
    if (part.shape.slice(1).join() !== first.shape.slice(1).join()) throw new Error(`sample: embeddings [${part.shape}] and [${first.shape}] differ`);
    data.set(part.data as Float32Array, offset);
    offset += part.data.length;
  }
  return { dtype: 'float32', shape: [parts.reduce((n, p) => n + (p.shape[0] as number), 0), ...first.shape.slice(1)], data };
}
