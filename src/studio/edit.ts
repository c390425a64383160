// /edit's work: an EditPlan on a stored image, step after step (each step edits the previous
// step's result), through the editing methods; the first step's inversion comes from (or goes to) the
// user's store, keyed by the source image's blob hash.
import { EditRequestError, findMethod, parameterNames, runEdit, type EditMethod, type EditPhase } from '../methods/index.ts';
import type { MaskImage } from '../methods/shared/mask.ts';
import type { EditPlan, PlanStep, Region } from '../plan/index.ts';
import { REGIONS } from '../plan/index.ts';
import { invertWithStore } from '../pipeline/inversion/stored.ts';
import { toModelSize } from '../pipeline/model-size.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import type { PrismaClient } from '../store/database.ts';
import type { InversionStore } from '../store/inversions.ts';
import { loadRgb, saveResult, type Owner, type SavedResult } from './results.ts';
import { injectionForStrength } from './strength.ts';
import { previewMaker } from './preview.ts';
import type { Studio } from './studio.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import type { RgbImage } from '../world/image.ts';

export interface EditWork {
  plan: EditPlan;
  sourceImageId: string;
  /** The edit that made the source image, when the bot made it (the new edit's parent). */
  parentEditId?: string;
  owner: Owner;
  inversions?: InversionStore;
  onPhase?: (step: number, steps: number, phase: EditPhase) => void | Promise<void>;
  /** After each sampling step; `preview` (a thumbnail data URL) every few steps when `previews` is on. */
  onStep?: (step: number, steps: number, progress: StepProgress, preview?: string) => void | Promise<void>;
  previews?: boolean;
  signal?: AbortSignal;
}

export interface EditOutcome extends SavedResult {
  seconds: number;
  /** Per plan step: whether its inversion came from the store. */
  inversions: ('stored' | 'computed' | 'none')[];
  notes: string[];
}

/** A plan step that names a method we don't have yet. */
export class MethodNotAvailableError extends Error {
  override readonly name = 'MethodNotAvailableError';
}

/** The 3×3 grid cell a region names, as a mask at image size. */
export function regionMask(region: Region, width: number, height: number): MaskImage {
  const index = REGIONS.indexOf(region);
  const column = index % 3;
  const row = Math.floor(index / 3);
  const data = new Uint8Array(width * height);
  for (let y = Math.floor((row * height) / 3); y < Math.floor(((row + 1) * height) / 3); y++) {
    for (let x = Math.floor((column * width) / 3); x < Math.floor(((column + 1) * width) / 3); x++) data[y * width + x] = 255;
  }
  return { data, width, height };
}

/** The caption with the step's source words replaced by its target words, when it names them. */
function targetPromptOf(step: PlanStep, caption: string): string {
  if (step.params.prompt) return step.params.prompt;
  const { source, target } = step.params;
  if (source && target && caption.includes(source)) return caption.replace(source, target);
  if (step.params.style) return `${caption}, ${step.params.style}`;
  return caption;
}

function methodFor(step: PlanStep): EditMethod {
  const method = findMethod(step.method);
  if (!method) throw new MethodNotAvailableError(`\`${step.method}\` is not available yet`);
  return method;
}

/**
 * The plan's parameters the method's schema declares (the plan carries more than any one method
 * takes), and its strength as the method's injection fractions where the method has no `strength`.
 */
function paramsFor(method: EditMethod, step: PlanStep): Record<string, unknown> {
  const names = new Set(parameterNames(method));
  const declared = Object.fromEntries(Object.entries(step.params).filter(([name, value]) => names.has(name) && value !== undefined));
  const strength = step.params.strength;
  return strength !== undefined && !names.has('strength') ? { ...injectionForStrength(method, strength), ...declared } : declared;
}

export interface PlanRunOptions {
  /** The user's stored inversions, with the source image's owner and blob hash (the first step only). */
  store?: { inversions: InversionStore; userId: string; imageHash: string };
  onPhase?: EditWork['onPhase'];
  onStep?: EditWork['onStep'];
  previews?: boolean;
  signal?: AbortSignal;
}

