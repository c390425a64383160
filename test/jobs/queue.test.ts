// The queue and one in-process worker against a real Postgres: results, idempotency, progress,
// cancellation, retries, timeouts, quotas, queue positions, maintenance and health.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  JobQueue,
  QuotaExceededError,
  reap,
  startMaintenance,
  startWorker,
  type JobHandlers,
  type JobsConfig,
  type Worker,
} from '../../src/jobs/index.ts';
import { queryOnce, startTestDatabase, type TestDatabase } from '../support/database.ts';
import { FAST, newUser, record, waitFor } from './support.ts';

const CONFIG: Partial<JobsConfig> = { ...FAST, queueName: 'queue-test', retryLimit: 1 };
let db: TestDatabase;
let queue: JobQueue;
let key = 0;
const nextKey = () => `k${key++}`;

before(async () => {
  db = await startTestDatabase();
  queue = await JobQueue.open({ url: db.url, config: CONFIG });
});
after(async () => {
  await queue?.close();
  await db?.destroy();
});

async function withWorker<T>(handlers: JobHandlers, run: (worker: Worker) => Promise<T>, config: Partial<JobsConfig> = {}): Promise<T> {
  const worker = await startWorker({ url: db.url, handlers, config: { ...CONFIG, ...config }, workerId: 'in-process' });
  try {
    return await run(worker);
  } finally {
    await worker.stop();
  }
}

const finished = (id: string) =>
  waitFor(`job ${id} to finish`, async () => {
    const job = await queue.get(id);
    return job && job.state !== 'queued' && job.state !== 'running' ? job : undefined;
  });

test('a job runs once, its progress is throttled with the last report delivered, and a repeated submit changes nothing', async () => {
  const user = await newUser(db.prisma);
  const events = record(queue);
  let runs = 0;
  const handlers: JobHandlers = {
    async generate(payload, { progress }) {
      runs += 1;
      for (let i = 1; i <= 200; i++) {
        progress(i / 200);
        if (i % 20 === 0) await sleep(10);
      }
      return { echo: payload };
    },
  };
  const idempotencyKey = nextKey();
  const first = await queue.submit({ kind: 'generate', userId: user, idempotencyKey, payload: { prompt: 'a red star' } });
  assert.equal(first.created, true);
  const job = await withWorker(handlers, () => finished(first.job.id), { progressIntervalMs: 10_000 });
  assert.equal(job.state, 'succeeded');
  assert.deepEqual(job.result, { echo: { prompt: 'a red star' } });
  assert.equal(job.progress, 1);

  // Events come by NOTIFY after the commit the state was read from: wait for the last one.
  await waitFor('the succeeded event', () => events.some((e) => e.type === 'succeeded' && e.jobId === job.id), 10_000);
  const mine = events.filter((e) => e.jobId === job.id);
  const progress = mine.filter((e) => e.type === 'progress');
  assert.ok(progress.length <= 3, `${progress.length} progress events for 200 reports with a 10 s interval`);
  assert.deepEqual(progress.at(-1), { type: 'progress', jobId: job.id, userId: user, fraction: 1 });
  assert.deepEqual(mine.map((e) => e.type).filter((t) => t !== 'progress'), ['started', 'succeeded']);
  assert.equal(mine.at(-1)!.type, 'succeeded', 'the result is announced after the last progress');

  const again = await queue.submit({ kind: 'generate', userId: user, idempotencyKey, payload: { prompt: 'something else' } });
  assert.equal(again.created, false);
  assert.equal(again.job.id, job.id);
  await withWorker(handlers, () => sleep(300));
  assert.equal(runs, 1, 'the handler ran once');
});

