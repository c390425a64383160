// The shapes shared by the queue client, the workers and the maintenance tasks.
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const JOB_KINDS = ['generate', 'edit', 'invert', 'train'] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobRecord {
  id: string;
  kind: JobKind;
  state: JobState;
  userId: string;
  workspaceId: string | null;
  idempotencyKey: string;
  payload: JsonValue;
  /** The handler's result, once the job succeeded. */
  result: JsonValue | null;
  error: string | null;
  progress: number;
  attempts: number;
  workerId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** When a bot claimed the result for delivery (claimDelivery); null until then. */
  deliveredAt: Date | null;
}

export interface JobContext {
  /** Fires on cancellation, timeout or worker shutdown; the handler should stop within one step. */
  signal: AbortSignal;
  /** Reports progress in [0, 1]; throttled, the last report always goes out. `preview` should be small (a thumbnail data URL or a blob reference). */
  progress(fraction: number, preview?: string): void;
  jobId: string;
  userId: string;
  workspaceId: string | null;
  attempt: number;
}

export type JobHandler = (payload: JsonValue, context: JobContext) => Promise<JsonValue>;
export type JobHandlers = Partial<Record<JobKind, JobHandler>>;

/** What the bot hears about a job, on the events channel. */
export type JobEvent =
  | { type: 'started'; jobId: string; userId: string; attempt: number; workerId: string }
  | { type: 'progress'; jobId: string; userId: string; fraction: number; preview?: string }
  | { type: 'retrying'; jobId: string; userId: string; error: string }
  | { type: 'succeeded'; jobId: string; userId: string }
  | { type: 'failed'; jobId: string; userId: string; error: string }
  | { type: 'cancelled'; jobId: string; userId: string };

/** Per-workspace limits; a workspace's `settings.jobs` overrides the configured defaults field by field. */
export interface JobLimits {
  /** Jobs of one user running or waiting in the shared queue at once. */
  maxConcurrentPerUser: number;
  /** Jobs one user may submit per UTC day (cancelled and failed ones don't count). */
  dailyQuotaPerUser: number;
}

export class QuotaExceededError extends Error {
  override name = 'QuotaExceededError';
  constructor(readonly limit: number) {
    super(`daily job quota of ${limit} reached; it resets at midnight UTC`);
  }
}
