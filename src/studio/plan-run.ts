// Plans run on a model-sized image without a database: each step edits the previous step's result,
// through the editing methods; the first step's inversion may come from (or go to) the user's
// store, keyed by the source image's blob hash. /edit's job, the CLI and the evals run plans here.
import type { ConceptDictionary } from '../models/sae/dictionary.ts';
import { findMethod, methodParams, runEdit, type EditMethod, type EditPhase } from '../methods/index.ts';
import type { MaskImage } from '../methods/shared/mask.ts';
import type { EditPlan, PlanStep, Region } from '../plan/index.ts';
import { REGIONS } from '../plan/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { invertWithStore } from '../store/stored-inversions.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import type { InversionStore } from '../store/inversions.ts';
import type { RgbImage } from '../support/image.ts';
import { previewMaker } from './preview.ts';
import { cell } from '../reading/index.ts';

/** A plan step that names a method we don't have yet. */
export class MethodNotAvailableError extends Error {
  override readonly name = 'MethodNotAvailableError';
}

/** The 3×3 grid cell a region names, as a mask at image size. */
export function regionMask(region: Region, width: number, height: number): MaskImage {
  return { data: cell(REGIONS.indexOf(region), width, height), width, height };
}

/** The caption with the step's source words replaced by its target words, when it names them. */
function targetPromptOf(step: PlanStep, caption: string): string {
  if (step.params.prompt) return step.params.prompt;
  const { source, target } = step.params;
  if (source && target && caption.includes(source)) return caption.replace(source, target);
  if (step.params.style) return `${caption}, ${step.params.style}`;
  return caption;
}

export function methodFor(step: PlanStep): EditMethod {
  const method = findMethod(step.method);
  if (!method) throw new MethodNotAvailableError(`\`${step.method}\` is not available yet`);
  return method;
}

export interface PlanRunOptions {
  /** The user's stored inversions, with the source image's owner and blob hash (the first step only). */
  store?: { inversions: InversionStore; userId: string; imageHash: string };
  onPhase?: (step: number, steps: number, phase: EditPhase) => void | Promise<void>;
  /** After each sampling step; `preview` (a thumbnail data URL) every few steps when `previews` is on. */
  onStep?: (step: number, steps: number, progress: StepProgress, preview?: string) => void | Promise<void>;
  previews?: boolean;
  /** The model's concept dictionary, loaded when a step's method steers with one (sae.*). */
  concepts?: () => Promise<ConceptDictionary | undefined>;
  signal?: AbortSignal;
}

export interface PlanRun {
  image: RgbImage;
  /** Per plan step: whether its inversion came from the store. */
  inversions: ('stored' | 'computed' | 'none')[];
  notes: string[];
}

/** How one run of a step may differ from the plan: another method, seed or mask (a retry's). */
export interface StepOverride {
  method?: EditMethod;
  seed?: number;
  /** The area to edit, at the image's size; replaces the step's region. */
  mask?: MaskImage;
  /** Pixels where the source is put back after decoding (what a redraw around them must keep). */
  keepSource?: MaskImage;
  /** The prompt to draw toward instead of the step's (a new background alone, under the objects kept). */
  targetPrompt?: string;
  /** Method parameters over the step's (blended's `skip`, for a whole-picture redraw). */
  params?: Record<string, unknown>;
}

export interface StepRun {
  image: RgbImage;
  inversion: 'stored' | 'computed' | 'none';
  notes: string[];
  /** The caption the step drew toward: what the image shows after it. */
  targetPrompt: string;
}

/**
 * Runs step `index` of `plan` on `image` (model-sized), which `caption` describes; `diffusion` gives
 * the model compiled with or without attention hooks.
 */
export async function runPlanStep(diffusion: (options: { hooks: boolean }) => Diffusion, plan: EditPlan, index: number, image: RgbImage, caption: string, options: PlanRunOptions = {}, override: StepOverride = {}): Promise<StepRun> {
  const step = plan.steps[index] as PlanStep;
  const method = override.method ?? methodFor(step);
  const compiled = diffusion({ hooks: method.needs.hooks === true });
  const preview = options.previews ? previewMaker(compiled) : undefined;
  // Only the first step edits a stored image: its inversion is keyed by that image's blob hash,
  // so deleting the image deletes it. Later steps edit intermediate images that are never
  // stored; nothing could delete an inversion kept for them, so theirs is computed, not kept.
  const store = index === 0 ? options.store : undefined;
  let inversion: StepRun['inversion'] = 'none';
  // A move's region is where the object goes, not the area to edit: no mask from it.
  const mask = override.mask ?? (step.edit !== 'move' && step.params.region && method.needs.mask ? regionMask(step.params.region, image.width, image.height) : undefined);
  const targetPrompt = targetPromptOf(step, caption);
  const run = await runEdit(compiled, {
    method,
    params: { ...methodParams(method, step.params), ...override.params },
    source: { image, prompt: caption },
    targetPrompt: override.targetPrompt ?? targetPrompt,
    negativePrompt: step.params.negativePrompt,
    mask,
    keepSource: override.keepSource,
    // The plan's inversion for a method that takes one ('none' included: then it has none to use).
    inversion: method.needs.inversion?.length ? plan.inversion.method : undefined,
    scheduler: plan.output.scheduler,
    steps: plan.output.steps,
    guidance: plan.output.guidance,
    seed: override.seed ?? plan.output.seed ?? 0,
    invert: store
      ? async (inversionMethod, invertOptions) => {
          const outcome = await invertWithStore(store.inversions, compiled, inversionMethod, { ...invertOptions, userId: store.userId, imageHash: store.imageHash });
          inversion = outcome.source;
          return outcome.inversion;
        }
      : undefined,
    concepts: method.needs.concepts ? await options.concepts?.() : undefined,
    onPhase: (phase) => options.onPhase?.(index + 1, plan.steps.length, phase),
    onStep: async (progress) => options.onStep?.(index + 1, plan.steps.length, progress, await preview?.(progress)),
    signal: options.signal,
  });
  if (run.inversion && inversion === 'none') inversion = 'computed';
  return { image: run.image, inversion, notes: run.output.notes ?? [], targetPrompt };
}

/**
 * Runs a plan's steps on a model-sized image, each step editing the previous step's result, as the
 * bot does when there is no read-back to check them. No database: /edit stores the result.
 */
export async function applyPlan(diffusion: (options: { hooks: boolean }) => Diffusion, plan: EditPlan, source: RgbImage, options: PlanRunOptions = {}): Promise<PlanRun> {
  plan.steps.forEach(methodFor);
  const inversions: PlanRun['inversions'] = [];
  const notes: string[] = [];
  let caption = plan.source.caption ?? '';
  let image = source;
  for (let index = 0; index < plan.steps.length; index++) {
    const run = await runPlanStep(diffusion, plan, index, image, caption, options);
    inversions.push(run.inversion);
    notes.push(...run.notes);
    image = run.image;
    caption = run.targetPrompt;
  }
  return { image, inversions, notes };
}

