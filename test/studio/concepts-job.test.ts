// The worker's 'train' job (a concept dictionary of the shipped model, tiny: 8 pictures of 8 steps,
// SAEs trained 2 epochs): a worker killed mid-build leaves its work folder and its dictionary
// building; the retry takes both up without drawing the pictures again; a cancel stops it within a
// step and records why; the run after that finishes from the work folder into the user's dictionary.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JobCancelledError, type JobContext, type JsonValue } from '../../src/jobs/index.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { modelContentId } from '../../src/models/stable-diffusion.ts';
import { ConceptDictionaryStore } from '../../src/store/concept-dictionaries.ts';
import { conceptWorkFolder } from '../../src/studio/concepts.ts';
import { studioHandlers, type TrainResult } from '../../src/studio/handlers.ts';
import { Studio } from '../../src/studio/studio.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { newUser, waitFor } from '../jobs/support.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const SETTINGS = { prompts: 8, seed: 1, steps: 8, epochs: 2 };
const PAYLOAD = { task: 'concepts.build', ...SETTINGS, scope: 'user', name: 'mine' } as const;
const MINUTES = 4 * 60_000;

describe("the 'train' job: a concept dictionary built by a worker", () => {
  requireShippedModel();
  let database: TestDatabase;
  let studio: Studio;
  let handlers: ReturnType<typeof studioHandlers>;
  let store: ConceptDictionaryStore;
  let userId: string;
  const modelHash = modelContentId(SHIPPED_MODEL_DIR);

  before(async () => {
    database = await startTestDatabase();
    studio = new Studio({ logger: capturingLogger().logger });
    handlers = studioHandlers({ studio, prisma: database.prisma, dataDir: database.dataDir });
    store = new ConceptDictionaryStore(database.prisma);
    userId = await newUser(database.prisma, 'builder');
  });
  after(async () => {
    await studio?.close();
    await database?.destroy();
  });

  const context = (onProgress: (fraction: number) => void, signal = new AbortController().signal, workspaceId: string | null = null): JobContext => ({
    signal, progress: onProgress, jobId: 'job-1', userId, workspaceId, attempt: 1,
  });
  const train = (payload: unknown, jobContext: JobContext) => handlers.train!(payload as JsonValue, jobContext) as Promise<TrainResult>;

  it('refuses a payload outside the limits, and a workspace dictionary without a workspace', async () => {
    await assert.rejects(train({ ...PAYLOAD, prompts: 1 }, context(() => undefined)), /prompts[\s\S]*>=2/);
    await assert.rejects(train({ ...PAYLOAD, task: 'lora.train' }, context(() => undefined)), /concepts\.build/);
    const refused = await train({ ...PAYLOAD, scope: 'workspace' }, context(() => undefined));
    assert.deepEqual(refused, { kind: 'refused', reason: 'a workspace dictionary needs a job submitted from a workspace, and this one names none' });
  });

  it('resumes after its worker is killed, stops when cancelled, and finishes from the work folder', { timeout: MINUTES }, async () => {
    const work = conceptWorkFolder(database.dataDir, modelHash, SETTINGS);
    const images = join(work, 'collection', 'images.rgb');

    // A worker killed once the pictures are drawn and the SAEs training (past the first third).
    const worker = spawn(process.execPath, ['--import', 'tsx', 'test/studio/concepts-job-process.ts', database.url, database.dataDir, userId, JSON.stringify(PAYLOAD)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    worker.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor('the killed worker to train', () => [...out.matchAll(/progress ([\d.e-]+)/g)].some((m) => Number(m[1]) > 1 / 3) || (worker.exitCode !== null && Promise.reject(new Error(`the worker exited: ${out}`))), MINUTES);
    worker.kill('SIGKILL');
    await once(worker, 'exit');
    const [left] = await store.listDictionaries({ modelHash, scope: 'user', userId });
    assert.deepEqual([left?.status, left?.name, left?.build.model], ['building', 'mine', 'world-sd'], 'the killed build left its dictionary building');
    assert.equal(Number(readFileSync(join(work, 'build.pid'), 'utf8')), worker.pid, "and its pid on the work folder (it is dead, so the folder is free)");
    const drawnAt = statSync(images).mtimeMs;

    // The retry: cancelled at its first report, which comes from training (the collection is whole).
    const controller = new AbortController();
    const cancelledTrace: number[] = [];
    let abortedAt = 0;
    const cancelled = train(PAYLOAD, context((fraction) => {
      cancelledTrace.push(fraction);
      if (!controller.signal.aborted) {
        abortedAt = performance.now();
        controller.abort(new JobCancelledError('job job-1 was cancelled'));
      }
    }, controller.signal));
    await assert.rejects(cancelled, /cancelled/);
    const stopMs = performance.now() - abortedAt;
    assert.ok(stopMs < 5_000, `stopped ${Math.round(stopMs)} ms after the cancel`);
    assert.ok(cancelledTrace[0]! >= 1 / 3, `the first report, ${cancelledTrace[0]}, is past the collection`);
    const [stopped, ...others] = await store.listDictionaries({ modelHash, scope: 'user', userId });
    assert.equal(others.length, 0, 'the retry took up the dictionary the killed worker left');
    assert.deepEqual([stopped?.id, stopped?.status, stopped?.failure], [left?.id, 'failed', 'stopped: job job-1 was cancelled']);
    assert.equal(existsSync(join(work, 'build.pid')), false, 'the work folder is let go');

    // The next run finishes from the work folder.
    const trace: number[] = [];
    const result = await train(PAYLOAD, context((fraction) => trace.push(fraction)));
    assert.equal(result.kind, 'dictionary', JSON.stringify(result));
    if (result.kind !== 'dictionary') return;
    console.log(`# train job resumed: ${result.seconds.toFixed(1)} s, ${trace.length} progress reports, ${result.labelled} of ${result.features} features labelled`);
    assert.deepEqual([result.scope, result.model, result.modelHash, result.name, result.sites, result.readBack], ['user', 'world-sd', modelHash, 'mine', 18, true]);
    assert.ok(result.labelled > 0);
    assert.ok(trace[0]! >= 1 / 3, `no collection again: the first report is ${trace[0]}`);
    assert.ok(trace.every((f, i) => i === 0 || f >= trace[i - 1]!), 'progress never goes back');
    assert.equal(trace.at(-1), 1);
    assert.equal(statSync(images).mtimeMs, drawnAt, 'the pictures were not drawn again');

    const dictionaries = await store.listDictionaries({ modelHash, scope: 'user', userId });
    assert.deepEqual(dictionaries.map((d) => d.status), ['ready', 'failed']);
    const loaded = await store.loadDictionary({ modelHash, scope: 'user', userId, name: 'mine' });
    assert.equal(loaded?.id, result.dictionaryId);
    assert.equal(loaded?.sites.length, 18);
    assert.equal(await store.loadDictionary({ modelHash }), undefined, "a user's dictionary is not the model's shared one");
  });
});
