// How many messages and button presses one person may send per minute. Counted in Postgres
// (rate-limiter-flexible's RateLimiterPostgres), so the limit holds across every bot process that
// shares the database; counted in memory when there is no database to share (tests, one process).
import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../log.ts';

/** `firstRefusal`: this is the first event over the limit in the current window (the one to answer; the rest are dropped quietly). */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number; limitPerMinute: number; firstRefusal: boolean };

export interface RateLimit {
  readonly perMinute: number;
  /** Counts one event of `key` (a person on a platform) and says whether it is within the limit. */
  take(key: string): Promise<RateDecision>;
  close(): Promise<void>;
}

const WINDOW_SECONDS = 60;
/** Its own schema, like pg-boss's, so Prisma's migrations never see (or drop) the table. */
const SCHEMA = 'retouch_rate_limit';
const TABLE = 'rate_limits';

function limiterRateLimit(limiter: RateLimiterAbstract, perMinute: number, logger: Logger | undefined, close: () => Promise<void>): RateLimit {
  return {
    perMinute,
    async take(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        // Refused events count too, so the window's first refusal is the one that went one past the limit.
        if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext, limitPerMinute: perMinute, firstRefusal: rejection.consumedPoints === perMinute + 1 };
        // The store failed and so did the in-memory insurance: let the message through rather than go silent.
        logger?.error({ err: rejection }, 'rate limiter failed; letting the event through');
        return { allowed: true };
      }
    },
    close,
  };
}

/** Counts in this process only. */
export function memoryRateLimit(perMinute: number): RateLimit {
  const limiter = new RateLimiterMemory({ points: perMinute, duration: WINDOW_SECONDS, keyPrefix: 'retouch' });
  return limiterRateLimit(limiter, perMinute, undefined, async () => undefined);
}

/**
 * Counts in Postgres at `url`, shared by every process using that database. While the database
 * can't be reached, each process counts in memory instead (the same limit, per process).
 */
export async function postgresRateLimit(options: { url: string; perMinute: number; logger?: Logger }): Promise<RateLimit> {
  const { perMinute, logger } = options;
  const pool = new pg.Pool({ connectionString: options.url, max: 2, application_name: 'retouch-rate-limit' });
  pool.on('error', (error) => logger?.warn({ err: error }, 'rate limit pool error'));
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`).catch((error: { code?: string }) => {
      // Two processes creating it at once: the other one won.
      if (error.code !== '23505' && error.code !== '42P06') throw error;
    });
    const limiter = await new Promise<RateLimiterPostgres>((resolve, reject) => {
      const created: RateLimiterPostgres = new RateLimiterPostgres(
        {
          storeClient: pool,
          storeType: 'pool',
          schemaName: SCHEMA,
          tableName: TABLE,
          points: perMinute,
          duration: WINDOW_SECONDS,
          keyPrefix: 'retouch',
          insuranceLimiter: new RateLimiterMemory({ points: perMinute, duration: WINDOW_SECONDS, keyPrefix: 'retouch' }),
        },
        (error) => (error ? reject(error) : resolve(created)),
      );
    });
    return limiterRateLimit(limiter, perMinute, logger, () => pool.end());
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/** The configured limit: none when `perMinute` is 0, shared through Postgres when a url is given. */
export async function createRateLimit(options: { perMinute: number; url?: string | undefined; logger?: Logger }): Promise<RateLimit | undefined> {
  if (options.perMinute <= 0) return undefined;
  if (options.url === undefined) return memoryRateLimit(options.perMinute);
  return postgresRateLimit({ url: options.url, perMinute: options.perMinute, logger: options.logger });
}

/** The key one person is counted under. */
export function rateKey(source: { platform: string; user: { externalId: string } }): string {
  return `${source.platform}:${source.user.externalId}`;
}

/**
 * Whether a person's vote may edit a message to show the new score. The vote itself always counts;
 * only the edit is limited, because someone toggling 👍 could otherwise have the bot edit one message
 * as fast as they click (and Discord slows every reply in that channel once the bot edits too often).
 * Such edits count in the same per-person limit as messages and button presses.
 */
export async function mayShowVote(rateLimit: RateLimit | undefined, source: { platform: string; user: { externalId: string } }): Promise<boolean> {
  return !rateLimit || (await rateLimit.take(rateKey(source))).allowed;
}

/** "in 23 seconds", "in 1 minute" */
export function retryIn(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds <= 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}
