import type { HostTensor } from '../engine/index.ts';
import type { UNetControls } from '../models/unet/controls.ts';
import type { CompiledUNet } from '../models/unet/model.ts';
import { guide, NoiseSource, type Scheduler } from './schedulers/index.ts';
import { concatBatch, concatLatents, repeatLatent } from './batch.ts';

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
  /** As `sampleBranches`' captures, onCaptures and captureUnet. */
  captures?: SampleBranchesOptions['captures'];
  onCaptures?: SampleBranchesOptions['onCaptures'];
  captureUnet?: CompiledUNet;
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
 * One image being sampled. Several branches run in one UNet batch, so that attention-control
 * methods can make one branch (the edit) look at another (the source).
 */
export interface Branch {
  /** Text embeddings [1, tokens, width] of this branch's prompt. */
  cond: HostTensor;
  /** Per-step prompt embeddings (a prompt switched part-way); override `cond` where given. */
  condAt?: (step: number) => HostTensor | undefined;
  /** Its negative-prompt (or empty-prompt) embeddings; needed when guidance != 1. */
  uncond?: HostTensor;
  /** Per-step unconditional embeddings (null-text inversion's ∅_t); override `uncond` where given. */
  uncondAt?: (step: number) => HostTensor | undefined;
  /** Start from this noisy latent x_T instead of seeded noise. */
  start?: Float32Array;
  /** img2img: this clean latent, noised to the run's `strength` of the schedule. */
  init?: Float32Array;
}

export interface SampleBranchesOptions {
  /** Compiled for batch `branches` (guidance 1) or `2 × branches` ([uncond…, cond…]). */
  unet: CompiledUNet;
  /** Applied to all branches at once as one long latent (every scheduler is elementwise). */
  scheduler: Scheduler;
  steps: number;
  guidance: number;
  guidanceRescale?: number;
  branches: readonly Branch[];
  /** Seeds the initial noise of branches without `start` and the noise of stochastic steps. */
  seed: number;
  /** img2img strength in [0, 1]; every branch then needs `init`. */
  strength?: number;
  /**
   * Skip the schedule's steps before this one: every branch's `start` is its latent at that point
   * (e.g. a point of an inversion's trajectory). Step indices stay those of the whole schedule.
   */
  fromStep?: number;
  /** Per-step noise for stochastic steps, all branches concatenated; else drawn from the seed. */
  noiseAt?: (step: number) => Float32Array | undefined;
  /** Replaces the latent (all branches concatenated) after each step. */
  afterStep?: (step: number, latent: Float32Array) => Float32Array;
  /** Per-step hook controls; batch elements are laid out as `branchElements` says. */
  controls?: (step: number, timestep: number) => UNetControls | undefined;
  /** Capture outputs to fetch at a step (names from the UNet's `captureNames`), handed to `onCaptures`. */
  captures?: (step: number, timestep: number) => readonly string[] | undefined;
  onCaptures?: (step: number, captures: Record<string, HostTensor>) => void | Promise<void>;
  /**
   * The same UNet compiled with hooks, for the steps that capture, when `unet` has none: hooks cost
   * every step they run (on the shipped model ~13 → ~17 ms), so a run that captures one step pays
   * for that one. Same batch as `unet`.
   */
  captureUnet?: CompiledUNet;
  /** `predOriginal` holds all branches concatenated. */
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Cancels between steps: the run stops within one UNet step. */
  signal?: AbortSignal;
}

export interface SampleBranchesResult {
  /** One clean latent per branch. */
  latents: Float32Array[];
  timesteps: number[];
}

/** Where branch b's unconditional and conditional inputs sit in the UNet batch. */
export function branchElements(branches: number, guided: boolean): { uncond(branch: number): number; cond(branch: number): number; batch: number } {
  return guided
    ? { uncond: (b) => b, cond: (b) => branches + b, batch: 2 * branches }
    : {
        uncond: () => {
          throw new Error('branchElements: without guidance there is no unconditional element');
        },
        cond: (b) => b,
        batch: branches,
      };
}

/**
 * The denoising loop: seeded noise (or a start latent, or a noised init latent) per branch, the UNet
 * at each timestep with classifier-free guidance, one scheduler step after another. Same seed,
 * options and model give the same bytes.
 */
