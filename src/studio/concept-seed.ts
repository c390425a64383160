// A model's concept dictionary shipped as seed data (models/world-sd/concepts/, src/concepts/seed-files.ts)
// loaded into the database as the model's shared dictionary when it has none: ready at once on first
// start, at no CPU cost, rather than a build of tens of minutes holding the worker. A seed built for
// other weights is ignored (its features would describe another model's UNet).
import { existsSync } from 'node:fs';
import { conceptSeedDir, readSeed, readSeedIndex } from '../concepts/seed-files.ts';
import type { Logger } from '../log.ts';
import type { ModelCatalog } from '../models/catalog.ts';
import { SEED_REBUILD_COMMAND, SHIPPED_MODEL_DIR } from '../models/shipped.ts';
import { modelContentId } from '../models/stable-diffusion.ts';
import type { ConceptDictionaryStore } from '../store/concept-dictionaries.ts';

export type SeedOutcome = 'imported' | 'present' | 'no-seed' | 'other-model';

export interface SeedImport {
  /** The model's folder; its seed is `<dir>/concepts`. */
  modelDir: string;
  /** Its catalog name, recorded as the dictionary's `build.model` (how the chat finds it). */
  modelName: string;
  /** Its content id (default: computed from the folder). */
  modelHash?: string;
  logger?: Logger;
}

/** Imports the model's seed unless it has a ready shared dictionary, has no seed, or the seed is of other weights. */
export async function importConceptSeed(store: ConceptDictionaryStore, request: SeedImport): Promise<SeedOutcome> {
  const dir = conceptSeedDir(request.modelDir);
  const index = readSeedIndex(dir);
  if (!index) return 'no-seed';
  const modelHash = request.modelHash ?? modelContentId(request.modelDir);
  if (index.modelHash !== modelHash) {
    request.logger?.warn(
      { seed: dir, seedModelHash: index.modelHash, modelHash },
      `the concept dictionary seed in ${dir} was built for other weights of ${request.modelName} (${index.modelHash.slice(0, 12)}, the model is ${modelHash.slice(0, 12)}): ignored; rebuild it with ${rebuildCommand(request.modelDir, dir)}`,
    );
    return 'other-model';
  }
  if (await store.readyVersion({ modelHash })) return 'present';
  const started = performance.now();
  const dictionary = readSeed(dir, index);
  const id = await store.importShared({ ...dictionary, build: { ...dictionary.build, model: request.modelName } }, `seed data shipped in ${dir}`);
  const ms = Math.round(performance.now() - started);
  if (!id) return 'present';
  request.logger?.info({ dictionaryId: id, model: request.modelName, seed: dir, ms }, `loaded ${request.modelName}'s shipped concept dictionary into the database in ${ms} ms`);
  return 'imported';
}

/** Imports the seed of every model of the catalog that ships one; a failure is logged, not thrown: the bot runs without a dictionary. */
export async function importConceptSeeds(store: ConceptDictionaryStore, catalog: ModelCatalog, logger: Logger): Promise<void> {
  for (const modelName of catalog.names) {
    const modelDir = catalog.pathOf(modelName);
    if (!existsSync(conceptSeedDir(modelDir))) continue;
    try {
      await importConceptSeed(store, { modelDir, modelName, logger });
    } catch (error) {
      logger.error({ err: error, model: modelName }, `could not load ${modelName}'s shipped concept dictionary; /concepts build:true builds one`);
    }
  }
}

function rebuildCommand(modelDir: string, seedDir: string): string {
  return modelDir === SHIPPED_MODEL_DIR ? SEED_REBUILD_COMMAND : `retouch concepts build --model ${modelDir} --export ${seedDir}`;
}
