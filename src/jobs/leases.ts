// Jobs of dead workers. pg-boss 10 has no heartbeat: it notices a dead worker only when the job's
// expiry (its timeout plus a grace period, up to 16 minutes for an edit) runs out. So workers beat
// (heartbeat.ts) and every bot and worker process looks, every `leaseCheckIntervalMs`, for jobs
// active in pg-boss whose worker has not beaten within `workerLeaseMs`. Each such job is failed
// through pg-boss (`boss.fail`, so its retry count, delay and limit apply as for any failure) and its
// row follows: back to queued when pg-boss retries it, failed when no retries are left. pg-boss's
// expiry stays as the backstop.
//
// One transaction per job, holding the row lock, so two processes can't both take a job back, and a
// worker finishing at that moment either commits first (the job is no longer running) or finds its
// attempt no longer current (records.ts's fencing).
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { admit } from './admission.ts';
import { BOSS_SCHEMA, inTransaction } from './boss.ts';
import type { JobsConfig } from './config.ts';
import { closeJob, requeueJob } from './records.ts';
import { transaction } from './transaction.ts';

export const DEAD_WORKER = 'the worker running it stopped responding';

export interface ReclaimReport {
  /** Jobs put back in the queue for another worker. */
  retried: string[];
  /** Jobs that had no retries left, failed. */
  failed: string[];
}

/** Takes back the jobs of dead workers (see above). */
export async function reclaimJobsOfDeadWorkers(pool: pg.Pool, boss: PgBoss, config: JobsConfig, logger?: Logger): Promise<ReclaimReport> {
  const report: ReclaimReport = { retried: [], failed: [] };
  const { rows } = await pool.query<{ id: string }>(
    `SELECT j.id FROM jobs j
     JOIN ${BOSS_SCHEMA}.job b ON b.name = $1 AND b.id = j.id AND b.state = 'active'
     WHERE ${orphaned('$2')}`,
    [config.queueName, config.workerLeaseMs],
  );
  for (const { id } of rows) {
    const outcome = await reclaim(pool, boss, config, id);
    if (outcome === 'retried') report.retried.push(id);
    if (outcome === 'failed') report.failed.push(id);
  }
  if (report.retried.length + report.failed.length > 0) logger?.warn(report, 'took back the jobs of dead workers');
  return report;
}

/**
 * SQL: job `j` (active in pg-boss as `b`) has no live worker. Running: its worker's heartbeat is
 * older than the lease, or gone. Queued while pg-boss has had it active for longer than the lease:
 * its worker died between taking it from pg-boss and starting it (a worker records an attempt's end
 * and tells pg-boss in one transaction, so no other queued row is active in pg-boss for long).
 */
function orphaned(leaseParam: string): string {
  return `((j.state = 'running' AND NOT EXISTS (
             SELECT 1 FROM job_workers w WHERE w.id = j.worker_id AND w.heartbeat_at > now() - ${leaseParam} * interval '1 millisecond'))
       OR (j.state = 'queued' AND b.started_on < now() - ${leaseParam} * interval '1 millisecond'))`;
}

async function reclaim(pool: pg.Pool, boss: PgBoss, config: JobsConfig, id: string): Promise<'retried' | 'failed' | 'skipped'> {
  const taken = await transaction(pool, async (client) => {
    // Checked again under the row lock: another process may have taken it back meanwhile.
    const { rows } = await client.query<{ state: string; user_id: string }>(
      `SELECT j.state, j.user_id FROM jobs j
       JOIN ${BOSS_SCHEMA}.job b ON b.name = $1 AND b.id = j.id AND b.state = 'active'
       WHERE j.id = $3 AND ${orphaned('$2')}
       FOR UPDATE OF j SKIP LOCKED`,
      [config.queueName, config.workerLeaseMs, id],
    );
    const job = rows[0];
    if (!job) return { outcome: 'skipped' as const };
    await boss.fail(config.queueName, id, { message: DEAD_WORKER }, { db: inTransaction(client) });
    const after = await client.query<{ state: string; retry_count: number }>(
      `SELECT state, retry_count FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND id = $2`,
      [config.queueName, id],
    );
    if (after.rows[0]?.state === 'retry') {
      await requeueJob(client, id, DEAD_WORKER);
      return { outcome: 'retried' as const, userId: job.user_id };
    }
    await closeJob(client, id, 'failed', `${DEAD_WORKER}, and it had been retried ${after.rows[0]?.retry_count ?? config.retryLimit} times`);
    return { outcome: 'failed' as const, userId: job.user_id };
  });
  // A job that failed for good frees its user's slot.
  if (taken.outcome === 'failed' && taken.userId) await admit(pool, boss, config, taken.userId);
  return taken.outcome;
}

/** Runs `reclaimJobsOfDeadWorkers` every `leaseCheckIntervalMs` (never two at once); returns a stop function. */
export function watchLeases(pool: pg.Pool, boss: PgBoss, config: JobsConfig, logger?: Logger): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = reclaimJobsOfDeadWorkers(pool, boss, config, logger)
      .catch((error: unknown) => logger?.error({ err: error }, 'looking for jobs of dead workers failed'))
      .finally(() => (running = undefined));
  }, config.leaseCheckIntervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
