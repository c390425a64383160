// A worker: takes one job at a time from pg-boss (one worker per GPU) and runs its kind's handler.
// Idle, it sleeps until a wake-up notification (a job was admitted) or the poll interval.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type PgBoss from 'pg-boss';
import type { Logger } from '../log.ts';
import { admit } from './admission.ts';
import { inTransaction, openBoss, type DispatchData } from './boss.ts';
import { jobsConfig, type JobsConfig } from './config.ts';
import { startHeartbeat, type Heartbeat } from './heartbeat.ts';
import { watchLeases } from './leases.ts';
import { CONTROL_CHANNEL, Listener, type ControlMessage } from './notify.ts';
import { finishAttempt, getJob, recordProgress, requeueAttempt, startAttempt } from './records.ts';
import { Throttle } from './throttle.ts';
import { transaction } from './transaction.ts';
import type { JobHandlers, JobRecord, JsonValue } from './types.ts';

type Outcome = { ok: true; value: JsonValue } | { ok: false; error: unknown };

export interface WorkerOptions {
  url: string;
  handlers: JobHandlers;
  config?: Partial<JobsConfig>;
  /** Defaults to host:pid:random. */
  workerId?: string;
  logger?: Logger;
}

export interface WorkerStats {
  workerId: string;
  busy: boolean;
  currentJobId: string | null;
  jobsRun: number;
  /** Share of the time since start spent running jobs. */
  utilisation: number;
  startedAt: Date;
}

export interface Worker {
  readonly workerId: string;
  stats(): WorkerStats;
  /** Stops taking jobs; a running job is aborted (and retried elsewhere); resolves when idle. */
  stop(): Promise<void>;
}

export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
}
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
}
class WorkerStoppingError extends Error {
  override name = 'WorkerStoppingError';
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const config = jobsConfig(options.config);
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const logger = options.logger?.child({ workerId });
  const pool = new pg.Pool({ connectionString: options.url, max: 3, application_name: 'retouch-worker' });
  pool.on('error', (error) => logger?.warn({ err: error }, 'job worker pool error'));
  const boss = await openBoss(options.url, config, logger);
  const loop = new WorkerLoop(pool, boss, config, options.handlers, workerId, logger);
  const listener = new Listener(options.url, [CONTROL_CHANNEL], (_channel, message) => loop.onControl(message as ControlMessage), {
    logger,
    onConnect: () => loop.wake(),
  });
  let heartbeat: Heartbeat | undefined;
  try {
    // Alive before it takes a job, so its first job is never taken for one of a dead worker.
    heartbeat = await startHeartbeat({ url: options.url, workerId, intervalMs: config.heartbeatIntervalMs, logger });
    await listener.start();
  } catch (error) {
    await heartbeat?.stop();
    await listener.close();
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await pool.end();
    throw error;
  }
  const stopWatching = watchLeases(pool, boss, config, logger);
  const running = loop.run();
  const alive = heartbeat;
  return {
    workerId,
    stats: () => loop.stats(),
    async stop() {
      loop.stop();
      await running;
      await stopWatching();
      await alive.stop();
      await listener.close();
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      await pool.end();
    },
  };
}

class WorkerLoop {
  private stopping = false;
  private sleeper: (() => void) | undefined;
  private current: { jobId: string; controller: AbortController } | undefined;
  private jobsRun = 0;
  private busyMs = 0;
  private readonly startedAt = new Date();

  constructor(
    private readonly pool: pg.Pool,
    private readonly boss: PgBoss,
    private readonly config: JobsConfig,
    private readonly handlers: JobHandlers,
    private readonly workerId: string,
    private readonly logger: Logger | undefined,
  ) {}

  onControl(message: ControlMessage): void {
    if (message.type === 'wake') this.wake();
    else if (message.type === 'cancel' && this.current?.jobId === message.jobId) {
      this.current.controller.abort(new JobCancelledError(`job ${message.jobId} was cancelled`));
    }
  }

  wake(): void {
    this.sleeper?.();
  }

  stop(): void {
    this.stopping = true;
    this.current?.controller.abort(new WorkerStoppingError('worker stopping'));
    this.wake();
  }

  stats(): WorkerStats {
    const uptime = Date.now() - this.startedAt.getTime();
    return {
      workerId: this.workerId,
      busy: this.current !== undefined,
      currentJobId: this.current?.jobId ?? null,
      jobsRun: this.jobsRun,
      utilisation: uptime > 0 ? Math.min(1, this.busyMs / uptime) : 0,
      startedAt: this.startedAt,
    };
  }

