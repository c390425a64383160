// Per-workspace limits (defaults from config, overridden by `workspaces.settings.jobs`), the daily
// quota, and recent usage, which sets the priority of a user's next job.
import type { JobsConfig } from './config.ts';
import type { Queryable } from './notify.ts';
import { QuotaExceededError, type JobLimits } from './types.ts';

export async function limitsFor(db: Queryable, workspaceId: string | null, config: JobsConfig): Promise<JobLimits> {
  const limits = { ...config.limits };
  if (!workspaceId) return limits;
  const { rows } = await db.query<{ jobs: Record<string, unknown> | null }>(
    `SELECT settings->'jobs' AS jobs FROM workspaces WHERE id = $1`,
    [workspaceId],
  );
  const overrides = rows[0]?.jobs;
  if (overrides && typeof overrides === 'object') {
    for (const key of ['maxConcurrentPerUser', 'dailyQuotaPerUser'] as const) {
      const value = overrides[key];
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) limits[key] = value;
    }
  }
  return limits;
}

/** Throws QuotaExceededError when the user has used up today's (UTC) quota in this workspace. */
export async function assertQuota(db: Queryable, userId: string, workspaceId: string | null, limits: JobLimits): Promise<void> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM jobs
     WHERE user_id = $1 AND workspace_id IS NOT DISTINCT FROM $2::uuid
       AND created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
       AND state NOT IN ('failed', 'cancelled')`,
    [userId, workspaceId],
  );
  if ((rows[0]?.n ?? 0) >= limits.dailyQuotaPerUser) throw new QuotaExceededError(limits.dailyQuotaPerUser);
}

/**
 * pg-boss priority (higher runs first) for the user's next job: minus the compute time they used
 * within the usage window, in quanta. Users who used little recently go ahead; equal ones go in
 * admission order.
 */
export async function usagePriority(db: Queryable, userId: string, config: JobsConfig): Promise<number> {
  const { rows } = await db.query<{ ms: number }>(
    `SELECT COALESCE(sum(extract(epoch FROM finished_at - GREATEST(started_at, now() - $2 * interval '1 millisecond'))), 0)::float8 * 1000 AS ms
     FROM jobs WHERE user_id = $1 AND started_at IS NOT NULL AND finished_at > now() - $2 * interval '1 millisecond'`,
    [userId, config.usageWindowMs],
  );
  return -Math.min(Math.floor((rows[0]?.ms ?? 0) / config.usageQuantumMs), 1_000_000);
}
