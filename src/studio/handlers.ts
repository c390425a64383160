// The job handlers a worker runs: /imagine's and /edit's work as queue jobs. Payloads are checked on
// the way in (a job row outlives code versions); a request the methods refuse is a result, not a
// failure, so it is neither retried nor lost: the user is told why.
import { z } from 'zod';
import type { JobContext, JobHandlers, JsonValue } from '../jobs/index.ts';
import { EditRequestError } from '../methods/index.ts';
import { EditPlan } from '../plan/index.ts';
import type { PrismaClient } from '../store/database.ts';
import type { InversionStore } from '../store/inversions.ts';
import { edit, MethodNotAvailableError } from './edit.ts';
import { generate } from './generate.ts';
import type { Studio } from './studio.ts';

const Owner = z.strictObject({ userId: z.string().min(1), workspaceId: z.string().min(1) });

export const GeneratePayload = z.strictObject({ plan: EditPlan, owner: Owner });
export type GeneratePayload = z.infer<typeof GeneratePayload>;

export const EditPayload = z.strictObject({
  plan: EditPlan,
  owner: Owner,
  sourceImageId: z.string().min(1),
  parentEditId: z.string().min(1).optional(),
});
export type EditPayload = z.infer<typeof EditPayload>;

/** What an edit or generate job returns. */
export type StudioResult =
  | { kind: 'image'; imageId: string; editId: string; seconds: number; seed?: number; notes: string[]; inversionReused?: boolean }
  | { kind: 'refused'; reason: string };

export function studioHandlers(options: { studio: Studio; prisma: PrismaClient; inversions?: InversionStore }): JobHandlers {
  const { studio, prisma, inversions } = options;
  const progressOf = (context: JobContext) => ({ step, total }: { step: number; total: number }) => context.progress(step / total);
  return {
    async generate(payload, context) {
      const work = GeneratePayload.parse(payload);
      const outcome = await generate(studio, prisma, { ...work, onStep: progressOf(context), signal: context.signal });
      const notes = outcome.truncated ? ['the prompt was longer than the model reads and was cut'] : [];
      return result({ kind: 'image', imageId: outcome.imageId, editId: outcome.editId, seconds: outcome.seconds, seed: outcome.seed, notes });
    },
    async edit(payload, context) {
      const work = EditPayload.parse(payload);
      const steps = work.plan.steps.length;
      try {
        const outcome = await edit(studio, prisma, {
          ...work,
          inversions,
          onStep: (step, _steps, progress) => context.progress((step - 1 + progress.step / progress.total) / steps),
          signal: context.signal,
        });
        return result({ kind: 'image', imageId: outcome.imageId, editId: outcome.editId, seconds: outcome.seconds, notes: outcome.notes, inversionReused: outcome.inversions.includes('stored') });
      } catch (error) {
        if (error instanceof EditRequestError || error instanceof MethodNotAvailableError) return result({ kind: 'refused', reason: error.message });
        throw error;
      }
    },
  };
}

function result(value: StudioResult): JsonValue {
  return value as unknown as JsonValue;
}
