// The shipped model's concept dictionary as seed data: the committed seed is of the shipped weights,
// a fresh database gets it as the model's shared dictionary (whole, once, even when two starts race),
// and a seed of other weights is ignored with a line naming the rebuild command.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { conceptSeedDir, readSeedIndex, SEED_INDEX } from '../../src/concepts/seed-files.ts';
import { siteName, type DictionarySite } from '../../src/models/sae/dictionary.ts';
import { SEED_REBUILD_COMMAND, SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { modelContentId } from '../../src/models/stable-diffusion.ts';
import { ConceptDictionaryStore } from '../../src/store/concept-dictionaries.ts';
import { importConceptSeed } from '../../src/studio/concept-seed.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';

const seedDir = conceptSeedDir(SHIPPED_MODEL_DIR);

it("the committed seed is of the shipped model's weights", () => {
  const index = readSeedIndex(seedDir);
  assert.ok(index, `${seedDir} holds no seed; build it with: ${SEED_REBUILD_COMMAND}`);
  assert.equal(index.modelHash, modelContentId(SHIPPED_MODEL_DIR), `the shipped model was retrained after its concept dictionary seed was built; rebuild the seed with: ${SEED_REBUILD_COMMAND}`);
});

describe('loading the seed into the database', () => {
  let database: TestDatabase;
  let store: ConceptDictionaryStore;
  const index = readSeedIndex(seedDir)!;
  before(async () => {
    database = await startTestDatabase();
    store = new ConceptDictionaryStore(database.prisma);
  });
  after(async () => {
    await database?.destroy();
  });
  beforeEach(async () => {
    await database.prisma.conceptDictionary.deleteMany();
  });

  it("a fresh database gets the seed as the model's ready shared dictionary, with its sites, features and thumbnails; a second start imports nothing", async () => {
    const { logger, lines } = capturingLogger();
    assert.equal(await importConceptSeed(store, { modelDir: SHIPPED_MODEL_DIR, modelName: 'world-sd', logger }), 'imported');
    const loaded = lines().find((l) => /^loaded world-sd's shipped concept dictionary into the database in \d+ ms$/.test(String(l.msg)));
    assert.ok(loaded, JSON.stringify(lines()));
    console.log(`# seed import: ${String(loaded.ms)} ms`);

    const dictionary = await store.loadDictionary({ modelHash: index.modelHash });
    assert.ok(dictionary, 'ready at once');
    assert.equal(dictionary.name, index.name);
    assert.equal(dictionary.build.model, 'world-sd');
    assert.equal(await store.modelHashOf('world-sd'), index.modelHash, 'the chat finds it by the model name');
    assert.deepEqual(dictionary.sites.map(siteName).sort(), index.sites.map(siteName).sort());
    for (const site of index.sites) {
      const stored: DictionarySite = dictionary.sites.find((s) => siteName(s) === siteName(site))!;
      assert.equal(stored.features.length, site.features.length, siteName(site));
      assert.deepEqual(stored.quality, site.quality);
      const first = site.features[0]!;
      const feature = stored.features[0]!;
      assert.deepEqual([feature.feature, feature.intensity, feature.words.map((w) => [w.word, w.count])], [first.feature, first.intensity, first.words]);
    }
    assert.equal(dictionary.thumbnails?.length, index.pictures.length);
    const thumbnail = dictionary.thumbnails![0]!;
    assert.deepEqual(thumbnail.data, new Uint8Array(await readFile(join(seedDir, 'thumbnails', `${thumbnail.image}.webp`))));
    const [summary] = await store.listDictionaries({ modelHash: index.modelHash });
    assert.equal(summary?.sites.reduce((sum, s) => sum + s.concepts, 0), index.sites.reduce((sum, s) => sum + s.features.length, 0));

    assert.equal(await importConceptSeed(store, { modelDir: SHIPPED_MODEL_DIR, modelName: 'world-sd' }), 'present');
    assert.equal(await database.prisma.conceptDictionary.count(), 1);
  });

  it('two starts at once import it once', async () => {
    const outcomes = await Promise.all([1, 2].map(() => importConceptSeed(store, { modelDir: SHIPPED_MODEL_DIR, modelName: 'world-sd' })));
    assert.deepEqual(outcomes.sort(), ['imported', 'present']);
    assert.equal(await database.prisma.conceptDictionary.count(), 1);
  });

  it('a seed built for other weights is ignored, with one line naming the rebuild command', async () => {
    const model = await mkdtemp(join(tmpdir(), 'retouch-seed-'));
    try {
      await cp(seedDir, conceptSeedDir(model), { recursive: true });
      const other = 'ab'.repeat(32);
      await writeFile(join(conceptSeedDir(model), SEED_INDEX), (await readFile(join(seedDir, SEED_INDEX), 'utf8')).replace(index.modelHash, other));
      const { logger, lines } = capturingLogger();
      assert.equal(await importConceptSeed(store, { modelDir: model, modelName: 'world-sd', modelHash: index.modelHash, logger }), 'other-model');
      assert.equal(lines().length, 1);
      assert.match(String(lines()[0]!.msg), new RegExp(`built for other weights of world-sd \\(abababababab, the model is ${index.modelHash.slice(0, 12)}\\): ignored; rebuild it with retouch concepts build --model `));
      assert.equal(await database.prisma.conceptDictionary.count(), 0);
    } finally {
      await rm(model, { recursive: true, force: true });
    }
  });
});
