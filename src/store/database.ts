// Opens the database Retouch runs on: the server DATABASE_URL names, or the embedded one under the
// data folder. Either way the schema is brought up to date before anything else touches it.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Config } from '../config/env.ts';
import type { Logger } from '../log.ts';
import { EmbeddedPostgres } from './embedded-postgres.ts';
import { PrismaClient } from './generated/client.ts';
import { migrate } from './migrate.ts';

export type { PrismaClient };

export interface Database {
  url: string;
  prisma: PrismaClient;
  /** Present when we run our own server. */
  embedded: EmbeddedPostgres | undefined;
  close(): Promise<void>;
}

export class DatabaseUnreachableError extends Error {
  override name = 'DatabaseUnreachableError';
}

const CONNECT_TIMEOUT_MS = 5_000;

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'embeddedPostgres'>,
  logger: Logger,
): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let url: string;
  if (config.databaseUrl) {
    url = config.databaseUrl;
    await assertReachable(url);
  } else {
    embedded = new EmbeddedPostgres({ dataDir: config.dataDir, ...config.embeddedPostgres, logger });
    url = await embedded.start();
  }
  try {
    const report = await migrate(url);
    if (report.applied.length > 0) logger.info({ applied: report.applied }, 'database migrations applied');
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
    await prisma.$connect();
    return {
      url,
      prisma,
      embedded,
      async close() {
        await prisma.$disconnect();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
}

/** Fails fast, naming the server without its password, when DATABASE_URL can't be reached. */
export async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // A server that accepts the connection but never answers stalls past the connect timeout.
  const timer = setTimeout(() => client.end().catch(() => undefined), CONNECT_TIMEOUT_MS + 1_000);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = (error as Error).message || (error as NodeJS.ErrnoException).code || 'no answer';
    throw new DatabaseUnreachableError(`Cannot reach the database at ${redact(url)} (DATABASE_URL): ${reason}`);
  } finally {
    clearTimeout(timer);
    await client.end().catch(() => undefined);
  }
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