export async function sampleBranches(options: SampleBranchesOptions): Promise<SampleBranchesResult> {
  const { unet, scheduler, steps, guidance, branches } = options;
  const guided = guidance !== 1;
  const count = branches.length;
  if (count === 0) throw new Error('sample: no branches');
  const layout = branchElements(count, guided);
  for (const compiled of [unet, options.captureUnet]) {
    if (compiled && compiled.options.batch !== layout.batch) {
      throw new Error(`sample: ${count} branch(es) at guidance ${guidance} need a UNet compiled for batch ${layout.batch}, this one has batch ${compiled.options.batch}`);
    }
  }
  if (guided && branches.some((b) => !b.uncond)) throw new Error('sample: guidance needs the unconditional (or negative prompt) embeddings of every branch');
  const inputShape = unet.program.inputs.find((input) => input.name === 'sample')?.shape ?? [];
  const shape = [1, ...inputShape.slice(1)];
  const size = shape.reduce((a, b) => a * b, 1);
  for (const [b, branch] of branches.entries()) {
    for (const [what, latent] of [['start', branch.start], ['init', branch.init]] as const) {
      if (latent && latent.length !== size) throw new Error(`sample: branch ${b}'s ${what} latent has ${latent.length} values, the UNet takes ${size}`);
    }
  }
  const fromStep = options.fromStep ?? 0;
  if (fromStep !== 0) {
    if (options.strength !== undefined) throw new Error('sample: fromStep and img2img strength exclude each other');
    if (!Number.isInteger(fromStep) || fromStep < 0 || fromStep > steps) throw new Error(`sample: fromStep must be an integer from 0 to ${steps}, got ${fromStep}`);
    if (branches.some((b) => !b.start)) throw new Error('sample: fromStep needs the start latent of every branch');
  }
  const noise = new NoiseSource(options.seed);

  let latent: Float32Array;
  let timesteps: number[];
  if (options.strength !== undefined) {
    if (branches.some((b) => !b.init)) throw new Error('sample: img2img strength needs an init latent in every branch');
    const schedule = scheduler.timestepsForStrength(steps, options.strength);
    timesteps = schedule.timesteps;
    const clean = concatLatents(branches.map((b) => b.init as Float32Array));
    latent = schedule.startTimestep === null ? clean : scheduler.addNoise(clean, noise.normal(clean.length), schedule.startTimestep);
  } else {
    scheduler.setTimesteps(steps);
    timesteps = [...scheduler.timesteps];
    const sigma = scheduler.initNoiseSigma;
    latent = concatLatents(
      branches.map((b) => {
        if (b.start) return b.start;
        const drawn = noise.normal(size);
        if (sigma !== 1) for (let i = 0; i < size; i++) drawn[i] = (drawn[i] as number) * sigma;
        return drawn;
      }),
    );
  }

  const contexts = (step: number): HostTensor[] => {
    const conds = branches.map((b) => b.condAt?.(step) ?? b.cond);
    return guided ? [...branches.map((b) => b.uncondAt?.(step) ?? (b.uncond as HostTensor)), ...conds] : conds;
  };
  for (const [index, t] of timesteps.entries()) {
    if (index < fromStep) continue;
    if (options.signal?.aborted) throw new SamplingCancelled(`cancelled after ${index} of ${timesteps.length} steps`);
    const input = scheduler.scaleModelInput(latent, t);
    const capture = options.captures?.(index, t);
    const stepUnet = capture?.length && options.captureUnet ? options.captureUnet : unet;
    const { sample: out, captures } = await stepUnet.step(
      {
        sample: { dtype: 'float32', shape: [layout.batch, ...shape.slice(1)], data: guided ? repeatLatent(input, 2) : input },
        timestep: { dtype: 'float32', shape: [layout.batch], data: new Float32Array(layout.batch).fill(t) },
        encoderHiddenStates: concatBatch(contexts(index)),
      },
      { controls: options.controls?.(index, t), capture },
    );
    if (options.onCaptures && Object.keys(captures).length > 0) await options.onCaptures(index, captures);
    const prediction = out.data as Float32Array;
    let eps: Float32Array = prediction;
    if (guided) {
      eps = new Float32Array(count * size);
      for (let b = 0; b < count; b++) {
        const uncondPart = prediction.subarray(layout.uncond(b) * size, (layout.uncond(b) + 1) * size);
        const condPart = prediction.subarray(layout.cond(b) * size, (layout.cond(b) + 1) * size);
        eps.set(guide(uncondPart, condPart, guidance, { rescale: options.guidanceRescale }), b * size);
      }
    }
    const result = scheduler.step(eps, t, latent, { noise: options.noiseAt?.(index) ?? noise });
    latent = options.afterStep ? options.afterStep(index, result.prevSample) : result.prevSample;
    await options.onStep?.({ step: index + 1, total: timesteps.length, timestep: t, predOriginal: result.predOriginal });
  }
  return { latents: branches.map((_, b) => latent.slice(b * size, (b + 1) * size)), timesteps };
}

/** One image: `sampleBranches` with a single branch. */
export async function sample(options: SampleOptions): Promise<SampleResult> {
  const { cond, uncond, uncondAt, start, init, ...shared } = options;
  const branch: Branch = { cond, uncond, uncondAt, start, init: init?.latent };
  const { latents, timesteps } = await sampleBranches({ ...shared, branches: [branch], strength: init?.strength });
  return { latent: latents[0] as Float32Array, timesteps };
}



