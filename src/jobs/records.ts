// The `jobs` table: the user-facing record of every job and the ledger that makes results
// exactly-once. Every state change is one guarded UPDATE; the event announcing it is sent by the
// same statement, so it goes out exactly when the change commits.
//
// A job's `attempts` is its fencing token: a worker may finish only the attempt it started, so a
// worker presumed dead (its job retried elsewhere) can't overwrite the retry's outcome.
//
// Until the schema has a `delivered_at` column, `result` holds an envelope
// {"value": <handler result or null>, "deliveredAt": <timestamp or null>}; only this module knows.
import { EVENTS_CHANNEL, type Queryable } from './notify.ts';
import type { JobKind, JobRecord, JobState, JsonValue } from './types.ts';

interface JobRow {
  id: string;
  kind: JobKind;
  state: JobState;
  user_id: string;
  workspace_id: string | null;
  idempotency_key: string;
  payload: JsonValue;
  result: { value?: JsonValue; deliveredAt?: string | null } | null;
  error: string | null;
  progress: number;
  attempts: number;
  worker_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export function toRecord(row: JobRow): JobRecord {
  const delivered = row.result?.deliveredAt;
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    userId: row.user_id,
    workspaceId: row.workspace_id,
    idempotencyKey: row.idempotency_key,
    payload: row.payload,
    result: row.result?.value ?? null,
    error: row.error,
    progress: row.progress,
    attempts: row.attempts,
    workerId: row.worker_id,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    deliveredAt: delivered ? new Date(delivered) : null,
  };
}

export const MAX_PREVIEW_BYTES = 7_000;

const ENVELOPE = `jsonb_build_object('value', $VALUE::jsonb, 'deliveredAt', null)`;
const envelope = (param: string) => ENVELOPE.replace('$VALUE', param);

// Sends `event` (a json expression over the updated row `done`) when the update hit a row.
const announce = (event: string) => `SELECT done.*, pg_notify('${EVENTS_CHANNEL}', (${event})::text) FROM done`;
const eventOf = (type: string, extra = '') =>
  `json_build_object('type', '${type}', 'jobId', done.id, 'userId', done.user_id${extra})`;

export interface NewJob {
  kind: JobKind;
  userId: string;
  workspaceId?: string | null;
  idempotencyKey: string;
  payload: JsonValue;
}

/** Inserts the job, or returns the one already recorded under the idempotency key. */
export async function insertJob(db: Queryable, job: NewJob): Promise<{ record: JobRecord; created: boolean }> {
  const inserted = await db.query<JobRow>(
    `INSERT INTO jobs (id, kind, user_id, workspace_id, idempotency_key, payload)
     VALUES (gen_random_uuid(), $1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`,
    [job.kind, job.userId, job.workspaceId ?? null, job.idempotencyKey, JSON.stringify(job.payload)],
  );
  if (inserted.rows[0]) return { record: toRecord(inserted.rows[0]), created: true };
  const existing = await db.query<JobRow>('SELECT * FROM jobs WHERE idempotency_key = $1', [job.idempotencyKey]);
  if (!existing.rows[0]) throw new Error(`job ${job.idempotencyKey} vanished while being submitted`);
  return { record: toRecord(existing.rows[0]), created: false };
}

