// pg-boss, which stores the dispatched jobs and does the locking, retries and expiry.
import PgBoss from 'pg-boss';
import type { Logger } from '../log.ts';
import type { JobsConfig } from './config.ts';
import type { Queryable } from './notify.ts';

export const BOSS_SCHEMA = 'pgboss';

/** What a pg-boss job carries; the `jobs` row (same id) holds the rest. */
export interface DispatchData {
  kind: string;
  userId: string;
}

export async function openBoss(url: string, config: JobsConfig, logger?: Logger): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    schema: BOSS_SCHEMA,
    max: 3,
    // Only expiry matters to us; pg-boss's cron scheduling is replaced by node-cron (maintenance.ts).
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: config.bossMaintenanceSeconds,
    application_name: 'retouch-jobs',
  });
  boss.on('error', (error) => logger?.error({ err: error }, 'pg-boss error'));
  await boss.start();
  await boss.createQueue(config.queueName, { name: config.queueName, policy: 'standard' });
  return boss;
}

/** pg-boss's `db` option: runs its statements on our connection, inside our transaction. */
export function inTransaction(db: Queryable): PgBoss.Db {
  return { executeSql: (text, values) => db.query(text, values) };
}
