// Admission: a submitted job waits in the `jobs` table ("held") until its user has a free slot
// (maxConcurrentPerUser jobs queued in pg-boss or running); then it is sent to pg-boss, whose
// queue therefore holds at most a few jobs per user. A heavy user's backlog stays held, so a light
// user's job is admitted at once and runs as soon as a worker is free (see README.md).
import type PgBoss from 'pg-boss';
import type pg from 'pg';
import { BOSS_SCHEMA, inTransaction, type DispatchData } from './boss.ts';
import type { JobsConfig } from './config.ts';
import { limitsFor, usagePriority } from './limits.ts';
import { CONTROL_CHANNEL, publish } from './notify.ts';
import type { JobKind } from './types.ts';
import { transaction } from './transaction.ts';

/** Per-user lock, so concurrent submits and finishes can't admit past the limit. */
export async function lockUser(client: pg.PoolClient, userId: string): Promise<void> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtext('retouch-jobs:' || $1))`, [userId]);
}

/** SQL: is job `j` in pg-boss (in any state)? */
export const dispatchedSql = (queueParam: string) =>
  `EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job b WHERE b.name = ${queueParam} AND b.id = j.id)`;

/** Sends the user's oldest held jobs to pg-boss while they have free slots; returns how many. */
export async function admit(pool: pg.Pool, boss: PgBoss, config: JobsConfig, userId: string): Promise<number> {
  return transaction(pool, async (client) => {
    await lockUser(client, userId);
    const { rows } = await client.query<{ id: string; kind: JobKind; workspace_id: string | null; state: string; dispatched: boolean }>(
      `SELECT j.id, j.kind, j.workspace_id, j.state, ${dispatchedSql('$2')} AS dispatched
       FROM jobs j WHERE j.user_id = $1 AND j.state IN ('queued', 'running') ORDER BY j.created_at, j.id`,
      [userId, config.queueName],
    );
    const held = rows.filter((row) => row.state === 'queued' && !row.dispatched);
    const inFlight = rows.length - held.length;
    let admitted = 0;
    if (held.length > 0) {
      const limits = await limitsFor(client, held[0]!.workspace_id, config);
      const free = Math.max(0, limits.maxConcurrentPerUser - inFlight);
      const priority = free > 0 ? await usagePriority(client, userId, config) : 0;
      for (const job of held.slice(0, free)) {
        const data: DispatchData = { kind: job.kind, userId };
        await boss.send(config.queueName, data, {
          id: job.id,
          priority,
          retryLimit: config.retryLimit,
          retryDelay: config.retryDelaySeconds,
          expireInSeconds: Math.ceil((config.timeoutMs[job.kind] + config.expiryGraceMs) / 1000),
          db: inTransaction(client),
        });
        admitted += 1;
      }
      if (admitted > 0) await publish(client, CONTROL_CHANNEL, { type: 'wake' });
    }
    return admitted;
  });
}

/** Users with held jobs (for the maintenance pass, in case an admission was missed). */
export async function usersWithHeldJobs(pool: pg.Pool, config: JobsConfig): Promise<string[]> {
  const { rows } = await pool.query<{ user_id: string }>(
    `SELECT DISTINCT j.user_id FROM jobs j WHERE j.state = 'queued' AND NOT ${dispatchedSql('$1')}`,
    [config.queueName],
  );
  return rows.map((row) => row.user_id);
}
