// The job system's settings: defaults, and the environment variables that override them.
import { z } from 'zod';
import type { JobKind, JobLimits } from './types.ts';

export interface JobsConfig {
  /** The pg-boss queue every job goes through (one queue, so one fair order across kinds). */
  queueName: string;
  /** Defaults for every workspace; `workspaces.settings.jobs` overrides them per workspace. */
  limits: JobLimits;
  /** A running job is aborted after this long; pg-boss expires it (and retries it elsewhere) a grace period later. */
  timeoutMs: Record<JobKind, number>;
  /** Extra time past the timeout before pg-boss treats a job's worker as dead. */
  expiryGraceMs: number;
  /** Retries after a failure, a timeout or a dead worker. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** Minimum interval between progress events of one job (the last one always goes out). */
  progressIntervalMs: number;
  /** Idle workers also look for work this often, in case a wake-up notification was missed. */
  pollIntervalMs: number;
  /** Recent usage, for fair ordering: compute time a user used within this window... */
  usageWindowMs: number;
  /** ...in steps of this much lowers the priority of their next admitted job by one. */
  usageQuantumMs: number;
  /** How often pg-boss checks for expired jobs (its maintenance); minimum 1 s. */
  bossMaintenanceSeconds: number;
  /** How often a worker records that it is alive (from a thread of its own, so a busy job can't delay it). */
  heartbeatIntervalMs: number;
  /** A worker not heard from for this long is dead: its running job is retried (or failed after its retries). */
  workerLeaseMs: number;
  /** How often every bot and worker process looks for jobs of dead workers. */
  leaseCheckIntervalMs: number;
  /** node-cron expression of our maintenance (reconcile stuck jobs, admit held ones, hooks). */
  maintenanceSchedule: string;
}

const MINUTE = 60_000;

export const DEFAULT_JOBS_CONFIG: JobsConfig = {
  queueName: 'retouch-jobs',
  limits: { maxConcurrentPerUser: 2, dailyQuotaPerUser: 200 },
  timeoutMs: { generate: 10 * MINUTE, edit: 15 * MINUTE, invert: 15 * MINUTE, train: 120 * MINUTE },
  expiryGraceMs: 30_000,
  retryLimit: 2,
  retryDelaySeconds: 5,
  progressIntervalMs: 1_000,
  pollIntervalMs: 2_000,
  usageWindowMs: 60 * MINUTE,
  usageQuantumMs: MINUTE,
  bossMaintenanceSeconds: 30,
  heartbeatIntervalMs: 2_000,
  workerLeaseMs: 10_000,
  leaseCheckIntervalMs: 2_000,
  maintenanceSchedule: '* * * * *',
};

export function jobsConfig(overrides: Partial<JobsConfig> = {}): JobsConfig {
  return {
    ...DEFAULT_JOBS_CONFIG,
    ...overrides,
    limits: { ...DEFAULT_JOBS_CONFIG.limits, ...overrides.limits },
    timeoutMs: { ...DEFAULT_JOBS_CONFIG.timeoutMs, ...overrides.timeoutMs },
  };
}

const count = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();

/** The variables (to be merged into src/config/env.ts's schema). */
export const jobsEnvSchema = z.object({
  RETOUCH_JOBS_MAX_CONCURRENT_PER_USER: count(1, 1000),
  RETOUCH_JOBS_DAILY_QUOTA: count(0, 1_000_000),
  RETOUCH_JOBS_TIMEOUT_S: count(1, 24 * 3600),
  RETOUCH_JOBS_TRAIN_TIMEOUT_S: count(1, 7 * 24 * 3600),
  RETOUCH_JOBS_RETRIES: count(0, 20),
  RETOUCH_JOBS_PROGRESS_INTERVAL_MS: count(0, 600_000),
  RETOUCH_JOBS_MAINTENANCE_CRON: z.string().trim().min(1).optional(),
});

/** Config from environment variables; throws a ZodError naming a bad one. */
export function jobsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): JobsConfig {
  const e = jobsEnvSchema.parse(env);
  const base = DEFAULT_JOBS_CONFIG;
  const interactive = e.RETOUCH_JOBS_TIMEOUT_S !== undefined ? e.RETOUCH_JOBS_TIMEOUT_S * 1000 : undefined;
  return jobsConfig({
    limits: {
      maxConcurrentPerUser: e.RETOUCH_JOBS_MAX_CONCURRENT_PER_USER ?? base.limits.maxConcurrentPerUser,
      dailyQuotaPerUser: e.RETOUCH_JOBS_DAILY_QUOTA ?? base.limits.dailyQuotaPerUser,
    },
    timeoutMs: {
      generate: interactive ?? base.timeoutMs.generate,
      edit: interactive ?? base.timeoutMs.edit,
      invert: interactive ?? base.timeoutMs.invert,
      train: e.RETOUCH_JOBS_TRAIN_TIMEOUT_S !== undefined ? e.RETOUCH_JOBS_TRAIN_TIMEOUT_S * 1000 : base.timeoutMs.train,
    },
    retryLimit: e.RETOUCH_JOBS_RETRIES ?? base.retryLimit,
    progressIntervalMs: e.RETOUCH_JOBS_PROGRESS_INTERVAL_MS ?? base.progressIntervalMs,
    maintenanceSchedule: e.RETOUCH_JOBS_MAINTENANCE_CRON ?? base.maintenanceSchedule,
  });
}
