// A model's concept dictionary built and stored, for `retouch concepts` and the workers' 'train'
// jobs. The build runs stage by stage in a work folder under the data folder, keyed by the model's
// hash and the build's settings, so a run that was killed (or a job whose worker died) picks up where
// it stopped (src/concepts/build.ts). The dictionary is begun in the store before the build and saved
// whole after it, or marked failed with the reason.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CONCEPT_BUILD } from '../config/limits.ts';
import { BUILD_STAGES, buildDictionary, SAE_DEFAULTS, type BuildStage } from '../concepts/build.ts';
import { readManifest } from '../concepts/collect.ts';
import { worldPrompts, worldRegions } from '../concepts/world.ts';
import type { ConceptDictionary } from '../models/sae/dictionary.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { hasReader } from '../reading/index.ts';
import type { ConceptDictionaryStore, DictionaryOwner } from '../store/concept-dictionaries.ts';
import type { Studio } from './studio.ts';
import { isAlive } from '../support/process.ts';

export interface ConceptBuildSettings {
  /** World captions drawn (one image each). */
  prompts: number;
  seed: number;
  /** Sampling steps of each image. */
  steps: number;
  /** Epochs each site's SAE trains. */
  epochs: number;
}

export const DEFAULT_BUILD_SETTINGS: ConceptBuildSettings = {
  prompts: CONCEPT_BUILD.prompts.default,
  seed: CONCEPT_BUILD.seed.default,
  steps: CONCEPT_BUILD.steps.default,
  epochs: SAE_DEFAULTS.epochs,
};

/** Where a build of this model with these settings keeps its work (another setting is another folder). */
export function conceptWorkFolder(dataDir: string, modelHash: string, settings: ConceptBuildSettings): string {
  const { prompts, seed, steps, epochs } = settings;
  return join(dataDir, 'concepts', modelHash, `prompts${prompts}-seed${seed}-steps${steps}-epochs${epochs}`);
}

export interface ConceptBuild extends ConceptBuildSettings {
  /** The model's catalog name: whether its pictures are read back for labels; recorded with the dictionary. */
  modelName: string;
  work: string;
  onProgress?: (stage: BuildStage, fraction: number, detail: string) => void | Promise<void>;
  signal?: AbortSignal;
}

/** The whole build as one fraction: each stage a third (a resumed stage jumps ahead). */
function overallProgress(stage: BuildStage, fraction: number): number {
  return (BUILD_STAGES.indexOf(stage) + fraction) / BUILD_STAGES.length;
}

/** The whole build in its work folder, not stored (the evaluation measures it). */
export function buildUnstored(diffusion: Diffusion, build: ConceptBuild): Promise<ConceptDictionary> {
  return withWorkFolder(build.work, () => buildDictionary(diffusion, build.work, { ...buildOptions(build, CONCEPT_BUILD.name), stopAfter: 'label' }));
}

/** Runs the build in its work folder up to `stopAfter` without touching the store; what the collection holds. */
export async function buildInWorkFolder(diffusion: Diffusion, build: ConceptBuild, stopAfter: 'collect' | 'train'): Promise<{ images: number; sites: number }> {
  // Nothing is stored, so the name is never used.
  await withWorkFolder(build.work, () => buildDictionary(diffusion, build.work, { ...buildOptions(build, CONCEPT_BUILD.name), stopAfter }));
  const manifest = readManifest(join(build.work, 'collection'));
  return { images: manifest?.images ?? 0, sites: manifest?.sites.length ?? 0 };
}

export interface StoredBuild {
  id: string;
  dictionary: ConceptDictionary;
  /** The model's pictures were read back, so features have words; else only intensities and top images. */
  readBack: boolean;
}

