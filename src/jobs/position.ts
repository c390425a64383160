// Where a job stands in line, for "you are number N in the queue".
import { BOSS_SCHEMA } from './boss.ts';
import type { JobsConfig } from './config.ts';
import type { Queryable } from './notify.ts';
import type { JobState } from './types.ts';

export type QueuePosition =
  | { state: 'queued'; position: number; estimated: boolean }
  | { state: Exclude<JobState, 'queued'> }
  | { state: 'unknown' };

/**
 * A job in pg-boss: 1 + the waiting jobs pg-boss will hand out before it (priority, then age).
 * A held job (its user at their concurrency limit): an estimate under round-robin admission: the
 * waiting jobs, plus the user's earlier held jobs, plus as many of each other user's held jobs.
 */
export async function queuePosition(db: Queryable, config: JobsConfig, jobId: string): Promise<QueuePosition> {
  const { rows } = await db.query<{ state: JobState; user_id: string; created_at: Date; boss_state: string | null; priority: number | null; boss_created: Date | null }>(
    `SELECT j.state, j.user_id, j.created_at, b.state AS boss_state, b.priority, b.created_on AS boss_created
     FROM jobs j LEFT JOIN ${BOSS_SCHEMA}.job b ON b.name = $2 AND b.id = j.id WHERE j.id = $1`,
    [jobId, config.queueName],
  );
  const job = rows[0];
  if (!job) return { state: 'unknown' };
  if (job.state !== 'queued') return { state: job.state };
  if (job.boss_state !== null) {
    const ahead = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job
       WHERE name = $1 AND state IN ('created', 'retry') AND id <> $4
         AND (priority > $2 OR (priority = $2 AND (created_on, id) < ($3, $4::uuid)))`,
      [config.queueName, job.priority, job.boss_created, jobId],
    );
    return { state: 'queued', position: (ahead.rows[0]?.n ?? 0) + 1, estimated: false };
  }
  const estimate = await db.query<{ n: number }>(
    `WITH held AS (
       SELECT j.id, j.user_id, row_number() OVER (PARTITION BY j.user_id ORDER BY j.created_at, j.id) AS rank
       FROM jobs j WHERE j.state = 'queued'
         AND NOT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job b WHERE b.name = $1 AND b.id = j.id)),
     mine AS (SELECT rank FROM held WHERE id = $2)
     SELECT ((SELECT count(*) FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND state IN ('created', 'retry'))
           + (SELECT count(*) FROM held, mine WHERE held.user_id = $3 AND held.rank < mine.rank)
           + (SELECT count(*) FROM held, mine WHERE held.user_id <> $3 AND held.rank <= mine.rank))::int AS n`,
    [config.queueName, jobId, job.user_id],
  );
  return { state: 'queued', position: (estimate.rows[0]?.n ?? 0) + 1, estimated: true };
}