export async function getJob(db: Queryable, id: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Claims the job for a new attempt by `workerId`; null if it is no longer queued or running. */
export async function startAttempt(db: Queryable, id: string, workerId: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRow>(
    `WITH done AS (
       UPDATE jobs SET state = 'running', worker_id = $2, attempts = attempts + 1, started_at = now(), progress = 0
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING *)
     ${announce(eventOf('started', ", 'attempt', done.attempts, 'workerId', done.worker_id"))}`,
    [id, workerId],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Records progress of the attempt; false when the attempt is no longer current (cancelled, taken over). */
export async function recordProgress(db: Queryable, id: string, attempt: number, fraction: number, preview?: string): Promise<boolean> {
  // Postgres refuses notification payloads of 8000 bytes or more: a bigger preview is dropped.
  if (preview !== undefined && Buffer.byteLength(preview) > MAX_PREVIEW_BYTES) preview = undefined;
  const extra = preview === undefined ? '' : ", 'preview', $4::text";
  const { rows } = await db.query(
    `WITH done AS (
       UPDATE jobs SET progress = $3 WHERE id = $1 AND attempts = $2 AND state = 'running' RETURNING id, user_id)
     ${announce(eventOf('progress', `, 'fraction', $3::float8${extra}`))}`,
    preview === undefined ? [id, attempt, fraction] : [id, attempt, fraction, preview],
  );
  return rows.length === 1;
}

/** Ends the attempt with its outcome; false (and nothing written) when it is no longer current. */
export async function finishAttempt(
  db: Queryable,
  id: string,
  attempt: number,
  outcome: { state: 'succeeded'; value: JsonValue } | { state: 'failed'; error: string },
): Promise<boolean> {
  const value = outcome.state === 'succeeded' ? JSON.stringify(outcome.value) : 'null';
  const error = outcome.state === 'failed' ? outcome.error : null;
  const { rows } = await db.query(
    `WITH done AS (
       UPDATE jobs SET state = $3::text::"JobState", result = ${envelope('$4')}, error = $5, finished_at = now(),
         progress = CASE WHEN $3::text = 'succeeded' THEN 1 ELSE progress END
       WHERE id = $1 AND attempts = $2 AND state = 'running' RETURNING id, user_id)
     ${announce(`json_build_object('type', $3::text, 'jobId', done.id, 'userId', done.user_id, 'error', $5::text)`)}`,
    [id, attempt, outcome.state, value, error],
  );
  return rows.length === 1;
}

/** Puts a failed attempt back to queued, for pg-boss to retry. */
export async function requeueAttempt(db: Queryable, id: string, attempt: number, error: string): Promise<boolean> {
  const { rows } = await db.query(
    `WITH done AS (
       UPDATE jobs SET state = 'queued', error = $3, worker_id = NULL
       WHERE id = $1 AND attempts = $2 AND state = 'running' RETURNING id, user_id)
     ${announce(eventOf('retrying', ", 'error', $3::text"))}`,
    [id, attempt, error],
  );
  return rows.length === 1;
}

/** Puts a job back to queued whatever its attempt: its worker is dead (leases.ts) and pg-boss retries it. */
export async function requeueJob(db: Queryable, id: string, error: string): Promise<boolean> {
  const { rows } = await db.query(
    `WITH done AS (
       UPDATE jobs SET state = 'queued', error = $2, worker_id = NULL
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING id, user_id)
     ${announce(eventOf('retrying', ", 'error', $2::text"))}`,
    [id, error],
  );
  return rows.length === 1;
}

/** Ends a job that is not finished, whatever its attempt (cancellation, reconciliation). */
export async function closeJob(db: Queryable, id: string, state: 'cancelled' | 'failed', error: string | null = null): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRow>(
    `WITH done AS (
       UPDATE jobs SET state = $2::text::"JobState", result = ${envelope("'null'")}, error = $3, finished_at = now()
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING *)
     ${announce(`json_build_object('type', $2::text, 'jobId', done.id, 'userId', done.user_id, 'error', $3::text)`)}`,
    [id, state, error],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/**
 * Marks a finished job's outcome as delivered to its user and returns the job, once: every later
 * call (another bot process, a retry, a restart) gets null.
 */
export async function claimDelivery(db: Queryable, id: string): Promise<JobRecord | null> {
  const { rows } = await db.query<JobRow>(
    `UPDATE jobs SET result = jsonb_set(result, '{deliveredAt}', to_jsonb(now()))
     WHERE id = $1 AND state IN ('succeeded', 'failed', 'cancelled') AND result->'deliveredAt' = 'null'::jsonb
     RETURNING *`,
    [id],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Finished jobs whose outcome no bot has claimed yet, oldest first (for a bot catching up after a restart). */
export async function undeliveredJobs(db: Queryable, options: { userId?: string; limit?: number } = {}): Promise<JobRecord[]> {
  const { rows } = await db.query<JobRow>(
    `SELECT * FROM jobs
     WHERE state IN ('succeeded', 'failed', 'cancelled') AND result->'deliveredAt' = 'null'::jsonb
       AND ($1::uuid IS NULL OR user_id = $1)
     ORDER BY finished_at LIMIT $2`,
    [options.userId ?? null, options.limit ?? 100],
  );
  return rows.map(toRecord);
}

/** A user's jobs that have not finished (held, waiting or running), oldest first. */
export async function activeJobs(db: Queryable, userId: string): Promise<JobRecord[]> {
  const { rows } = await db.query<JobRow>(
    `SELECT * FROM jobs WHERE user_id = $1 AND state IN ('queued', 'running') ORDER BY created_at, id`,
    [userId],
  );
  return rows.map(toRecord);
}

/** Every job not finished (held, waiting or running), oldest first (for a bot taking over replies after a restart). */
export async function unfinishedJobs(db: Queryable, limit: number): Promise<JobRecord[]> {
  const { rows } = await db.query<JobRow>(
    `SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at, id LIMIT $1`,
    [limit],
  );
  return rows.map(toRecord);
}
