// The job queue with workers that really generate on the shipped model (or --model DIR): for 1 and
// 2 worker processes, the queue overhead (submit → handler start, worker idle; median of
// --overhead runs) and throughput (--jobs jobs from two users submitted at once). Each worker
// compiles the model before it takes jobs, so neither figure includes compilation.
//   npm run bench:jobs [-- --steps 10 --jobs 4 --overhead 3 --model DIR]
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue, startWorker, type JobRecord } from '../src/jobs/index.ts';
import { createLogger } from '../src/log.ts';
import { resolveModelPath } from '../src/models/shipped.ts';
import { openStableDiffusion } from '../src/models/stable-diffusion.ts';
import { openDatabase } from '../src/store/database.ts';
import { Diffusion } from '../src/pipeline/diffusion.ts';
import { textToImage } from '../src/pipeline/text-to-image.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '10' },
    jobs: { type: 'string', default: '4' },
    overhead: { type: 'string', default: '3' },
    model: { type: 'string' },
    worker: { type: 'boolean', default: false },
  },
});
const steps = Number(values.steps);
const QUEUE = 'bench-jobs';

if (values.worker) await runWorker(positionals[0]!, positionals[1]!);
else await main();

/** A worker process: load and compile the model, then take generate jobs. */
async function runWorker(url: string, workerId: string): Promise<void> {
  const diffusion = new Diffusion(openStableDiffusion(resolveModelPath(values.model)));
  await textToImage(diffusion, { prompt: 'warm-up', seed: 1, steps: 1 });
  const worker = await startWorker({
    url,
    workerId,
    config: { queueName: QUEUE, pollIntervalMs: 5_000 },
    handlers: {
      async generate(payload, { signal, progress }) {
        const { prompt, seed } = payload as { prompt: string; seed: number };
        const image = await textToImage(diffusion, { prompt, seed, steps, signal, onStep: (p) => progress(p.step / p.total) });
        return { width: image.width, height: image.height, sha256: createHash('sha256').update(image.pixels).digest('hex') };
      },
    },
  });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void worker.stop().then(() => diffusion.release()).then(() => process.exit(0)));
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'retouch-bench-jobs-'));
  await chmod(dataDir, 0o755);
  const database = await openDatabase({ databaseUrl: undefined, dataDir, embeddedPostgres: { port: 0, systemUser: 'postgres' } }, createLogger('warn'));
  const queue = await JobQueue.open({ url: database.url, config: { queueName: QUEUE }, events: false });
  const users = await Promise.all(['alice', 'bob'].map((name) => database.prisma.user.create({ data: { platform: 'local', externalId: name, displayName: name } })));
  let key = 0;
  const submit = (userId: string) =>
    queue.submit({ kind: 'generate', userId, idempotencyKey: `bench-${key}`, payload: { prompt: 'a large red star in the top left on grass', seed: key++ } });
  const finished = async (ids: string[]): Promise<JobRecord[]> => {
    for (;;) {
      const jobs = await Promise.all(ids.map((id) => queue.get(id)));
      if (jobs.every((j) => j && j.state !== 'queued' && j.state !== 'running')) return jobs as JobRecord[];
      await sleep(20);
    }
  };
  console.log(`jobs bench: text-to-image, ${steps} DDIM steps, guidance 7.5, on ${resolveModelPath(values.model)}`);
  try {
    for (const count of [1, 2]) {
      const workers = await Promise.all(Array.from({ length: count }, (_, i) => spawnWorker(database.url, `bench-${count}-${i}`)));
      // Overhead: one job at a time, every worker idle when it is submitted.
      const overhead: number[] = [];
      for (let i = 0; i < Number(values.overhead); i++) {
        const { job } = await submit(users[0]!.id);
        const [done] = await finished([job.id]);
        if (done!.state !== 'succeeded') throw new Error(`job failed: ${done!.error}`);
        overhead.push(done!.startedAt!.getTime() - done!.createdAt.getTime());
        await sleep(200); // let the worker go idle (back to waiting for a notification)
      }
      // Throughput: a batch from two users at once.
      const t0 = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < Number(values.jobs); i++) ids.push((await submit(users[i % 2]!.id)).job.id);
      const batch = await finished(ids);
      const seconds = (performance.now() - t0) / 1000;
      const failed = batch.filter((j) => j.state !== 'succeeded');
      if (failed.length > 0) throw new Error(`${failed.length} jobs failed: ${failed[0]!.error}`);
      const run = batch.map((j) => j.finishedAt!.getTime() - j.startedAt!.getTime()).sort((a, b) => a - b);
      overhead.sort((a, b) => a - b);
      console.log(
        `${count} worker${count > 1 ? 's' : ' '}: queue overhead (submit → start, idle worker) median ${overhead[Math.floor(overhead.length / 2)]} ms ` +
          `(min ${overhead[0]}, max ${overhead.at(-1)}) over ${overhead.length}; ` +
          `throughput ${((batch.length / seconds) * 60).toFixed(1)} images/min (${batch.length} jobs in ${seconds.toFixed(1)} s, ` +
          `median run ${(run[Math.floor(run.length / 2)]! / 1000).toFixed(2)} s)`,
      );
      await Promise.all(workers.map(async (w) => { w.kill('SIGTERM'); await new Promise((r) => w.once('exit', r)); }));
    }
    const health = await queue.health();
    console.log(`health: wait p50 ${health.latencyMs.wait.p50?.toFixed(0)} ms, p90 ${health.latencyMs.wait.p90?.toFixed(0)} ms; run p50 ${health.latencyMs.run.p50?.toFixed(0)} ms; ${health.finished.succeeded} succeeded`);
  } finally {
    await queue.close();
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function spawnWorker(url: string, id: string): Promise<ChildProcess> {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', url, id, '--steps', String(steps)];
  if (values.model) args.push('--model', values.model);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  while (!out.includes('ready')) {
    if (child.exitCode !== null) throw new Error(`worker ${id} exited with ${child.exitCode}`);
    await sleep(50);
  }
  return child;
}
