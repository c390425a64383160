// Scheduled maintenance (node-cron): reconcile jobs whose pg-boss job ended without them (a worker
// died for the last time, a job was cancelled in pg-boss directly), admit held jobs whose admission
// was missed, and run the hooks other parts plug in (inversion sweep, gallery digests).
// Jobs of dead workers are taken back within seconds by leases.ts; pg-boss's own expiry is the backstop.
import cron from 'node-cron';
import type { Logger } from '../log.ts';
import { usersWithHeldJobs } from './admission.ts';
import { BOSS_SCHEMA } from './boss.ts';
import type { JobQueue } from './queue.ts';
import { closeJob } from './records.ts';

export interface MaintenanceHook {
  name: string;
  /** node-cron expression; defaults to the maintenance schedule. */
  schedule?: string;
  run(): Promise<unknown>;
}

export interface ReapReport {
  /** Jobs closed as failed because pg-boss gave up on them (or lost them). */
  failed: number;
  cancelled: number;
  admitted: number;
}

export async function reap(queue: JobQueue, logger?: Logger): Promise<ReapReport> {
  const db = queue.db;
  // A job's pg-boss row may have moved to the archive; the newest state of either counts.
  const { rows } = await db.query<{ id: string; boss_state: string }>(
    `SELECT j.id, b.state AS boss_state FROM jobs j
     JOIN LATERAL (
       SELECT state FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND id = j.id
       UNION ALL SELECT state FROM ${BOSS_SCHEMA}.archive WHERE name = $1 AND id = j.id
       LIMIT 1) b ON true
     WHERE j.state IN ('queued', 'running') AND b.state IN ('completed', 'failed', 'cancelled')`,
    [queue.config.queueName],
  );
  const report: ReapReport = { failed: 0, cancelled: 0, admitted: 0 };
  for (const row of rows) {
    if (row.boss_state === 'cancelled') {
      if (await closeJob(db, row.id, 'cancelled')) report.cancelled += 1;
    } else if (await closeJob(db, row.id, 'failed', 'the job was lost: its worker stopped and no retries were left')) {
      report.failed += 1;
    }
  }
  for (const userId of await usersWithHeldJobs(db, queue.config)) report.admitted += await queue.admit(userId);
  // Rows of workers killed long ago (a stopped worker deletes its own); their jobs were taken back within the lease.
  await db.query(`DELETE FROM job_workers WHERE heartbeat_at < now() - interval '1 hour'`);
  if (report.failed + report.cancelled + report.admitted > 0) logger?.info(report, 'job maintenance');
  return report;
}

/** Starts the reaper and the hooks on their schedules; returns a function that stops them. */
export function startMaintenance(queue: JobQueue, options: { hooks?: MaintenanceHook[]; schedule?: string; logger?: Logger } = {}): () => Promise<void> {
  const schedule = options.schedule ?? queue.config.maintenanceSchedule;
  const hooks = [{ name: 'jobs-reap', schedule, run: () => reap(queue, options.logger) }, ...(options.hooks ?? [])];
  // All checked before any is scheduled, so a bad one leaves nothing running.
  for (const hook of hooks) {
    const expression = hook.schedule ?? schedule;
    if (!cron.validate(expression)) throw new RangeError(`maintenance ${hook.name}: invalid cron expression ${JSON.stringify(expression)}`);
  }
  const tasks = hooks.map((hook) =>
    cron.schedule(
      hook.schedule ?? schedule,
      async () => {
        try {
          await hook.run();
        } catch (error) {
          options.logger?.error({ err: error, task: hook.name }, 'maintenance task failed');
        }
      },
      { name: hook.name, noOverlap: true },
    ),
  );
  return async () => {
    for (const task of tasks) await task.destroy();
  };
}