test('cancelling a running job aborts its handler at once and frees the worker; a cancelled waiting job never runs', async () => {
  const user = await newUser(db.prisma);
  let abortedAt = 0;
  const started: string[] = [];
  const handlers: JobHandlers = {
    async generate(payload, { signal, jobId }) {
      started.push(jobId);
      if ((payload as { quick?: boolean }).quick) return 'done';
      // Stands for a sampling loop: one "step" every 20 ms, checking the signal between steps.
      while (!signal.aborted) await sleep(20);
      abortedAt = performance.now();
      throw signal.reason;
    },
  };
  await withWorker(handlers, async (worker) => {
    const slow = await queue.submit({ kind: 'generate', userId: user, idempotencyKey: nextKey(), payload: {} });
    // The user's second slot: waiting in pg-boss behind the slow job (one worker).
    const waiting = await queue.submit({ kind: 'generate', userId: user, idempotencyKey: nextKey(), payload: { quick: true } });
    await waitFor('the slow job to start', async () => (await queue.get(slow.job.id))?.state === 'running');
    assert.equal(await queue.cancel(waiting.job.id, { userId: 'someone else' }), false, "another user can't cancel it");
    assert.equal(await queue.cancel(waiting.job.id), true);
    const cancelledAt = performance.now();
    assert.equal(await queue.cancel(slow.job.id, { userId: user }), true);
    const job = await finished(slow.job.id);
    assert.equal(job.state, 'cancelled');
    await waitFor('the handler to see the signal', () => abortedAt > 0, 10_000);
    assert.ok(abortedAt - cancelledAt < 10_000);
    assert.equal(await queue.cancel(slow.job.id), false, 'nothing left to cancel');

    const next = await queue.submit({ kind: 'generate', userId: user, idempotencyKey: nextKey(), payload: { quick: true } });
    assert.equal((await finished(next.job.id)).state, 'succeeded', 'the worker took the next job');
    assert.equal((await queue.get(waiting.job.id))!.state, 'cancelled');
    assert.deepEqual(started, [slow.job.id, next.job.id], 'the cancelled waiting job never ran');
    assert.equal(worker.stats().busy, false);
    assert.equal(worker.stats().jobsRun, 2);
  });
});

test('a job cancelled while its notification is missed stops at its next progress report, told it was cancelled', async () => {
  const user = await newUser(db.prisma);
  let reason: unknown;
  const handlers: JobHandlers = {
    async generate(_payload, { signal, progress }) {
      for (let step = 0; !signal.aborted; step++) {
        progress((step % 100) / 100);
        await sleep(20);
      }
      reason = signal.reason;
      throw signal.reason;
    },
  };
  await withWorker(handlers, async () => {
    const { job } = await queue.submit({ kind: 'generate', userId: user, idempotencyKey: nextKey(), payload: {} });
    await waitFor('the job to start', async () => (await queue.get(job.id))?.state === 'running');
    // What /cancel writes, without the control message that would reach the worker.
    await queryOnce(db.url, `UPDATE jobs SET state = 'cancelled', finished_at = now() WHERE id = $1`, [job.id]);
    await waitFor('the handler to stop', () => reason !== undefined, 10_000);
    assert.equal((reason as Error).message, `job ${job.id} was cancelled`);
  }, { progressIntervalMs: 50 });
});

test('a failing attempt is retried; one that keeps failing ends failed with its error, delivered once', async () => {
  const user = await newUser(db.prisma);
  const events = record(queue);
  const attempts = new Map<string, number>();
  const handlers: JobHandlers = {
    async edit(payload, { jobId, attempt }) {
      attempts.set(jobId, attempt);
      if ((payload as { mode: string }).mode === 'always' || attempt === 1) throw new Error(`boom ${attempt}`);
      return { attempt };
    },
  };
  await withWorker(handlers, async () => {
    const flaky = await queue.submit({ kind: 'edit', userId: user, idempotencyKey: nextKey(), payload: { mode: 'once' } });
    const broken = await queue.submit({ kind: 'edit', userId: user, idempotencyKey: nextKey(), payload: { mode: 'always' } });
    const a = await finished(flaky.job.id);
    assert.equal(a.state, 'succeeded');
    assert.deepEqual(a.result, { attempt: 2 });
    const b = await finished(broken.job.id);
    assert.equal(b.state, 'failed');
    assert.equal(b.error, 'boom 2');
    assert.equal(b.attempts, 2, 'one try and retryLimit = 1 retry');
    assert.ok(events.some((e) => e.type === 'retrying' && e.jobId === flaky.job.id));
    // The event comes by NOTIFY after the commit that the state was read from: wait for it.
    await waitFor('the failed event', () => events.some((e) => e.type === 'failed' && e.jobId === broken.job.id), 10_000);
    assert.equal(events.filter((e) => e.type === 'failed' && e.jobId === broken.job.id).length, 1);
    assert.equal((await queue.claimDelivery(broken.job.id))?.error, 'boom 2');
    assert.equal(await queue.claimDelivery(broken.job.id), null);
  });
});