export interface PlanRun {
  image: RgbImage;
  /** Per plan step: whether its inversion came from the store. */
  inversions: ('stored' | 'computed' | 'none')[];
  notes: string[];
}

/**
 * Runs a plan's steps on an image, each step editing the previous step's result, as the bot does;
 * `diffusion` gives the model compiled with or without attention hooks. No database: /edit stores
 * the result, `retouch eval chat` scores it.
 */
export async function applyPlan(diffusion: (options: { hooks: boolean }) => Diffusion, plan: EditPlan, source: RgbImage, options: PlanRunOptions = {}): Promise<PlanRun> {
  const methods = plan.steps.map(methodFor);
  const inversions: PlanRun['inversions'] = [];
  const notes: string[] = [];
  let caption = plan.source.caption ?? '';
  const { width, height } = diffusion({ hooks: false });
  const first = await toModelSize(source, width, height);
  if (first.note) notes.push(first.note);
  let image = first.image;
  for (const [index, step] of plan.steps.entries()) {
    const method = methods[index] as EditMethod;
    const compiled = diffusion({ hooks: method.needs.hooks === true });
    const preview = options.previews ? previewMaker(compiled) : undefined;
    // Only the first step edits a stored image: its inversion is keyed by that image's blob hash,
    // so deleting the image deletes it. Later steps edit intermediate images that are never
    // stored; nothing could delete an inversion kept for them, so theirs is computed, not kept.
    const store = index === 0 ? options.store : undefined;
    let inversionSource: 'stored' | 'computed' | 'none' = 'none';
    // A move's region is where the object goes, not the area to edit: no mask from it.
    const mask = step.edit !== 'move' && step.params.region && method.needs.mask ? regionMask(step.params.region, image.width, image.height) : undefined;
    const targetPrompt = targetPromptOf(step, caption);
    const run = await runEdit(compiled, {
      method,
      params: paramsFor(method, step),
      source: { image, prompt: caption },
      targetPrompt,
      negativePrompt: step.params.negativePrompt,
      mask,
      inversion: plan.inversion.method !== 'none' && method.needs.inversion?.includes(plan.inversion.method) ? plan.inversion.method : undefined,
      steps: plan.output.steps,
      guidance: plan.output.guidance,
      seed: plan.output.seed ?? 0,
      invert: store
        ? async (inversionMethod, invertOptions) => {
            const outcome = await invertWithStore(store.inversions, compiled, inversionMethod, { ...invertOptions, userId: store.userId, imageHash: store.imageHash });
            inversionSource = outcome.source;
            return outcome.inversion;
          }
        : undefined,
      onPhase: (phase) => options.onPhase?.(index + 1, plan.steps.length, phase),
      onStep: async (progress) => options.onStep?.(index + 1, plan.steps.length, progress, await preview?.(progress)),
      signal: options.signal,
    });
    if (run.inversion && inversionSource === 'none') inversionSource = 'computed';
    inversions.push(inversionSource);
    notes.push(...(run.output.notes ?? []));
    image = run.image;
    caption = targetPrompt;
  }
  return { image, inversions, notes };
}

export async function edit(studio: Studio, prisma: PrismaClient, work: EditWork): Promise<EditOutcome> {
  const { plan } = work;
  plan.steps.forEach(methodFor);
  const loaded = await loadRgb(prisma, work.sourceImageId);
  if (!loaded) throw new EditRequestError('the image to edit no longer exists (it may have been deleted)');
  const started = performance.now();
  const run = await studio.exclusive(
    ({ diffusion }) =>
      applyPlan(diffusion, plan, loaded.image, {
        store: work.inversions ? { inversions: work.inversions, userId: work.owner.userId, imageHash: loaded.blobHash } : undefined,
        onPhase: work.onPhase,
        onStep: work.onStep,
        previews: work.previews,
        signal: work.signal,
      }),
    plan.output.model,
  );
  const saved = await saveResult(prisma, run.image, work.owner, {
    plan,
    methods: plan.steps.map((s) => s.method),
    sourceImageId: work.sourceImageId,
    parentEditId: work.parentEditId,
  });
  return { ...saved, seconds: (performance.now() - started) / 1000, inversions: run.inversions, notes: run.notes };
}
