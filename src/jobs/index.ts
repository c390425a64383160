// The job system: a fair queue on Postgres (pg-boss), workers, progress events, cancellation,
// quotas, maintenance and health. See README.md.
export { DEFAULT_JOBS_CONFIG, jobsConfig, jobsConfigFromEnv, jobsEnvSchema, type JobsConfig } from './config.ts';
export { JobQueue, type JobEventListener, type JobQueueOptions } from './queue.ts';
export { startWorker, JobCancelledError, JobTimeoutError, type Worker, type WorkerOptions, type WorkerStats } from './worker.ts';
export { DEAD_WORKER } from './leases.ts';
export { reap, startMaintenance, type MaintenanceHook, type ReapReport } from './maintenance.ts';
export type { JobsHealth, Percentiles } from './metrics.ts';
export type { QueuePosition } from './position.ts';
export type { NewJob } from './records.ts';
export {
  JOB_KINDS,
  QuotaExceededError,
  type JobContext,
  type JobEvent,
  type JobHandler,
  type JobHandlers,
  type JobKind,
  type JobLimits,
  type JobRecord,
  type JobState,
  type JsonValue,
} from './types.ts';