  async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const [job] = await this.boss.fetch<DispatchData>(this.config.queueName, { batchSize: 1, includeMetadata: true });
        if (job) await this.runJob(job);
        else await this.sleep();
      } catch (error) {
        this.logger?.error({ err: error }, 'job worker loop error');
        await this.sleep();
      }
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.config.pollIntervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.sleeper = () => {
        this.sleeper = undefined;
        done();
      };
    });
  }

  private async runJob(job: PgBoss.JobWithMetadata<DispatchData>): Promise<void> {
    const queue = this.config.queueName;
    const record = await startAttempt(this.pool, job.id, this.workerId);
    if (!record) {
      // Cancelled, or finished by an earlier attempt whose worker died before telling pg-boss.
      await this.boss.complete(queue, job.id);
      return;
    }
    const started = performance.now();
    const controller = new AbortController();
    this.current = { jobId: record.id, controller };
    try {
      const outcome = await this.execute(record, controller);
      await this.settle(job, record, outcome, controller.signal);
    } finally {
      this.current = undefined;
      this.jobsRun += 1;
      this.busyMs += performance.now() - started;
      await admit(this.pool, this.boss, this.config, record.userId).catch((error) =>
        this.logger?.error({ err: error, userId: record.userId }, 'admitting held jobs failed'),
      );
    }
  }

  private async execute(record: JobRecord, controller: AbortController): Promise<Outcome> {
    const handler = this.handlers[record.kind];
    if (!handler) return { ok: false, error: new Error(`this worker has no handler for ${record.kind} jobs`) };
    const timeoutMs = this.config.timeoutMs[record.kind];
    const timer = setTimeout(() => controller.abort(new JobTimeoutError(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
    // A preview is rarer than progress: it rides along until some event has carried it, so the
    // throttle keeping only the latest report cannot drop it.
    let unsentPreview: string | undefined;
    const progress = new Throttle<{ fraction: number; preview?: string }>(this.config.progressIntervalMs, async ({ fraction, preview }) => {
      if (preview !== undefined && preview === unsentPreview) unsentPreview = undefined;
      try {
        const current = await recordProgress(this.pool, record.id, record.attempts, fraction, preview);
        // The attempt is no longer ours: cancelled (its notification missed or not here yet) or taken over.
        if (!current && !controller.signal.aborted) {
          const cancelled = (await getJob(this.pool, record.id))?.state === 'cancelled';
          if (!controller.signal.aborted) controller.abort(new JobCancelledError(`job ${record.id} ${cancelled ? 'was cancelled' : 'is no longer running here'}`));
        }
      } catch (error) {
        this.logger?.warn({ err: error, jobId: record.id }, 'recording job progress failed');
      }
    });
    try {
      const value = await handler(record.payload, {
        signal: controller.signal,
        progress: (fraction, preview) => {
          if (preview !== undefined) unsentPreview = preview;
          progress.push({ fraction: Math.min(1, Math.max(0, fraction)), preview: unsentPreview });
        },
        jobId: record.id,
        userId: record.userId,
        workspaceId: record.workspaceId,
        attempt: record.attempts,
      });
      return { ok: true, value: value ?? null };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearTimeout(timer);
      await progress.flush();
    }
  }

  // pg-boss is told only when our write to the row took: otherwise the attempt is no longer ours
  // (cancelled, or retried elsewhere after we were presumed dead) and its pg-boss job isn't either.
  // Both in one transaction, so the row and pg-boss never disagree for another process to see.
  private async settle(job: PgBoss.JobWithMetadata<DispatchData>, record: JobRecord, outcome: Outcome, signal: AbortSignal): Promise<void> {
    const queue = this.config.queueName;
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    if (reason instanceof JobCancelledError) return;
    if (outcome.ok) {
      await transaction(this.pool, async (client) => {
        if (await finishAttempt(client, record.id, record.attempts, { state: 'succeeded', value: outcome.value })) {
          await this.boss.complete(queue, job.id, {}, { db: inTransaction(client) });
        }
      });
      return;
    }
    const error = reason instanceof Error ? reason : outcome.error;
    const message = error instanceof Error ? error.message : String(error);
    // A timeout would most likely time out again; other failures (a stopped worker too) are retried.
    const retry = !(reason instanceof JobTimeoutError) && job.retryCount < job.retryLimit;
    this.logger?.warn({ jobId: record.id, attempt: record.attempts, err: error, retry }, 'job attempt failed');
    await transaction(this.pool, async (client) => {
      if (retry) {
        if (await requeueAttempt(client, record.id, record.attempts, message)) await this.boss.fail(queue, job.id, { message }, { db: inTransaction(client) });
      } else if (await finishAttempt(client, record.id, record.attempts, { state: 'failed', error: message })) {
        await this.boss.complete(queue, job.id, { failed: message }, { db: inTransaction(client) });
      }
    });
  }
}
