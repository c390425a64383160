// The job handlers a worker runs: /imagine's, /edit's, /invert's and /concepts' work as queue jobs. Payloads are checked on
// the way in (a job row outlives code versions); a request the methods refuse is a result, not a
// failure, so it is neither retried nor lost: the user is told why.
import { z } from 'zod';
import type { JobContext, JobHandlers, JsonValue } from '../jobs/index.ts';
import { EditRequestError } from '../methods/index.ts';
import { INVERSION_METHODS } from '../pipeline/inversion/index.ts';
import { EditPlan } from '../plan/index.ts';
import type { PrismaClient } from '../store/database.ts';
import type { InversionStore } from '../store/inversions.ts';
import type { CheckReport } from './checked.ts';
import { edit, MethodNotAvailableError } from './edit.ts';
import { generate, type DrawingReport } from './generate.ts';
import { invertImage } from './invert.ts';
import type { Studio } from './studio.ts';
import { CONCEPT_BUILD, GUIDANCE, PROMPT_MAX_CHARS, STEPS } from '../config/limits.ts';
import { MODEL_NAME, UnknownModelError } from '../models/catalog.ts';
import { ConceptDictionaryStore, MAX_DICTIONARY_NAME, type DictionaryOwner, type DictionaryScope } from '../store/concept-dictionaries.ts';
import { buildForJob, DEFAULT_BUILD_SETTINGS, featureCounts } from './concepts.ts';
import { SharedDictionaries } from './shared-dictionaries.ts';
import { heatmapForJob, NoConceptError, type HeatmapResult } from './concept-heatmap.ts';

export type { HeatmapResult };

const Owner = z.strictObject({ userId: z.string().min(1), workspaceId: z.string().min(1) });

/** Where a chat reply waits for the result (src/chat/redeliver.ts delivers it after a restart); the studio ignores it. */
const DeliverTo = z.record(z.string(), z.string());

export const GeneratePayload = z.strictObject({ plan: EditPlan, owner: Owner, deliverTo: DeliverTo.optional() });
export type GeneratePayload = z.infer<typeof GeneratePayload>;

export const EditPayload = z.strictObject({
  plan: EditPlan,
  owner: Owner,
  sourceImageId: z.string().min(1),
  parentEditId: z.string().min(1).optional(),
  deliverTo: DeliverTo.optional(),
});
export type EditPayload = z.infer<typeof EditPayload>;

export const InvertPayload = z.strictObject({
  owner: Owner,
  imageId: z.string().min(1),
  method: z.enum(INVERSION_METHODS),
  caption: z.string().max(PROMPT_MAX_CHARS),
  steps: z.number().int().min(STEPS.min).max(STEPS.max),
  guidance: z.number().min(GUIDANCE.min).max(GUIDANCE.max),
  model: z.string().regex(MODEL_NAME).optional(),
  deliverTo: DeliverTo.optional(),
});
export type InvertPayload = z.infer<typeof InvertPayload>;

const within = (limits: { min: number; max: number }) => z.number().int().min(limits.min).max(limits.max);

/** A 'train' job that builds a concept dictionary of the model, owned by the model (shared), the job's workspace or its user. */
export const ConceptBuildPayload = z.strictObject({
  task: z.literal('concepts.build'),
  model: z.string().regex(MODEL_NAME).optional(),
  prompts: within(CONCEPT_BUILD.prompts),
  seed: within(CONCEPT_BUILD.seed),
  steps: within(CONCEPT_BUILD.steps),
  epochs: within(CONCEPT_BUILD.epochs).optional(),
  scope: z.enum(['model', 'workspace', 'user']),
  name: z.string().trim().min(1).max(MAX_DICTIONARY_NAME),
  deliverTo: DeliverTo.optional(),
});
export type ConceptBuildPayload = z.infer<typeof ConceptBuildPayload>;

/** A 'train' job that draws where the features with a word fire on a stored image (its owner's own dictionaries searched too). */
export const ConceptHeatmapPayload = z.strictObject({
  task: z.literal('concepts.heatmap'),
  model: z.string().regex(MODEL_NAME).optional(),
  owner: Owner,
  imageId: z.string().min(1),
  word: z.string().trim().min(1).max(PROMPT_MAX_CHARS),
  /** The conditional branch's prompt ('' = the empty prompt). */
  caption: z.string().max(PROMPT_MAX_CHARS),
  deliverTo: DeliverTo.optional(),
});
export type ConceptHeatmapPayload = z.infer<typeof ConceptHeatmapPayload>;

/** A 'train' job: a concept dictionary's build, or a heat map drawn with one. */
export const TrainPayload = z.discriminatedUnion('task', [ConceptBuildPayload, ConceptHeatmapPayload]);
export type TrainPayload = z.infer<typeof TrainPayload>;

/** What a 'train' job returns. */
export type TrainResult =
  | {
      kind: 'dictionary';
      dictionaryId: string;
      name: string;
      scope: DictionaryScope;
      model: string;
      modelHash: string;
      sites: number;
      /** Features with a stored meaning, and those of them with words. */
      features: number;
      labelled: number;
      /** The model's pictures were read back for words; without, features have only intensities and top images. */
      readBack: boolean;
      seconds: number;
    }
  | HeatmapResult
  | { kind: 'refused'; reason: string };

/** What an invert job returns. */
export type InvertResult =
  | {
      kind: 'inversion';
      method: string;
      /** dB; null when the regeneration is pixel-identical (infinite). */
      psnr: number | null;
      vaePsnr: number | null;
      reused: boolean;
      bytes: number | null;
      notStored: string | null;
      seconds: number;
      notes: string[];
    }
  | { kind: 'refused'; reason: string };

