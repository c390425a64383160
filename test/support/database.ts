// A real Postgres for tests: an embedded server in a fresh temporary folder, migrated, on a free port.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger } from '../../src/log.ts';
import { openDatabase, type Database } from '../../src/store/database.ts';

export interface TestDatabase extends Database {
  dataDir: string;
  /** Stops the server and deletes its folder. */
  destroy(): Promise<void>;
}

export async function startTestDatabase(): Promise<TestDatabase> {
  // Under /tmp, which every user can enter: the server may run as a non-root system user.
  const dataDir = await mkdtemp(join(tmpdir(), 'retouch-test-'));
  await chmod(dataDir, 0o755);
  const database = await openDatabase(
    { databaseUrl: undefined, dataDir, embeddedPostgres: { port: 0, systemUser: 'postgres' } },
    createLogger(process.env.TEST_LOG_LEVEL ?? 'warn'),
  );
  return Object.assign(database, {
    dataDir,
    async destroy() {
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  });
}

/** Runs one statement on its own connection, as an outside client would. */
export async function queryOnce<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
