// Health and metrics from the `jobs` table: depth, latency percentiles, worker utilisation.
import { dispatchedSql } from './admission.ts';
import type { JobsConfig } from './config.ts';
import type { Queryable } from './notify.ts';
import type { JobKind } from './types.ts';

export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export interface JobsHealth {
  /** Jobs not finished: held (waiting for a free slot of their user), waiting in pg-boss, running. */
  depth: { held: number; waiting: number; running: number; byKind: Partial<Record<JobKind, number>> };
  oldestQueuedMs: number | null;
  /** Over jobs finished within `windowMs`: submit → start of the last attempt, start → finish, submit → finish. */
  latencyMs: { wait: Percentiles; run: Percentiles; total: Percentiles };
  windowMs: number;
  finished: { succeeded: number; failed: number; cancelled: number };
  /**
   * `alive`: workers whose heartbeat is within the lease now. `active`: workers that ran something
   * within the window, and the share of their time spent running jobs.
   */
  workers: { alive: number; active: number; utilisation: number | null };
}

const percentiles = (expr: string) =>
  `percentile_cont(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM ${expr}) * 1000)`;

function toPercentiles(values: number[] | null): Percentiles {
  const [p50, p90, p99] = values ?? [];
  return { p50: p50 ?? null, p90: p90 ?? null, p99: p99 ?? null };
}

export async function jobsHealth(db: Queryable, config: JobsConfig, windowMs = 3_600_000): Promise<JobsHealth> {
  const depth = await db.query<{ kind: JobKind; state: string; dispatched: boolean; n: number; oldest: Date }>(
    `SELECT j.kind, j.state, ${dispatchedSql('$1')} AS dispatched, count(*)::int AS n, min(j.created_at) AS oldest
     FROM jobs j WHERE j.state IN ('queued', 'running') GROUP BY 1, 2, 3`,
    [config.queueName],
  );
  const latency = await db.query<{ wait: number[] | null; run: number[] | null; total: number[] | null; succeeded: number; failed: number; cancelled: number }>(
    `SELECT ${percentiles('started_at - created_at')} FILTER (WHERE state = 'succeeded') AS wait,
            ${percentiles('finished_at - started_at')} FILTER (WHERE state = 'succeeded') AS run,
            ${percentiles('finished_at - created_at')} FILTER (WHERE state = 'succeeded') AS total,
            count(*) FILTER (WHERE state = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE state = 'failed')::int AS failed,
            count(*) FILTER (WHERE state = 'cancelled')::int AS cancelled
     FROM jobs WHERE finished_at > now() - $1 * interval '1 millisecond'`,
    [windowMs],
  );
  // Busy time within the window, running jobs included up to now.
  const busy = await db.query<{ workers: number; busy_ms: number }>(
    `SELECT count(DISTINCT worker_id)::int AS workers,
            COALESCE(sum(extract(epoch FROM COALESCE(finished_at, now()) - GREATEST(started_at, now() - $1 * interval '1 millisecond'))), 0)::float8 * 1000 AS busy_ms
     FROM jobs WHERE worker_id IS NOT NULL AND started_at IS NOT NULL
       AND (state = 'running' OR finished_at > now() - $1 * interval '1 millisecond')`,
    [windowMs],
  );
  const alive = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM job_workers WHERE heartbeat_at > now() - $1 * interval '1 millisecond'`,
    [config.workerLeaseMs],
  );
  const result: JobsHealth['depth'] = { held: 0, waiting: 0, running: 0, byKind: {} };
  let oldest: Date | null = null;
  for (const row of depth.rows) {
    if (row.state === 'running') result.running += row.n;
    else if (row.dispatched) result.waiting += row.n;
    else result.held += row.n;
    result.byKind[row.kind] = (result.byKind[row.kind] ?? 0) + row.n;
    if (row.state === 'queued' && (!oldest || row.oldest < oldest)) oldest = row.oldest;
  }
  const l = latency.rows[0]!;
  const b = busy.rows[0]!;
  return {
    depth: result,
    oldestQueuedMs: oldest ? Math.max(0, Date.now() - oldest.getTime()) : null,
    latencyMs: { wait: toPercentiles(l.wait), run: toPercentiles(l.run), total: toPercentiles(l.total) },
    windowMs,
    finished: { succeeded: l.succeeded, failed: l.failed, cancelled: l.cancelled },
    workers: { alive: alive.rows[0]?.n ?? 0, active: b.workers, utilisation: b.workers > 0 ? Math.min(1, b.busy_ms / (b.workers * windowMs)) : null },
  };
}
