import type { CompileOptions, Float32Tensor, HostTensor } from '../../engine/index.ts';
import type { UNetConfig } from '../../models/unet/config.ts';
import type { CompiledUNet } from '../../models/unet/model.ts';
import type { Weights } from '../../models/weights.ts';
import type { Scheduler, SchedulerKind } from '../schedulers/index.ts';
import { GUIDANCE, STEPS } from '../../config/limits.ts';
import { repeatLatent } from '../batch.ts';
import { samplingProblem } from '../sampling-checks.ts';

/**
 * What the inversions need of a model: a `Diffusion` is one; tests pass a small stand-in around a
 * fixture UNet. Null-text inversion also builds its own gradient graph from the UNet's config and weights.
 */
export interface InversionModel {
  readonly latentShape: readonly [number, number, number, number];
  readonly options: { compile?: CompileOptions };
  readonly model: { unet: { config: UNetConfig; weights: Weights } };
  scheduler(kind?: SchedulerKind, options?: { eta?: number }): Scheduler;
  /** The UNet compiled for `batch` branches (1: one branch, 2: [unconditional, conditional]). */
  unet(batch: number): Promise<CompiledUNet>;
  /** Prompt embeddings [1, tokens, width]; '' is the unconditional prompt. */
  encodePrompt(text: string): Promise<HostTensor>;
}

