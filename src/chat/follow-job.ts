// A conversation's side of a queued job: submit it, say where it is in the queue, show its progress,
// and take its outcome for delivery exactly once (another bot process may be following it too).
import type { JobEvent, JobQueue, JobRecord, JsonValue, NewJob } from '../jobs/index.ts';

export interface FollowHandlers {
  /** The job exists (its id is what a cancel button names). */
  onSubmitted?: (job: JobRecord) => void | Promise<void>;
  onQueued?: (position: number | undefined) => void | Promise<void>;
  onStarted?: () => void;
  /** `preview`: a data URL of a small picture of the work so far, when the worker made one. */
  onProgress?: (fraction: number, preview?: string) => void;
  /** The attempt ended without a result (its worker died, or it failed) and the job waits for another. */
  onRetrying?: (error: string) => void;
}

export type FollowOutcome =
  | { state: 'succeeded'; result: JsonValue; job: JobRecord }
  | { state: 'failed'; error: string; job: JobRecord }
  | { state: 'cancelled'; job: JobRecord }
  /** Someone else delivered it (a retried message, another bot process). */
  | { state: 'delivered-elsewhere'; job: JobRecord };

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 5_000;

/**
 * Jobs a reply of this process follows. The deliveries module leaves them alone: their follower
 * delivers them (it only takes over jobs whose follower is gone, e.g. after a restart).
 */
const followedHere = new Set<string>();

export function isFollowedHere(jobId: string): boolean {
  return followedHere.has(jobId);
}

export async function submitAndFollow(queue: JobQueue, job: NewJob, handlers: FollowHandlers = {}): Promise<FollowOutcome> {
  const { job: record } = await queue.submit(job);
  await handlers.onSubmitted?.(record);
  return follow(queue, record, handlers);
}

/** Follows a job already submitted until it ends, then claims its outcome for delivery (see FollowOutcome). */
export async function follow(queue: JobQueue, record: JobRecord, handlers: Omit<FollowHandlers, 'onSubmitted'> = {}): Promise<FollowOutcome> {
  followedHere.add(record.id);
  try {
    await untilFinished(queue, record, handlers);
    const claimed = await queue.claimDelivery(record.id);
    const final = claimed ?? (await queue.get(record.id)) ?? record;
    if (!claimed) return { state: 'delivered-elsewhere', job: final };
    if (final.state === 'succeeded') return { state: 'succeeded', result: final.result, job: final };
    if (final.state === 'cancelled') return { state: 'cancelled', job: final };
    return { state: 'failed', error: final.error ?? 'unknown error', job: final };
  } finally {
    followedHere.delete(record.id);
  }
}

async function untilFinished(queue: JobQueue, record: JobRecord, handlers: Omit<FollowHandlers, 'onSubmitted'>): Promise<void> {
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const unsubscribe = queue.subscribe(
    (event: JobEvent) => {
      if (event.type === 'started') handlers.onStarted?.();
      else if (event.type === 'progress') handlers.onProgress?.(event.fraction, event.preview);
      else if (event.type === 'retrying') handlers.onRetrying?.(event.error);
      else if (TERMINAL.has(event.type)) settle();
    },
    { jobId: record.id },
  );
  try {
    const position = await queue.queuePosition(record.id);
    await handlers.onQueued?.(position.state === 'queued' ? position.position : undefined);
    // The job may have finished before we listened (or while the event connection was down).
    const current = await queue.get(record.id);
    if (!current || !TERMINAL.has(current.state)) {
      // Events can be missed while the listening connection reconnects: look now and then.
      const poll = setInterval(() => {
        queue.get(record.id).then((job) => job && TERMINAL.has(job.state) && settle(), () => undefined);
      }, POLL_MS);
      await finished.finally(() => clearInterval(poll));
    }
  } finally {
    unsubscribe();
  }
}