test('a job past its timeout is aborted and fails without a retry; a kind with no handler fails', async () => {
  const user = await newUser(db.prisma);
  let sawSignal = false;
  const handlers: JobHandlers = {
    async invert(_payload, { signal }) {
      while (!signal.aborted) await sleep(20);
      sawSignal = true;
      throw signal.reason;
    },
  };
  await withWorker(
    handlers,
    async () => {
      const slow = await queue.submit({ kind: 'invert', userId: user, idempotencyKey: nextKey(), payload: {} });
      const job = await finished(slow.job.id);
      assert.equal(job.state, 'failed');
      assert.match(job.error ?? '', /timed out/);
      assert.equal(job.attempts, 1);
      assert.ok(sawSignal);
      const train = await queue.submit({ kind: 'train', userId: user, idempotencyKey: nextKey(), payload: {} });
      const orphan = await finished(train.job.id);
      assert.equal(orphan.state, 'failed');
      assert.match(orphan.error ?? '', /no handler for train jobs/);
    },
    { timeoutMs: { ...FAST.timeoutMs, invert: 300 }, retryLimit: 0 },
  );
});

test('per-user concurrency holds a backlog back; queue positions follow the fair order; workspace quotas apply', async () => {
  const [a, b] = [await newUser(db.prisma), await newUser(db.prisma)];
  const a1 = await queue.submit({ kind: 'generate', userId: a, idempotencyKey: nextKey(), payload: {} });
  const a2 = await queue.submit({ kind: 'generate', userId: a, idempotencyKey: nextKey(), payload: {} });
  const a3 = await queue.submit({ kind: 'generate', userId: a, idempotencyKey: nextKey(), payload: {} });
  const b1 = await queue.submit({ kind: 'generate', userId: b, idempotencyKey: nextKey(), payload: {} });
  assert.deepEqual(await queue.queuePosition(a1.job.id), { state: 'queued', position: 1, estimated: false });
  assert.deepEqual(await queue.queuePosition(a2.job.id), { state: 'queued', position: 2, estimated: false });
  assert.deepEqual(await queue.queuePosition(b1.job.id), { state: 'queued', position: 3, estimated: false }, "b's job goes ahead of a's held third");
  assert.deepEqual(await queue.queuePosition(a3.job.id), { state: 'queued', position: 4, estimated: true });
  const health = await queue.health();
  assert.equal(health.depth.waiting, 3);
  assert.equal(health.depth.held, 1);

  const order: string[] = [];
  await withWorker({ generate: async (_p, { jobId }) => { order.push(jobId); return null; } }, () => finished(a3.job.id));
  assert.deepEqual(order, [a1.job.id, a2.job.id, b1.job.id, a3.job.id]);
  assert.deepEqual(await queue.queuePosition(a3.job.id), { state: 'succeeded' });

  const workspace = await db.prisma.workspace.create({
    data: { platform: 'local', externalId: `ws-${process.pid}`, name: 'ws', settings: { jobs: { dailyQuotaPerUser: 2 } } },
  });
  const c = await newUser(db.prisma);
  for (let i = 0; i < 2; i++) await queue.submit({ kind: 'generate', userId: c, workspaceId: workspace.id, idempotencyKey: `q${i}`, payload: {} });
  await assert.rejects(queue.submit({ kind: 'generate', userId: c, workspaceId: workspace.id, idempotencyKey: 'q2', payload: {} }), QuotaExceededError);
  const repeat = await queue.submit({ kind: 'generate', userId: c, workspaceId: workspace.id, idempotencyKey: 'q1', payload: {} });
  assert.equal(repeat.created, false, 'a repeated submit is not a new job, quota or not');
  for (const job of await db.prisma.job.findMany({ where: { userId: c } })) await queue.cancel(job.id);
});

