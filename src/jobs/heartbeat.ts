// A worker's heartbeat: its row in `job_workers`, refreshed every `heartbeatIntervalMs` from a thread
// of its own (heartbeat-thread.mjs), so that a job keeping the main thread busy (a model being
// compiled, a long synchronous step) can't make a live worker look dead. A killed process takes the
// thread with it; its heartbeat stops and leases.ts retries its job.
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';

export interface Heartbeat {
  /** Stops beating and deletes the worker's row (so its absence is noticed at once). */
  stop(): Promise<void>;
}

type ThreadMessage = { type: 'beat' } | { type: 'error'; message: string } | { type: 'stopped' };

/** Starts beating; resolves after the first beat is recorded, rejects if it can't be. */
export async function startHeartbeat(options: { url: string; workerId: string; intervalMs: number; logger?: Logger }): Promise<Heartbeat> {
  const thread = new Worker(new URL('./heartbeat-thread.mjs', import.meta.url), {
    workerData: { url: options.url, workerId: options.workerId, host: hostname(), pid: process.pid, intervalMs: options.intervalMs },
  });
  let stopped: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    thread.on('message', (message: ThreadMessage) => {
      if (message.type === 'beat') resolve();
      else if (message.type === 'stopped') stopped?.();
      else if (message.type === 'error') {
        options.logger?.warn({ workerId: options.workerId, error: message.message }, 'worker heartbeat failed');
        reject(new Error(`worker heartbeat failed: ${message.message}`));
      }
    });
    thread.on('error', reject);
  }).catch(async (error: unknown) => {
    await thread.terminate();
    throw error;
  });
  // It does not keep the process alive by itself.
  thread.unref();
  return {
    async stop() {
      const done = new Promise<void>((resolve) => (stopped = resolve));
      thread.postMessage({ type: 'stop' });
      await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      await thread.terminate();
    },
  };
}
