// Results that finished while no bot process was following them (it crashed or was restarted
// mid-job): a starting adapter finds the jobs whose reply lives on its platform, claims each one
// (exactly once, whichever process gets there first) and puts the result into that reply.
import type { JobQueue, JobRecord } from '../jobs/index.ts';
import type { Logger } from '../log.ts';
import { parsePlan } from '../plan/schema.ts';
import type { InvertPayload, InvertResult, StudioResult } from '../studio/handlers.ts';
import { inversionHeading, inversionText } from './inversion-reply.ts';
import type { Platform, Reply, ReplyAddress } from './messages.ts';
import { drawingReply, editReply } from './results/run.ts';

const LEAD = 'This finished while I was restarting:';

export interface RedeliverOptions {
  jobs: JobQueue;
  platform: Platform;
  logger: Logger;
  /** Shows `reply` in the message at `address` (the adapter's own kind of address). */
  deliver(address: ReplyAddress, reply: Reply): Promise<void>;
}

/** Delivers every finished, undelivered job whose reply is on `platform`; returns how many. */
export async function redeliver({ jobs, platform, logger, deliver }: RedeliverOptions): Promise<number> {
  let delivered = 0;
  for (const job of await jobs.undelivered({ limit: 200 })) {
    const address = addressOf(job);
    if (address?.platform !== platform) continue;
    const claimed = await jobs.claimDelivery(job.id);
    if (!claimed) continue;
    try {
      await deliver(address, finalReply(claimed));
      delivered++;
    } catch (error) {
      logger.error({ err: error, jobId: job.id }, 'could not deliver a result after a restart');
    }
  }
  if (delivered > 0) logger.info({ platform, delivered }, 'delivered results that finished while the bot was down');
  return delivered;
}

function addressOf(job: JobRecord): ReplyAddress | undefined {
  const payload = job.payload as { deliverTo?: unknown } | null;
  const address = payload?.deliverTo;
  if (typeof address !== 'object' || address === null || Array.isArray(address)) return undefined;
  if (!Object.values(address).every((v) => typeof v === 'string')) return undefined;
  return address as ReplyAddress;
}

/** What the follower would have shown at the end: the result with its buttons, or why there is none. */
function finalReply(job: JobRecord): Reply {
  if (job.state === 'cancelled') return { text: `${LEAD} it was cancelled.` };
  if (job.state !== 'succeeded') return { text: `${LEAD} it failed because of an error on my side; it has been logged. Please try again.` };
  const result = job.result as unknown as StudioResult | InvertResult;
  if (result.kind === 'refused') return { text: `${LEAD} I can't do this: ${result.reason}.` };
  if (result.kind === 'inversion') {
    const payload = job.payload as unknown as InvertPayload;
    return { text: inversionText(`${LEAD}\n${inversionHeading(payload)}`, result), images: [{ imageId: payload.imageId, alt: 'the inverted image' }] };
  }
  const payload = job.payload as { plan?: unknown; sourceImageId?: string };
  const plan = parsePlan(payload.plan);
  return job.kind === 'edit' && payload.sourceImageId ? editReply(plan, payload.sourceImageId, result, LEAD) : drawingReply(plan, result, LEAD);
}
