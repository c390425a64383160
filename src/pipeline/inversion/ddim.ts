import type { HostTensor } from '../../engine/index.ts';
import { DdimScheduler, guide } from '../schedulers/index.ts';
import { SamplingCancelled } from '../sampler.ts';
import { concatBatch } from '../batch.ts';
import { checkInvertOptions, INVERSION_DEFAULTS, twice, type DdimInversionResult, type Inversion, type InversionModel, type InvertOptions } from './types.ts';

export interface DdimInversionOptions {
  /** The clean latent x_0 (VAE encoding of the image, scaled). */
  latent: Float32Array;
  /** The caption the image is inverted under (the source prompt of an edit). */
  prompt: string;
  steps: number;
  /** Guidance during inversion: 1 (the usual and default) follows the conditional branch only. */
  guidance?: number;
  onStep?: (step: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface DdimInversion {
  /** x_0, x_t1, …, x_T: the inversion trajectory, clean end first (steps + 1 latents). */
  trajectory: Float32Array[];
  /** Ascending timesteps, one per trajectory entry after x_0. */
  timesteps: number[];
  /** The prompt embeddings used (null-text and direct inversion start from here). */
  cond: HostTensor;
}

/**
 * `invert.ddim`: runs DDIM backwards from the clean latent to x_T, evaluating the model at
 * (x_t, t_next) as diffusers' inverse scheduler and the null-text inversion paper do.
 */
export async function invertDdim(diffusion: InversionModel, options: DdimInversionOptions): Promise<DdimInversion> {
  const guidance = options.guidance ?? 1;
  const guided = guidance !== 1;
  const scheduler = diffusion.scheduler('ddim');
  if (!(scheduler instanceof DdimScheduler)) throw new Error('invert.ddim needs the DDIM scheduler');
  scheduler.setTimesteps(options.steps);
  const cond = await diffusion.encodePrompt(options.prompt);
  const context = guided ? concatBatch([await diffusion.encodePrompt(''), cond]) : cond;
  const unet = await diffusion.unet(guided ? 2 : 1);
  const batch = guided ? 2 : 1;
  const shape = [batch, ...diffusion.latentShape.slice(1)];
  const size = options.latent.length;
  const pairs = scheduler.inversionTimesteps();
  const trajectory: Float32Array[] = [options.latent.slice()];
  let latent: Float32Array = options.latent;
  for (const [index, [t, tNext]] of pairs.entries()) {
    if (options.signal?.aborted) throw new SamplingCancelled(`inversion cancelled after ${index} of ${pairs.length} steps`);
    const input = guided ? twice(latent) : latent;
    const { sample } = await unet.step({
      sample: { dtype: 'float32', shape, data: input },
      timestep: { dtype: 'float32', shape: [batch], data: new Float32Array(batch).fill(tNext) },
      encoderHiddenStates: context,
    });
    const prediction = sample.data as Float32Array;
    const eps = guided ? guide(prediction.subarray(0, size), prediction.subarray(size), guidance) : prediction;
    latent = scheduler.ddimInvertStep(eps, t, tNext, latent);
    trajectory.push(latent);
    await options.onStep?.(index + 1, pairs.length);
  }
  return { trajectory, timesteps: pairs.map(([, tNext]) => tNext), cond };
}



/**
 * `invert.ddim` as a method: the DDIM inversion at guidance 1, regenerated (by `reconstruct`) at
 * `options.guidance` with the empty prompt as the null — the baseline whose error CFG amplifies.
 */
export async function invertDdimMethod(model: InversionModel, options: InvertOptions): Promise<DdimInversionResult> {
  checkInvertOptions(model, options);
  const started = performance.now();
  const inversion = await invertDdim(model, {
    latent: options.latent,
    prompt: options.prompt,
    steps: options.steps,
    signal: options.signal,
    onStep: (step, total) => options.onStep?.('ddim', step, total),
  });
  const uncond = await model.encodePrompt('');
  const totalMs = performance.now() - started;
  return {
    method: 'invert.ddim',
    prompt: options.prompt,
    steps: options.steps,
    guidance: options.guidance ?? INVERSION_DEFAULTS.guidance,
    xT: inversion.trajectory.at(-1) as Float32Array,
    trajectory: inversion.trajectory,
    timesteps: [...inversion.timesteps].reverse(),
    cond: inversion.cond,
    uncond,
    timings: { totalMs, ddimMs: totalMs },
  };
}

export const ddimInversion: Inversion<DdimInversionResult> = {
  id: 'invert.ddim',
  name: 'DDIM inversion',
  summary: 'Run DDIM backwards at guidance 1; regenerate with the empty prompt as the null (the baseline whose error guidance amplifies)',
  invert: invertDdimMethod,
  sampling: (model, inversion) => ({ scheduler: model.scheduler('ddim'), uncond: inversion.uncond }),
  storage: { tensors: [], decode: (common) => ({ ...common, method: 'invert.ddim' }) },
};
