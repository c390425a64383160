// The bot's side of the job system: submit, cancel, look up, queue position, events, delivery.
import pg from 'pg';
import type PgBoss from 'pg-boss';
import type { Logger } from '../log.ts';
import { admit, lockUser } from './admission.ts';
import { openBoss } from './boss.ts';
import { jobsConfig, type JobsConfig } from './config.ts';
import { watchLeases } from './leases.ts';
import { assertQuota, limitsFor } from './limits.ts';
import { jobsHealth, type JobsHealth } from './metrics.ts';
import { CONTROL_CHANNEL, EVENTS_CHANNEL, Listener, publish } from './notify.ts';
import { queuePosition, type QueuePosition } from './position.ts';
import { activeJobs, claimDelivery, closeJob, getJob, insertJob, undeliveredJobs, unfinishedJobs, type NewJob } from './records.ts';
import type { JobEvent, JobRecord } from './types.ts';
import { transaction } from './transaction.ts';

export interface JobQueueOptions {
  url: string;
  config?: Partial<JobsConfig>;
  logger?: Logger;
  /** Listen for job events (progress, results); off for processes that only submit. Default true. */
  events?: boolean;
  /** Called after the event connection (re)connects: events sent meanwhile were missed, so catch up with undelivered(). */
  onEventsConnected?: () => void;
}

export type JobEventListener = (event: JobEvent) => void;

export class JobQueue {
  private readonly listeners = new Set<{ listener: JobEventListener; jobId?: string; userId?: string }>();
  private readonly connectListeners = new Set<() => void>();
  /** Every process that opens a queue also looks for jobs of dead workers (leases.ts). */
  private readonly stopWatchingLeases: () => Promise<void>;

  private constructor(
    readonly config: JobsConfig,
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
    private readonly listener: Listener | undefined,
    private readonly logger: Logger | undefined,
  ) {
    this.stopWatchingLeases = watchLeases(pool, boss, config, logger);
  }

  static async open(options: JobQueueOptions): Promise<JobQueue> {
    const config = jobsConfig(options.config);
    const pool = new pg.Pool({ connectionString: options.url, max: 4, application_name: 'retouch-jobs' });
    pool.on('error', (error) => options.logger?.warn({ err: error }, 'job queue pool error'));
    let boss: PgBoss | undefined;
    try {
      boss = await openBoss(options.url, config, options.logger);
      const queue: JobQueue = new JobQueue(
        config,
        pool,
        boss,
        options.events === false
          ? undefined
          : new Listener(options.url, [EVENTS_CHANNEL], (_channel, event) => queue.dispatch(event as JobEvent), {
              logger: options.logger,
              onConnect: () => {
                options.onEventsConnected?.();
                for (const listener of queue.connectListeners) listener();
              },
            }),
        options.logger,
      );
      await queue.listener?.start();
      return queue;
    } catch (error) {
      await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
      await pool.end();
      throw error;
    }
  }

  /**
   * Records the job and admits it if its user has a free slot. Submitting the same idempotency key
   * again returns the job already recorded (created: false) and runs nothing new. Throws
   * QuotaExceededError past the user's daily quota.
   */
  async submit(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    const outcome = await transaction(this.pool, async (client) => {
      await lockUser(client, job.userId);
      const existing = await client.query<{ id: string }>('SELECT id FROM jobs WHERE idempotency_key = $1', [job.idempotencyKey]);
      if (existing.rows.length === 0) {
        await assertQuota(client, job.userId, job.workspaceId ?? null, await limitsFor(client, job.workspaceId ?? null, this.config));
      }
      return insertJob(client, job);
    });
    if (outcome.created) await admit(this.pool, this.boss, this.config, job.userId);
    return { job: (await getJob(this.pool, outcome.record.id)) ?? outcome.record, created: outcome.created };
  }

  /**
   * Cancels a job that hasn't finished: a held or waiting job never runs, a running one's handler
   * gets its signal aborted. With `userId`, only that user's job. False if there was nothing to cancel.
   */
  async cancel(jobId: string, options: { userId?: string } = {}): Promise<boolean> {
    if (options.userId !== undefined) {
      const job = await getJob(this.pool, jobId);
      if (!job || job.userId !== options.userId) return false;
    }
    const closed = await closeJob(this.pool, jobId, 'cancelled');
    if (!closed) return false;
    await publish(this.pool, CONTROL_CHANNEL, { type: 'cancel', jobId });
    await this.boss.cancel(this.config.queueName, jobId).catch(() => undefined);
    await admit(this.pool, this.boss, this.config, closed.userId);
    return true;
  }

  get(jobId: string): Promise<JobRecord | null> {
    return getJob(this.pool, jobId);
  }

  /** The user's jobs that have not finished (queued or running), oldest first. */
  active(userId: string): Promise<JobRecord[]> {
    return activeJobs(this.pool, userId);
  }

  queuePosition(jobId: string): Promise<QueuePosition> {
    return queuePosition(this.pool, this.config, jobId);
  }

  /** Listens to job events, all or one job's or one user's; returns the unsubscribe function. */
  subscribe(listener: JobEventListener, filter: { jobId?: string; userId?: string } = {}): () => void {
    if (!this.listener) throw new Error('this JobQueue was opened with events: false');
    const entry = { listener, ...filter };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Calls `listener` after every reconnect of the event connection (events sent meanwhile were missed); returns the unsubscribe function. */
  onEventsReconnected(listener: () => void): () => void {
    this.connectListeners.add(listener);
    return () => this.connectListeners.delete(listener);
  }

  /** Every job not finished yet, oldest first. */
  unfinished(limit = 500): Promise<JobRecord[]> {
    return unfinishedJobs(this.pool, limit);
  }

  /** Claims a finished job's outcome for delivery to its user: returns the job once, then null. */
  claimDelivery(jobId: string): Promise<JobRecord | null> {
    return claimDelivery(this.pool, jobId);
  }

  undelivered(options: { userId?: string; limit?: number } = {}): Promise<JobRecord[]> {
    return undeliveredJobs(this.pool, options);
  }

  health(windowMs?: number): Promise<JobsHealth> {
    return jobsHealth(this.pool, this.config, windowMs);
  }

  /** For maintenance: admits held jobs of one user. */
  admit(userId: string): Promise<number> {
    return admit(this.pool, this.boss, this.config, userId);
  }

  get db(): pg.Pool {
    return this.pool;
  }

  async close(): Promise<void> {
    await this.stopWatchingLeases();
    await this.listener?.close();
    await this.boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await this.pool.end();
  }

  private dispatch(event: JobEvent): void {
    for (const { listener, jobId, userId } of this.listeners) {
      if (jobId !== undefined && event.jobId !== jobId) continue;
      if (userId !== undefined && event.userId !== userId) continue;
      try {
        listener(event);
      } catch (error) {
        this.logger?.error({ err: error, event: event.type }, 'job event listener threw');
      }
    }
  }
}
