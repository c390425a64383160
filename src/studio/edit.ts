// /edit's work: an EditPlan on a stored image, framed to the model's size and back, run step after
// step (checked by reading the result back where the model has a read-back), the result stored.
import type { ConceptDictionary } from '../models/sae/dictionary.ts';
import { EditRequestError } from '../methods/index.ts';
import type { EditPlan } from '../plan/index.ts';
import { frameForModel } from '../pipeline/model-size.ts';
import { hasReader } from '../reading/index.ts';
import type { PrismaClient } from '../store/database.ts';
import type { InversionStore } from '../store/inversions.ts';
import { applyPlanChecked, type CheckReport } from './checked.ts';
import { applyPlan, methodFor, type PlanRun, type PlanRunOptions } from './plan-run.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import type { RgbImage } from '../support/image.ts';
import { loadRgb, saveResult, type Owner, type SavedResult } from './results.ts';
import type { Studio } from './studio.ts';

export { MethodNotAvailableError } from './plan-run.ts';

export interface EditWork extends Pick<PlanRunOptions, 'onPhase' | 'onStep' | 'previews' | 'signal'> {
  plan: EditPlan;
  sourceImageId: string;
  /** The edit that made the source image, when the bot made it (the new edit's parent). */
  parentEditId?: string;
  owner: Owner;
  inversions?: InversionStore;
  /** The model's ready shared concept dictionary, if any (for the methods that steer with one). */
  concepts?: (modelHash: string) => Promise<ConceptDictionary | undefined>;
}

export interface EditOutcome extends SavedResult {
  seconds: number;
  /** What the read-back found, on a model that has one. */
  report?: CheckReport;
  /** Per plan step: whether its inversion came from the store. */
  inversions: ('stored' | 'computed' | 'none')[];
  notes: string[];
}

export interface PictureRun extends PlanRun {
  report?: CheckReport;
}

/**
 * Runs a plan on a picture of any size as a chat reply does: framed to the model's size, checked by
 * reading each step back where the model has a read-back (`modelName`), returned at the picture's
 * own size. No database: /edit's job stores the result, the CLI writes it, the evals score it.
 */
export async function runOnPicture(diffusion: (options: { hooks: boolean }) => Diffusion, plan: EditPlan, picture: RgbImage, modelName: string, options: PlanRunOptions = {}): Promise<PictureRun> {
  const { width, height } = diffusion({ hooks: false });
  const frame = await frameForModel(picture, width, height);
  const run: PictureRun = hasReader(modelName) ? await applyPlanChecked(diffusion, plan, frame.image, options, frame.restore) : await applyPlan(diffusion, plan, frame.image, options);
  if (frame.image === picture) return run;
  return { ...run, image: await frame.restore(run.image), notes: [...run.notes, `edited at the model's ${width}×${height} and put back into your ${picture.width}×${picture.height} picture`] };
}

export async function edit(studio: Studio, prisma: PrismaClient, work: EditWork): Promise<EditOutcome> {
  const { plan } = work;
  plan.steps.forEach(methodFor);
  const loaded = await loadRgb(prisma, work.sourceImageId);
  if (!loaded) throw new EditRequestError('the image to edit no longer exists (it may have been deleted)');
  const started = performance.now();
  const run = await studio.exclusive(
    ({ diffusion }) =>
      runOnPicture(diffusion, plan, loaded.image, plan.output.model ?? studio.catalog.defaultName, {
        store: work.inversions ? { inversions: work.inversions, userId: work.owner.userId, imageHash: loaded.blobHash } : undefined,
        onPhase: work.onPhase,
        onStep: work.onStep,
        previews: work.previews,
        concepts: async () => work.concepts?.(diffusion({ hooks: false }).model.hash),
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
  return { ...saved, seconds: (performance.now() - started) / 1000, inversions: run.inversions, notes: run.notes, ...(run.report ? { report: run.report } : {}) };
}
