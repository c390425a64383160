// A worker in its own process, for the multi-process test:
//   node --import tsx test/jobs/worker-process.ts <database url> <worker id> <queue name>
// Its `generate` handler takes payload.ms in 50 ms steps (reporting progress, honouring the
// signal) and returns { n: payload.n * 2, workerId }. Prints "ready" once taking jobs.
import { setTimeout as sleep } from 'node:timers/promises';
import { startWorker, type JsonValue } from '../../src/jobs/index.ts';
import { FAST } from './support.ts';

const [url, workerId, queueName] = process.argv.slice(2);
if (!url || !workerId || !queueName) throw new Error('usage: worker-process.ts <url> <worker id> <queue name>');

const worker = await startWorker({
  url,
  workerId,
  config: { ...FAST, queueName },
  handlers: {
    async generate(payload, { signal, progress }) {
      const { n, ms } = payload as { n: number; ms: number };
      const steps = Math.max(1, Math.round(ms / 50));
      for (let i = 1; i <= steps; i++) {
        signal.throwIfAborted();
        await sleep(50);
        progress(i / steps);
      }
      return { n: n * 2, workerId } satisfies JsonValue;
    },
  },
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  worker.stop().then(() => process.exit(0));
});
