// Shared helpers for the job tests: users, a recording event subscriber, waiting on a condition.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../../src/store/generated/client.ts';
import type { JobEvent, JobQueue } from '../../src/jobs/index.ts';

let users = 0;
export async function newUser(prisma: PrismaClient, name = 'user'): Promise<string> {
  users += 1;
  const user = await prisma.user.create({ data: { platform: 'local', externalId: `${name}-${users}-${process.pid}`, displayName: name } });
  return user.id;
}

/** Polls `check` until it returns a value other than undefined/false; fails after `timeoutMs` (generous: the machine is loaded). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Records every event, in arrival order (= commit order). */
export function record(queue: JobQueue): JobEvent[] {
  const events: JobEvent[] = [];
  queue.subscribe((event) => events.push(event));
  return events;
}

/** The test configuration: short timeouts, and a short worker lease so a killed worker's job is retried within seconds. */
export const FAST = {
  timeoutMs: { generate: 5_000, edit: 5_000, invert: 5_000, train: 5_000 },
  expiryGraceMs: 1_000,
  retryDelaySeconds: 0,
  progressIntervalMs: 100,
  pollIntervalMs: 500,
  bossMaintenanceSeconds: 1,
  heartbeatIntervalMs: 200,
  workerLeaseMs: 1_500,
  leaseCheckIntervalMs: 250,
};
