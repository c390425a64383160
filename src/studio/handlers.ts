// The job handlers a worker runs: /imagine's, /edit's and /invert's work as queue jobs. Payloads are checked on
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
import { GUIDANCE, PROMPT_MAX_CHARS, STEPS } from '../config/limits.ts';
import { MODEL_NAME, UnknownModelError } from '../models/catalog.ts';

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

export function studioHandlers(options: { studio: Studio; prisma: PrismaClient; inversions?: InversionStore }): JobHandlers {
  const { studio, prisma, inversions } = options;
  const progressOf = (context: JobContext) => ({ step, total }: { step: number; total: number }, preview?: string) => context.progress(step / total, preview);
  return {
    async generate(payload, context) {
      const work = GeneratePayload.parse(payload);
      let outcome: Awaited<ReturnType<typeof generate>>;
      try {
        outcome = await generate(studio, prisma, { ...work, onStep: progressOf(context), previews: true, signal: context.signal });
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
  };
}

function result(value: StudioResult): JsonValue {
  return value as unknown as JsonValue;
}

function json(value: InvertResult): JsonValue {
  return value as unknown as JsonValue;
}