/** The whole build, stored as `owner`'s dictionary `name` of the model (a ready one of that name is replaced). */
export async function buildAndStore(diffusion: Diffusion, store: ConceptDictionaryStore, build: ConceptBuild & { owner: DictionaryOwner; name: string }): Promise<StoredBuild> {
  const modelHash = diffusion.model.hash;
  const readBack = hasReader(build.modelName);
  const recorded = { model: build.modelName, readBack };
  return withWorkFolder(build.work, async () => {
    const id = await dictionaryToBuild(store, build.owner, build.name, modelHash, { ...recorded, prompts: build.prompts, seed: build.seed, steps: build.steps, epochs: build.epochs });
    try {
      const dictionary = await buildDictionary(diffusion, build.work, { ...buildOptions(build, build.name), stopAfter: 'label' });
      const stored = { ...dictionary, build: { ...dictionary.build, ...recorded } };
      await store.saveDictionary(id, stored);
      return { id, dictionary: stored, readBack };
    } catch (error) {
      const reason = build.signal?.aborted ? `stopped: ${messageOf(build.signal.reason)}` : messageOf(error);
      // The build's own error is the one to report, even if recording it fails too.
      await store.markFailed(id, reason).catch(() => undefined);
      throw error;
    }
  });
}

/** How many features of a dictionary have a stored meaning, and how many of those have words. */
export function featureCounts(dictionary: ConceptDictionary): { features: number; labelled: number } {
  const features = dictionary.sites.flatMap((site) => site.features);
  return { features: features.length, labelled: features.filter((f) => f.words.length > 0).length };
}

export interface ConceptJob extends ConceptBuildSettings {
  /** The model's catalog name; absent: the studio's default. */
  model?: string | undefined;
  owner: DictionaryOwner;
  name: string;
  dataDir: string;
  /** Overall progress in [0, 1]. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** A 'train' job's build on the studio's model (the GPU is the job's until it ends). */
export function buildForJob(studio: Studio, store: ConceptDictionaryStore, job: ConceptJob): Promise<StoredBuild & { modelName: string; seconds: number }> {
  const modelName = job.model ?? studio.catalog.defaultName;
  const started = performance.now();
  let done = 0;
  return studio.exclusive(async ({ model, diffusion }) => {
    const settings = { prompts: job.prompts, seed: job.seed, steps: job.steps, epochs: job.epochs };
    const stored = await buildAndStore(diffusion({ hooks: true }), store, {
      ...settings,
      modelName,
      owner: job.owner,
      name: job.name,
      work: conceptWorkFolder(job.dataDir, model.hash, settings),
      onProgress: (stage, fraction) => {
        done = Math.max(done, overallProgress(stage, fraction));
        job.onProgress?.(done);
      },
      signal: job.signal,
    });
    return { ...stored, modelName, seconds: (performance.now() - started) / 1000 };
  }, modelName);
}

function buildOptions(build: ConceptBuild, name: string) {
  return {
    name,
    prompts: worldPrompts(build.prompts, build.seed),
    seed: build.seed,
    steps: build.steps,
    sae: { epochs: build.epochs },
    regions: hasReader(build.modelName) ? worldRegions : async () => undefined,
    onProgress: build.onProgress,
    signal: build.signal,
  };
}

/**
 * The dictionary row this build fills: the one a killed run of the same build left building (so it
 * isn't left building for ever), else a new one.
 */
async function dictionaryToBuild(store: ConceptDictionaryStore, owner: DictionaryOwner, name: string, modelHash: string, build: Record<string, unknown>): Promise<string> {
  const building = await store.listDictionaries({ modelHash, scope: owner.scope, userId: owner.userId, workspaceId: owner.workspaceId, status: 'building' });
  const left = building.find((d) => d.name === name && isDeepStrictEqual(d.build, build));
  return left?.id ?? store.beginDictionary({ ...owner, modelHash, name, build });
}

export class WorkFolderBusyError extends Error {
  override name = 'WorkFolderBusyError';
}

/**
 * Runs `work` holding the work folder: two builds in one folder would write the same files. The
 * holder is a pid, as the embedded Postgres claims its data folder, so a killed build's folder is
 * free at once (a lock refreshed by a timer would look abandoned while a long synchronous step of
 * the build blocks the timer).
 */
async function withWorkFolder<T>(folder: string, work: () => Promise<T>): Promise<T> {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'build.pid');
  const holder = Number(existsSync(file) ? readFileSync(file, 'utf8') : '');
  if (holder && holder !== process.pid && isAlive(holder)) throw new WorkFolderBusyError(`${folder} is being built by process ${holder}; wait for it to finish or stop it`);
  writeFileSync(file, String(process.pid));
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}

function messageOf(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
