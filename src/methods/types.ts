// The contract every editing method keeps: one descriptor of what it is (its name, the edits it
// serves, a parameter schema with the paper's defaults, its dial, what it needs) and `run()`, which
// turns a source latent into an edited latent. The planner, the chat and the workers read the
// descriptors; methods know the pipeline (sampling, inversions, hook controls) and nothing of chat,
// plans or files.
import type { z } from 'zod';
import type { HostTensor } from '../engine/index.ts';
import type { ConceptDictionary } from '../models/sae/dictionary.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import type { InversionMethod, InversionResult } from '../pipeline/inversion/index.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import type { SchedulerKind } from '../pipeline/schedulers/index.ts';
import type { EditKind, MethodId } from './catalogue.ts';

/** A region of the image: 1 = edit here, 0 = keep; soft values allowed. */
export interface EditMask {
  /** Image resolution, row-major [height × width]. */
  image: Float32Array;
  /** Latent resolution [latentHeight × latentWidth], the area average of `image`. */
  latent: Float32Array;
  width: number;
  height: number;
  latentWidth: number;
  latentHeight: number;
}

export interface EditInput {
  /** The model, compiled for the image size with hooks (attention-control methods need them). */
  diffusion: Diffusion;
  /** The image to edit: its clean latent (VAE mean, scaled) and what it shows. */
  source: { latent: Float32Array; prompt: string };
  /** What the result should show. Methods that need no prompt ignore it. */
  target: { prompt: string; negativePrompt?: string };
  /** Where to edit, when the request says (a mask file, a region, a word's attention). */
  mask?: EditMask;
  /** The sampler: one of the method's `schedulers`. */
  scheduler: SchedulerKind;
  steps: number;
  guidance: number;
  seed: number;
  /**
   * The source image's inversion (computed or loaded from the store by the caller, at this run's
   * steps and guidance) by the method the request names; absent when it names 'none'.
   */
  inversion?: InversionResult;
  /** The model's concept dictionary (SAE steering needs it; `needs.concepts`). */
  concepts?: ConceptDictionary;
  onStep?: (progress: StepProgress) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface EditOutput {
  /** The edited clean latent [1, C, h, w]. */
  latent: Float32Array;
  /** Other latents worth seeing (a panorama's full canvas, the source branch's reconstruction). */
  extraLatents?: Record<string, Float32Array>;
  /** A result bigger than the model's size (a panorama): the runner decodes this instead of `latent`. */
  canvas?: { latent: Float32Array; latentWidth: number; latentHeight: number };
  /** Numbers the method measured about itself (a mask's area, seam strength, …). */
  metrics?: Record<string, number>;
  /** A mask the method computed (DiffEdit's, a local blend's), at latent resolution. */
  mask?: Float32Array;
  /** Plain sentences for the user (a parameter clamped, a word not found). */
  notes?: string[];
}

export interface MethodNeeds {
  /** The source image's inversion; attention-control methods accept these, the first is the planner's choice. */
  inversion?: readonly InversionMethod[];
  /** 'required': refuses to run without a mask; 'optional': uses one when given. */
  mask?: 'required' | 'optional';
  /** The source prompt must describe the source image (prompt-to-prompt aligns tokens with it). */
  sourcePrompt?: boolean;
  /** The UNet's hook points (attention and feature control). */
  hooks?: boolean;
  /** Makes a new canvas rather than editing the source (a panorama); the source may be absent. */
  generates?: boolean;
  /**
   * Changes only inside a mask, given or its own (returned as `mask`): the runner pastes the
   * source's pixels back outside it after decoding (see shared/paste.ts).
   */
  local?: boolean;
  /** The model's concept dictionary (its SAEs and what their features mean). */
  concepts?: boolean;
  /**
   * Edits a picture the bot drew by drawing it again from its own noise (its seed, prompt and
   * settings) rather than from an inversion: the planner then gives it no inversion.
   */
  ownNoise?: boolean;
  /**
   * The mask it takes is the area of the object it moves (its params' object), not the area to
   * change; and its `steerPrompt` is the source's caption without that object's place. A caller
   * that reads the picture back gives both.
   */
  objectMask?: boolean;
}

/** What Stronger / Weaker turn on a step done by this method. */
export type MethodDial =
  /** Its own `strength` parameter, up to 1 (a step's strength reaches it by name). */
  | { kind: 'strength' }
  /**
   * The step's strength (0..1, 0.5 = the defaults) scales these fractions of the steps in which the
   * source's attention or features are injected: stronger injects for fewer steps.
   */
  | { kind: 'injection'; params: readonly string[] }
  /** Its `weight` parameter (a word's attention): above 1 more of the word, below 1 less. */
  | { kind: 'weight' };

export interface EditMethod<Schema extends z.ZodType = z.ZodType> {
  id: MethodId;
  /** Its name in replies ("Prompt-to-Prompt word swap"). */
  name: string;
  /** One line for help texts. */
  summary: string;
  /** The kind of edit it makes when a user picks it by name (`/edit method:…`). */
  edit: EditKind;
  /**
   * The kinds of edit "Try another method" offers it for, each with its place in that kind's order
   * (lower first; the planner's first choice first, then the methods that keep less of the source).
   */
  alternativeFor?: Partial<Record<EditKind, number>>;
  /** Redraws toward a new target prompt: a step without one would change nothing asked for. */
  promptDriven: boolean;
  /** Parameters with the paper's / official code's defaults; strict, with ranges. */
  params: Schema;
  /** What Stronger / Weaker turn; absent: nothing. */
  dial?: MethodDial;
  needs: MethodNeeds;
  /** The schedulers it can sample with, its default first; absent: DDIM only. */
  schedulers?: readonly SchedulerKind[];
  run(input: EditInput, params: z.output<Schema>): Promise<EditOutput>;
}

/** Declares a method; keeps its schema's type so `run` gets typed parameters. */
export function defineMethod<Schema extends z.ZodType>(method: EditMethod<Schema>): EditMethod {
  return method as unknown as EditMethod;
}

/** A request a method can't run: the message names the problem (parameter, word, mask size). */
export class EditRequestError extends Error {
  override readonly name = 'EditRequestError';
}

export type { HostTensor };
