// The body of a worker's heartbeat thread (see heartbeat.ts). Plain JavaScript: a worker thread
// doesn't inherit the tsx loader `bin/retouch.js` registers, so it can't load TypeScript.
// Upserts the worker's row every interval on a connection of its own; the first beat is reported to
// the main thread ("beat") so the worker takes no job before it is known to be alive.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';

const { url, workerId, host, pid, intervalMs } = workerData;
let client;
let stopping = false;
let first = true;

async function connect() {
  const next = new pg.Client({ connectionString: url, application_name: 'retouch-heartbeat' });
  next.on('error', () => undefined);
  await next.connect();
  return next;
}

async function beat() {
  try {
    client ??= await connect();
    await client.query(
      `INSERT INTO job_workers (id, host, pid, started_at, heartbeat_at) VALUES ($1, $2, $3, now(), now())
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [workerId, host, pid],
    );
    if (first) parentPort.postMessage({ type: 'beat' });
    first = false;
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    await client?.end().catch(() => undefined);
    client = undefined;
  }
}

const timer = setInterval(() => void beat(), intervalMs);
void beat();

parentPort.on('message', async (message) => {
  if (message?.type !== 'stop' || stopping) return;
  stopping = true;
  clearInterval(timer);
  // A clean stop: the worker is gone at once, not after its lease.
  try {
    client ??= await connect();
    await client.query('DELETE FROM job_workers WHERE id = $1', [workerId]);
  } catch {
    // The row expires with its lease.
  }
  await client?.end().catch(() => undefined);
  parentPort.postMessage({ type: 'stopped' });
});
