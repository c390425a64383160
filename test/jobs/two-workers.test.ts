// Two worker processes on one Postgres, several users, one worker SIGKILLed mid-job: every job
// succeeds exactly once, and a light user's job is not held up by a heavy user's backlog. The jobs'
// timeouts are ten minutes, so only the worker lease (not pg-boss's expiry) can bring the killed
// job back within the test.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { JobQueue, type JobEvent, type JobRecord } from '../../src/jobs/index.ts';
import { queryOnce, startTestDatabase, type TestDatabase } from '../support/database.ts';
import { FAST, newUser, record, waitFor } from './support.ts';

const QUEUE = 'two-workers';
const TEN_MINUTES = 600_000;
const CONFIG = { ...FAST, queueName: QUEUE, timeoutMs: { generate: TEN_MINUTES, edit: TEN_MINUTES, invert: TEN_MINUTES, train: TEN_MINUTES } };
let db: TestDatabase;
let queue: JobQueue;
const children: ChildProcess[] = [];

before(async () => {
  db = await startTestDatabase();
  queue = await JobQueue.open({ url: db.url, config: CONFIG });
});
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await queue?.close();
  await db?.destroy();
});

async function spawnWorker(workerId: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/jobs/worker-process.ts', db.url, workerId, QUEUE], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  await waitFor(`${workerId} to start`, () => out.includes('ready') || (child.exitCode !== null && Promise.reject(new Error(`${workerId} exited`))), 120_000);
  return child;
}