/** What an edit or generate job returns. */
export type StudioResult =
  | { kind: 'image'; imageId: string; editId: string; seconds: number; seed?: number; notes: string[]; inversionReused?: boolean; check?: CheckReport; drawing?: DrawingReport }
  | { kind: 'refused'; reason: string };

/** `dataDir`: where concept dictionary builds keep their work (under `concepts/`). */
export function studioHandlers(options: { studio: Studio; prisma: PrismaClient; inversions?: InversionStore; dataDir: string }): JobHandlers {
  const { studio, prisma, inversions, dataDir } = options;
  const concepts = new ConceptDictionaryStore(prisma);
  const shared = new SharedDictionaries(concepts);
  const progressOf = (context: JobContext) => ({ step, total }: { step: number; total: number }, preview?: string) => context.progress(step / total, preview);
  return {
    async generate(payload, context) {
      const work = GeneratePayload.parse(payload);
      let outcome: Awaited<ReturnType<typeof generate>>;
      try {
        outcome = await generate(studio, prisma, { ...work, onStep: progressOf(context), previews: true, signal: context.signal, concepts: (modelHash) => shared.get(modelHash) });
      } catch (error) {
        if (error instanceof EditRequestError || error instanceof UnknownModelError) return result({ kind: 'refused', reason: error.message });
        throw error;
      }
      const notes = outcome.truncated ? ['the prompt was longer than the model reads and was cut'] : [];
      return result({ kind: 'image', imageId: outcome.imageId, editId: outcome.editId, seconds: outcome.seconds, seed: outcome.seed, notes, ...(outcome.check ? { drawing: outcome.check } : {}) });
    },
    async edit(payload, context) {
      const work = EditPayload.parse(payload);
      const steps = work.plan.steps.length;
      try {
        const outcome = await edit(studio, prisma, {
          ...work,
          inversions,
          concepts: (modelHash) => shared.get(modelHash),
          onStep: (step, _steps, progress, preview) => context.progress((step - 1 + progress.step / progress.total) / steps, preview),
          previews: true,
          signal: context.signal,
        });
        return result({ kind: 'image', imageId: outcome.imageId, editId: outcome.editId, seconds: outcome.seconds, notes: outcome.notes, inversionReused: outcome.inversions.includes('stored'), ...(outcome.report ? { check: outcome.report } : {}) });
      } catch (error) {
        if (error instanceof EditRequestError || error instanceof MethodNotAvailableError || error instanceof UnknownModelError) return result({ kind: 'refused', reason: error.message });
        throw error;
      }
    },
    async invert(payload, context) {
      const work = InvertPayload.parse(payload);
      if (!inversions) return json({ kind: 'refused', reason: 'this worker keeps no inversions, so there is nowhere to store one' });
      try {
        const outcome = await invertImage(studio, prisma, { ...work, inversions, onProgress: (fraction) => context.progress(fraction), signal: context.signal });
        const finite = (value: number) => (Number.isFinite(value) ? value : null);
        return json({
          kind: 'inversion',
          method: work.method,
          psnr: finite(outcome.psnr),
          vaePsnr: finite(outcome.vaePsnr),
          reused: outcome.reused,
          bytes: outcome.bytes ?? null,
          notStored: outcome.notStored ?? null,
          seconds: outcome.seconds,
          notes: outcome.notes,
        });
      } catch (error) {
        if (error instanceof EditRequestError || error instanceof RangeError || error instanceof UnknownModelError) return json({ kind: 'refused', reason: error.message });
        throw error;
      }
    },
    async train(payload, context) {
      const task = TrainPayload.parse(payload);
      if (task.task === 'concepts.heatmap') {
        try {
          return trainResult(await heatmapForJob(studio, prisma, concepts, task));
        } catch (error) {
          if (error instanceof NoConceptError || error instanceof UnknownModelError) return trainResult({ kind: 'refused', reason: error.message });
          throw error;
        }
      }
      const work = task;
      const owner: DictionaryOwner | undefined =
        work.scope === 'model' ? { scope: 'model' }
        : work.scope === 'user' ? { scope: 'user', userId: context.userId }
        : context.workspaceId ? { scope: 'workspace', workspaceId: context.workspaceId }
        : undefined;
      if (!owner) return trainResult({ kind: 'refused', reason: 'a workspace dictionary needs a job submitted from a workspace, and this one names none' });
      try {
        const built = await buildForJob(studio, concepts, {
          model: work.model, name: work.name, owner, prompts: work.prompts, seed: work.seed, steps: work.steps, epochs: work.epochs ?? DEFAULT_BUILD_SETTINGS.epochs,
          dataDir, onProgress: (fraction) => context.progress(fraction), signal: context.signal,
        });
        return trainResult({
          kind: 'dictionary', dictionaryId: built.id, name: built.dictionary.name, scope: owner.scope, model: built.modelName, modelHash: built.dictionary.modelHash,
          sites: built.dictionary.sites.length, ...featureCounts(built.dictionary), readBack: built.readBack, seconds: built.seconds,
        });
      } catch (error) {
        if (error instanceof UnknownModelError) return trainResult({ kind: 'refused', reason: error.message });
        throw error;
      }
    },
  };
}

function trainResult(value: TrainResult): JsonValue {
  return value as unknown as JsonValue;
}

function result(value: StudioResult): JsonValue {
  return value as unknown as JsonValue;
}

function json(value: InvertResult): JsonValue {
  return value as unknown as JsonValue;
}