/** Options every inversion takes. */
export interface InvertOptions {
  /** The clean latent x_0 (the VAE encoding of the image, scaled). */
  latent: Float32Array;
  /** The caption the image is inverted under (the source prompt of an edit). */
  prompt: string;
  /** Sampling steps (50 in the papers). */
  steps: number;
  /** The guidance the regeneration will use (null-text optimises for it, ddpm's noises are computed with it). */
  guidance?: number;
  /** Called after each step of each phase. */
  onStep?: (phase: string, step: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
}

export const INVERSION_DEFAULTS = { steps: STEPS.default, guidance: GUIDANCE.default };

interface InversionBase {
  method: InversionMethod;
  prompt: string;
  steps: number;
  /** The guidance the regeneration is meant to run at (the default of `reconstruct`). */
  guidance: number;
  /** x_T: where the regeneration starts. */
  xT: Float32Array;
  /**
   * The latents the inversion passed through, clean end first (steps + 1): the DDIM inversion's
   * x_0 … x_T, or for `invert.ddpm` the independently noised x_0 … x_T.
   */
  trajectory: Float32Array[];
  /** The regeneration's timesteps, descending (trajectory[steps − i] is the latent at timesteps[i]). */
  timesteps: number[];
  /** The source prompt's embeddings [1, tokens, width]. */
  cond: HostTensor;
  /** The empty prompt's embeddings (the plain classifier-free-guidance null). */
  uncond: HostTensor;
  /** Milliseconds: `totalMs` and one entry per phase. */
  timings: { totalMs: number } & Record<string, number>;
}

/** `invert.ddim`: regeneration from x_T with the empty prompt as the null. */
export interface DdimInversionResult extends InversionBase {
  method: 'invert.ddim';
}

/** `invert.null_text`: one optimised null embedding per sampling step. */
export interface NullTextInversionResult extends InversionBase {
  method: 'invert.null_text';
  /** ∅_t per sampling step, [steps, tokens, width] (step 0 = the one used at timesteps[0], i.e. at x_T). */
  nullEmbeddings: HostTensor;
  /** Per step: the last loss seen and the Adam iterations run. */
  losses: number[];
  iterations: number[];
}

/** `invert.negative_prompt`: the source prompt's embedding is the null at every step. */
export interface NegativePromptInversionResult extends InversionBase {
  method: 'invert.negative_prompt';
}

/** `invert.direct`: the source branch is pinned to the trajectory (see DirectInversionCorrection). */
export interface DirectInversionResult extends InversionBase {
  method: 'invert.direct';
}

/** `invert.ddpm`: per-step noises that make stochastic (eta 1) DDIM sampling give back x_0. */
export interface DdpmInversionResult extends InversionBase {
  method: 'invert.ddpm';
  eta: number;
  seed: number;
  /** z per sampling step (step i is used at timesteps[i]). */
  noises: Float32Array[];
}

export type InversionResult =
  | DdimInversionResult
  | NullTextInversionResult
  | NegativePromptInversionResult
  | DirectInversionResult
  | DdpmInversionResult;

/** The `invert.*` ids of METHODS.md that have a module (registry.ts lists them). */
export type InversionMethod = InversionResult['method'];

/** What every inversion keeps: the result without its method and method-specific fields. */
export type InversionCommon = Omit<InversionBase, 'method'>;

/**
 * How to sample from an inversion: what an edit's source (and, for the null, target) branch needs.
 * Spread into `sample()` together with a UNet of batch `guidance === 1 ? 1 : 2`.
 */
export interface InversionSampling {
  scheduler: Scheduler;
  steps: number;
  guidance: number;
  start: Float32Array;
  cond: HostTensor;
  uncond: HostTensor;
  uncondAt?: (step: number) => HostTensor;
  noiseAt?: (step: number) => Float32Array;
  afterStep?: (step: number, latent: Float32Array) => Float32Array;
  /** invert.direct: the correction (its `offsets` fill in as sampling runs). */
  correction?: { readonly trajectory: readonly Float32Array[]; readonly offsets: Float32Array[] };
}

/** What an inversion's own sampling sets: the scheduler, the null (per step) and any per-step noise or correction. */
export type InversionPath = Omit<InversionSampling, 'steps' | 'guidance' | 'start' | 'cond'>;

/** Builds stored tensors: latent stacks [n, C, H, W], embeddings as they are, number lists. */
export interface TensorPacker {
  latents(name: string, parts: readonly Float32Array[]): Float32Tensor;
  host(name: string, tensor: HostTensor): Float32Tensor;
  numbers(values: readonly number[]): Float32Tensor;
}

/** Reads stored tensors back, checking shapes and values (a mismatch throws). */
export interface TensorReader {
  /** `count` latents of the model's size. */
  latents(name: string, count: number): Float32Array[];
  /** A tensor of this shape, finite, as numbers or as a copy. */
  numbers(name: string, length: number): number[];
  tensor(name: string, shape: readonly number[]): Float32Tensor;
}

/**
 * What an inversion keeps beyond the trajectory, timesteps and both embeddings (which every one
 * keeps), and the options that decide its values (part of the store's key).
 */
export interface InversionStorage<Result extends InversionResult> {
  /** The names of its own tensors. */
  tensors: readonly string[];
  /** Its options that change its values, defaults filled in. */
  keyParams?(options: ExtraInvertOptions): Record<string, number>;
  encode?(inversion: Result, pack: TensorPacker): Record<string, Float32Tensor>;
  decode(common: InversionCommon, params: Readonly<Record<string, unknown>>, read: TensorReader): Result;
}

/** Options of the inversions that take more than `InvertOptions` (null-text's and ddpm's). */
export interface ExtraInvertOptions {
  /** invert.null_text: Adam iterations per timestep at most (official code: 10). */
  innerSteps?: number;
  /** invert.null_text: early stop when the loss is below epsilon + i·2e-5 at step i (official code: 1e-5). */
  epsilon?: number;
  /** invert.ddpm: seed of the independent forward noises (default 0). */
  seed?: number;
  /** invert.ddpm: DDIM eta of the stochastic sampler the noises are for (1 = DDPM; must be > 0). */
  eta?: number;
}

/**
 * An inversion as the registry (registry.ts) lists it: what it is, how to run it, how to sample
 * from its result (`reconstruct` and an edit's source branch), and how its result is stored.
 */
export interface Inversion<Result extends InversionResult = InversionResult> {
  id: Result['method'];
  /** Its name in replies. */
  name: string;
  /** One line for help texts. */
  summary: string;
  invert(model: InversionModel, options: InvertOptions & ExtraInvertOptions): Promise<Result>;
  sampling(model: InversionModel, inversion: Result): InversionPath;
  storage: InversionStorage<Result>;
}

export function checkInvertOptions(model: InversionModel, options: InvertOptions): void {
  const problem = samplingProblem({ steps: options.steps, guidance: options.guidance });
  if (problem) throw new RangeError(problem);
  const size = model.latentShape.slice(1).reduce((a, b) => a * b, 1);
  if (options.latent.length !== size) throw new RangeError(`the latent has ${options.latent.length} values, the model takes ${size} ([${model.latentShape.slice(1).join(', ')}])`);
}



export { concatBatch } from '../batch.ts';

/** A latent twice over: the [unconditional, conditional] batch's input. */
export const twice = (values: Float32Array): Float32Array => repeatLatent(values, 2);