test('two worker processes, one killed mid-job: every job succeeds exactly once, and fairly', { timeout: 300_000 }, async () => {
  const events = record(queue);
  const [workerA, workerB] = await Promise.all([spawnWorker('worker-a'), spawnWorker('worker-b')]);
  const [heavy, medium, light] = [await newUser(db.prisma, 'heavy'), await newUser(db.prisma, 'medium'), await newUser(db.prisma, 'light')];
  const jobs: JobRecord[] = [];
  const submit = async (userId: string, n: number) => {
    const { job } = await queue.submit({ kind: 'generate', userId, idempotencyKey: `job-${n}`, payload: { n, ms: 600 } });
    jobs.push(job);
    return job;
  };
  let n = 0;
  for (let i = 0; i < 12; i++) await submit(heavy, n++);
  for (let i = 0; i < 4; i++) await submit(medium, n++);

  // Once the queue is in its steady state, the light user asks for one image.
  await waitFor('two jobs to finish', () => events.filter((e) => e.type === 'succeeded').length >= 2);
  const lightJob = await submit(light, n++);
  // Notifications arrive in commit order: this marker comes after the light job was admitted.
  await queryOnce(db.url, `SELECT pg_notify('retouch_job_events', '{"type":"marker"}')`);
  const position = await queue.queuePosition(lightJob.id);
  assert.ok(position.state === 'queued' || position.state === 'running', `light job is ${position.state}`);

  // Kill worker A in the middle of a job.
  const victim = await waitFor('worker A to be mid-job', async () => {
    const running = (await db.prisma.job.findFirst({ where: { state: 'running', workerId: 'worker-a', progress: { gte: 0.2, lte: 0.7 } } }));
    return running ?? undefined;
  });
  const liveBefore = (await queue.health()).workers.alive;
  workerA.kill('SIGKILL');
  const killedAt = Date.now();
  await once(workerA, 'exit');
  // Taken back within the lease: queued again (not a phantom "running" on a dead worker), then run by B.
  const requeued = await waitFor('the killed job to be taken back', () => events.find((e) => e.type === 'retrying' && e.jobId === victim.id), 30_000);
  const takenBackMs = Date.now() - killedAt;
  assert.match((requeued as { error: string }).error, /worker running it stopped responding/);
  assert.equal((await queue.health()).workers.alive, liveBefore - 1, 'the dead worker no longer counts as running');
  await waitFor('the retry to start', () => events.some((e) => e.type === 'started' && e.jobId === victim.id && e.attempt >= 2), 30_000);
  console.log(`# two-workers: kill → taken back ${takenBackMs} ms, → retry started ${Date.now() - killedAt} ms (lease ${FAST.workerLeaseMs} ms)`);

  const all = await waitFor('every job to finish', async () => {
    const rows = await db.prisma.job.findMany({ where: { id: { in: jobs.map((j) => j.id) } } });
    return rows.every((r) => r.state !== 'queued' && r.state !== 'running') ? rows : undefined;
  }, 180_000);

  // Every job succeeded once, with its own result, announced exactly once (events come by NOTIFY
  // after the commit the states were read from: wait for the last ones).
  await waitFor('every succeeded event', () => all.every((job) => events.some((e) => e.type === 'succeeded' && e.jobId === job.id)), 10_000).catch(() => undefined);
  for (const job of all) {
    assert.equal(job.state, 'succeeded', `job ${job.idempotencyKey}: ${job.error}`);
    const n = Number(job.idempotencyKey.slice(4));
    assert.equal((job.result as { value: { n: number } }).value.n, n * 2);
    assert.equal(events.filter((e) => e.type === 'succeeded' && e.jobId === job.id).length, 1, `succeeded events of ${job.idempotencyKey}`);
  }
  assert.ok(!events.some((e) => e.type === 'failed'), 'no job failed');

  // The killed job was retried by the other worker.
  const retried = all.find((j) => j.id === victim.id)!;
  assert.ok(retried.attempts >= 2, `the killed job ran ${retried.attempts} time(s)`);
  assert.equal(retried.workerId, 'worker-b');
  assert.equal((retried.result as { value: { workerId: string } }).value.workerId, 'worker-b');

  // Delivery: each outcome is claimed once.
  for (const job of all) {
    assert.ok(await queue.claimDelivery(job.id), `first claim of ${job.idempotencyKey}`);
    assert.equal(await queue.claimDelivery(job.id), null, `second claim of ${job.idempotencyKey}`);
  }
  assert.deepEqual(await queue.undelivered(), []);

  // Fairness, by order: after the light job was admitted, at most one job per worker (two: one
  // job's time on two workers) started before it, though the heavy user had a backlog of ~10. The
  // killed job's retry doesn't count when it had started before the light job came: it was ahead of
  // it already, not part of the backlog.
  const order = events as (JobEvent | { type: 'marker' })[];
  const marker = order.findIndex((e) => e.type === 'marker');
  const lightStart = order.findIndex((e) => e.type === 'started' && e.jobId === lightJob.id);
  assert.ok(marker >= 0 && lightStart > marker, 'the light job started after it was submitted');
  const startedEarlier = new Set(order.slice(0, marker).flatMap((e) => (e.type === 'started' ? [e.jobId] : [])));
  const ahead = order.slice(marker, lightStart).flatMap((e) => (e.type === 'started' ? [e.jobId] : []));
  const newlyAhead = ahead.filter((id) => !startedEarlier.has(id));
  const describe = (id: string) => {
    const job = all.find((j) => j.id === id);
    return `${job?.idempotencyKey} (${job?.userId === heavy ? 'heavy' : job?.userId === medium ? 'medium' : 'light'}${startedEarlier.has(id) ? ', a restart' : ''})`;
  };
  assert.ok(newlyAhead.length <= 2, `${newlyAhead.length} jobs started ahead of the light user's job: ${ahead.map(describe).join(', ')}`);
  const heavyLeft = all.filter((j) => j.userId === heavy && j.startedAt! > all.find((x) => x.id === lightJob.id)!.startedAt!).length;
  assert.ok(heavyLeft >= 5, `the heavy user still had ${heavyLeft} jobs to run after the light one started`);

  workerB.kill('SIGTERM');
  await once(workerB, 'exit');
});