test('maintenance closes a job pg-boss gave up on and admits held jobs; health reports latencies and utilisation', async () => {
  const user = await newUser(db.prisma);
  const lost = await queue.submit({ kind: 'generate', userId: user, idempotencyKey: nextKey(), payload: {} });
  // As if its last worker died: pg-boss failed it for good, and nobody updated the row.
  await queryOnce(db.url, `UPDATE pgboss.job SET state = 'failed' WHERE id = $1`, [lost.job.id]);
  // A held job whose admission was missed (as if the process died between insert and admit).
  const held = await queue.submit({ kind: 'generate', userId: user, idempotencyKey: nextKey(), payload: {} });
  await queryOnce(db.url, `DELETE FROM pgboss.job WHERE id = $1`, [held.job.id]);
  const report = await reap(queue);
  assert.deepEqual(report, { failed: 1, cancelled: 0, admitted: 1 });
  assert.equal((await queue.get(lost.job.id))!.state, 'failed');
  assert.deepEqual(await queue.queuePosition(held.job.id), { state: 'queued', position: 1, estimated: false });
  await withWorker({ generate: async () => 'ok' }, () => finished(held.job.id));

  const health = await queue.health();
  assert.equal(health.depth.held + health.depth.waiting + health.depth.running, 0);
  assert.ok(health.finished.succeeded >= 5);
  assert.ok(health.latencyMs.wait.p50 !== null && health.latencyMs.wait.p50 >= 0);
  assert.ok(health.latencyMs.run.p99! >= health.latencyMs.run.p50!);
  assert.equal(health.workers.active, 1);
  assert.ok(health.workers.utilisation! > 0 && health.workers.utilisation! <= 1);
});

test('a progress preview travels with its event; one too big for a notification is dropped, not the event', async () => {
  const user = await newUser(db.prisma);
  const events = record(queue);
  const big = 'x'.repeat(20_000);
  await withWorker(
    {
      async generate(_payload, { progress }) {
        progress(0.5, 'data:image/png;base64,AAAA');
        await sleep(50);
        progress(0.9, big);
        return null;
      },
    },
    async () => {
      const { job } = await queue.submit({ kind: 'generate', userId: user, idempotencyKey: nextKey(), payload: {} });
      assert.equal((await finished(job.id)).state, 'succeeded');
      await waitFor('the succeeded event', () => events.some((e) => e.type === 'succeeded' && e.jobId === job.id), 10_000);
      const progress = events.filter((e) => e.type === 'progress' && e.jobId === job.id);
      assert.deepEqual(progress, [
        { type: 'progress', jobId: job.id, userId: user, fraction: 0.5, preview: 'data:image/png;base64,AAAA' },
        { type: 'progress', jobId: job.id, userId: user, fraction: 0.9 },
      ]);
    },
    { progressIntervalMs: 0 },
  );
});

test('maintenance runs the reaper and plugged-in hooks on their cron schedules until stopped', async () => {
  let runs = 0;
  const stop = startMaintenance(queue, { schedule: '* * * * * *', hooks: [{ name: 'inversion-sweep', schedule: '* * * * * *', run: async () => void (runs += 1) }] });
  await waitFor('the hook to run', () => runs >= 1, 30_000);
  await stop();
  const after = runs;
  await sleep(1_500);
  assert.equal(runs, after, 'no runs after stop');
  assert.throws(() => startMaintenance(queue, { hooks: [{ name: 'bad', schedule: 'every tuesday', run: async () => 0 }] }), RangeError);
});
