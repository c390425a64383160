import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { ConceptDictionary, DictionarySite, FeatureMeaning } from '../../src/models/sae/dictionary.ts';
import { TopKSae } from '../../src/models/sae/sae.ts';
import { ConceptDictionaryStore, CorruptConceptSiteError, type StoredConceptDictionary } from '../../src/store/concept-dictionaries.ts';
import type { PrismaClient } from '../../src/store/generated/client.ts';
import { createRandom } from '../../src/support/random.ts';
import { queryOnce, startTestDatabase, type TestDatabase } from '../support/database.ts';

let db: TestDatabase;
let prisma: PrismaClient;
let store: ConceptDictionaryStore;

before(async () => {
  db = await startTestDatabase();
  prisma = db.prisma;
  store = new ConceptDictionaryStore(prisma);
});
after(async () => {
  await db?.destroy();
});

const query = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => queryOnce<T>(db.url, sql, params);
const hex = (label: string) => createHash('sha256').update(label).digest('hex');
const MODEL = hex('model');

let userCount = 0;
async function newUser(): Promise<string> {
  userCount += 1;
  return (await prisma.user.create({ data: { platform: 'local', externalId: `u${userCount}`, displayName: `User ${userCount}` } })).id;
}

function values(n: number, random: ReturnType<typeof createRandom>): Float32Array {
  return Float32Array.from({ length: n }, () => random.next() * 2 - 1);
}

/** A small random SAE: 8 inputs, 32 features, k 4. */
function randomSae(seed: number): TopKSae {
  const random = createRandom(seed);
  const inputs = 8;
  const features = 32;
  return new TopKSae({ inputs, features, k: 4, bPre: values(inputs, random), wEnc: values(features * inputs, random), bEnc: values(features, random), wDec: values(features * inputs, random) });
}

function meaning(feature: number, words: [string, number][], intensity: number, seed: number): FeatureMeaning {
  return {
    feature,
    words: words.map(([word, count]) => ({ word, count })),
    vector: words.length > 0 ? values(6, createRandom(seed)) : new Float32Array(0),
    intensity,
    topImages: words.map(([word]) => `a ${word} in a field`),
  };
}

/** Two sites, given in the order the store reads them back (block, then noisiest first, then branch). */
function dictionaryOf(name: string, seed: number, features: FeatureMeaning[][] = defaultFeatures(), modelHash = MODEL): ConceptDictionary {
  const sites: DictionarySite[] = [
    { block: 'mid_block.attentions.0', time: 1, branch: 'cond', height: 8, width: 8 },
    { block: 'up_blocks.1.attentions.0', time: 0.3, branch: 'uncond', height: 16, width: 16 },
  ].map((key, i) => ({
    ...(key as Pick<DictionarySite, 'block' | 'time' | 'branch' | 'height' | 'width'>),
    sae: randomSae(seed * 10 + i),
    quality: { explainedVariance: 0.81 + i / 100, scaledMse: 0.19 - i / 100, deadFraction: i / 32, meanNorm: 4 + i },
    features: features[i] ?? [],
  }));
  return { modelHash, name, sites, build: { generation: seed, prompts: ['a dog', 'a sky'], sae: { k: 4, features: 32 }, steps: 20 } };
}

function defaultFeatures(): FeatureMeaning[][] {
  return [
    [meaning(3, [['dog', 5], ['animal', 2]], 0.75, 1), meaning(17, [], 0.125, 2), meaning(30, [['sky', 4], ['cloud', 1]], 1.5, 3)],
    [meaning(0, [['grass', 2]], 0.5, 4)],
  ];
}

function bytesOf(array: Float32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Loaded == saved: every SAE weight bit for bit, every meaning, the figures and the build. */
function assertSameDictionary(loaded: StoredConceptDictionary | undefined, saved: ConceptDictionary): void {
  assert.ok(loaded, 'a dictionary was loaded');
  assert.equal(loaded.modelHash, saved.modelHash);
  assert.equal(loaded.name, saved.name);
  assert.deepEqual(loaded.build, saved.build);
  assert.equal(loaded.sites.length, saved.sites.length);
  for (const [i, site] of saved.sites.entries()) {
    const back: DictionarySite = loaded.sites[i]!;
    assert.deepEqual({ block: back.block, time: back.time, branch: back.branch }, { block: site.block, time: site.time, branch: site.branch });
    assert.deepEqual([back.height, back.width, back.sae.k, back.sae.inputs, back.sae.features], [site.height, site.width, 4, 8, 32]);
    for (const name of ['bPre', 'wEnc', 'bEnc', 'wDec'] as const) {
      assert.ok(bytesOf(back.sae.weights[name]).equals(bytesOf(site.sae.weights[name])), `${site.block}: ${name} bit for bit`);
    }
    assert.deepEqual(back.quality, site.quality);
    assert.deepEqual(back.features, site.features);
  }
}

test('a dictionary of two sites round-trips: identical SAE weights, meanings, figures and build', async () => {
  const saved = dictionaryOf('shared', 1);
  const id = await store.beginDictionary({ modelHash: MODEL, scope: 'model', name: 'shared', build: { generation: 1 } });
  assert.equal(await store.loadDictionary({ modelHash: MODEL }), undefined, 'a building dictionary is not served');
  await store.saveDictionary(id, saved);

  const loaded = await store.loadDictionary({ modelHash: MODEL });
  assertSameDictionary(loaded, saved);
  assert.equal(loaded!.id, id);
  assert.equal(loaded!.scope, 'model');
  assert.equal(loaded!.sites[0]!.features[1]!.vector.length, 0, 'an unlabelled feature keeps its empty vector');
  // The rebuilt SAE behaves as the original does.
  const x = values(8, createRandom(99));
  assert.deepEqual(loaded!.sites[1]!.sae.encode(x), saved.sites[1]!.sae.encode(x));

  const [listed] = (await store.listDictionaries({ modelHash: MODEL, scope: 'model' })).filter((d) => d.id === id);
  assert.ok(listed);
  assert.equal(listed.status, 'ready');
  assert.equal(listed.failure, null);
  assert.deepEqual(listed.build, saved.build);
  assert.deepEqual(listed.sites.map((s) => [s.block, s.time, s.branch, s.k, s.inputs, s.features, s.height, s.width, s.concepts]), [
    ['mid_block.attentions.0', 1, 'cond', 4, 8, 32, 8, 8, 3],
    ['up_blocks.1.attentions.0', 0.3, 'uncond', 4, 8, 32, 16, 16, 1],
  ]);
  const labels = await query<{ feature_index: number; label: string | null; terms: string[] }>(
    'SELECT c.feature_index, c.label, c.terms FROM concepts c JOIN concept_sites s ON s.id = c.site_id WHERE s.dictionary_id = $1 ORDER BY s.block, c.feature_index',
    [id],
  );
  assert.deepEqual(labels.map((r) => [r.feature_index, r.label, r.terms]), [
    [3, 'dog', ['dog', 'animal']], [17, null, []], [30, 'sky', ['sky', 'cloud']], [0, 'grass', ['grass']],
  ], 'the label is the word most images gave; unlabelled features keep their intensity');
});

test('a dictionary is served only once saved: building and failed ones are not, and a failed one cannot be saved', async () => {
  const model = hex('model-building');
  const id = await store.beginDictionary({ modelHash: model, scope: 'model', name: 'shared', build: { seed: 7 } });
  assert.equal(await store.loadDictionary({ modelHash: model }), undefined);
  const [building] = await store.listDictionaries({ modelHash: model });
  assert.deepEqual([building?.id, building?.status, building?.build, building?.sites], [id, 'building', { seed: 7 }, []]);

  // A save that fails inside its transaction (a height past int4) leaves nothing behind.
  const broken = dictionaryOf('shared', 2, undefined, model);
  broken.sites[1]!.height = 2 ** 31;
  await assert.rejects(store.saveDictionary(id, broken));
  assert.equal((await store.listDictionaries({ modelHash: model }))[0]?.status, 'building');
  assert.deepEqual(await query('SELECT 1 FROM concept_sites WHERE dictionary_id = $1', [id]), [], 'not even the first site');

  assert.equal(await store.markFailed(id, 'out of GPU memory at site 3'), true);
  assert.equal(await store.markFailed(id, 'again'), false, 'only a building dictionary can fail');
  const [failed] = await store.listDictionaries({ modelHash: model });
  assert.deepEqual([failed?.status, failed?.failure], ['failed', 'out of GPU memory at site 3']);
  await assert.rejects(store.saveDictionary(id, dictionaryOf('shared', 2, undefined, model)), /is failed, not building/);
  assert.equal(await store.loadDictionary({ modelHash: model }), undefined);
  assert.equal((await store.listDictionaries({ modelHash: model, status: 'ready' })).length, 0);
});

test('a rebuild replaces the ready dictionary atomically: readers see the old one whole until it commits, then the new one', async () => {
  const model = hex('model-rebuild');
  const alice = await newUser();
  const first = dictionaryOf('shared', 11, undefined, model);
  await store.saveDictionary(await store.beginDictionary({ modelHash: model, scope: 'model', name: 'shared', build: {} }), first);
  const alices = dictionaryOf('shared', 12, undefined, model);
  await store.saveDictionary(await store.beginDictionary({ modelHash: model, scope: 'user', userId: alice, name: 'shared', build: {} }), alices);
  const [oldId] = (await store.listDictionaries({ modelHash: model, scope: 'model' })).map((d) => d.id);

  // Hold the old dictionary's row so the rebuild's transaction stops at deleting it, all else written.
  const blocker = new pg.Client({ connectionString: db.url });
  await blocker.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM concept_dictionaries WHERE id = $1 FOR UPDATE', [oldId]);
    const second = dictionaryOf('shared', 13, undefined, model);
    const newId = await store.beginDictionary({ modelHash: model, scope: 'model', name: 'shared', build: {} });
    const saving = store.saveDictionary(newId, second);
    const deadline = Date.now() + 10_000;
    while ((await query('SELECT 1 FROM pg_locks WHERE NOT granted')).length === 0) {
      assert.ok(Date.now() < deadline, 'the rebuild reached the old dictionary');
      await sleep(20);
    }
    assertSameDictionary(await store.loadDictionary({ modelHash: model }), first);
    const during = await store.searchConcepts({ modelHash: model, word: 'dog', limit: 10 });
    assert.equal(during.length, 1, 'search sees one shared dictionary, not both');
    assert.equal(during[0]!.dictionary.id, oldId);

    await blocker.query('COMMIT');
    await saving;
    assertSameDictionary(await store.loadDictionary({ modelHash: model }), second);
    const shared = await store.listDictionaries({ modelHash: model, scope: 'model' });
    assert.deepEqual(shared.map((d) => [d.id, d.status]), [[newId, 'ready']], 'the old one is gone');
    assert.deepEqual(await query('SELECT 1 FROM concept_sites WHERE dictionary_id = $1', [oldId]), [], 'with its sites');
    assertSameDictionary(await store.loadDictionary({ modelHash: model, scope: 'user', userId: alice }), alices);
  } finally {
    await blocker.end();
  }

  // Rebuilds while another reader loads over and over: every load is one generation, whole.
  const generations = [21, 22, 23, 24].map((g) => dictionaryOf('shared', g, undefined, model));
  let rebuilding = true;
  const rebuilds = (async () => {
    try {
      for (const next of generations) await store.saveDictionary(await store.beginDictionary({ modelHash: model, scope: 'model', name: 'shared', build: {} }), next);
    } finally {
      rebuilding = false;
    }
  })();
  const seen = new Set<unknown>();
  try {
    while (rebuilding) {
      const loaded = await store.loadDictionary({ modelHash: model });
      const generation = loaded?.build.generation;
      const expected = [dictionaryOf('shared', 13, undefined, model), ...generations].find((d) => d.build.generation === generation);
      assert.ok(expected, `a known generation, got ${String(generation)}`);
      assertSameDictionary(loaded, expected);
      seen.add(generation);
    }
  } finally {
    await rebuilds;
  }
  assertSameDictionary(await store.loadDictionary({ modelHash: model }), generations.at(-1)!);
  assert.ok(seen.size >= 1);
});

test("search finds a word (any case, label or not) in the shared dictionary and the user's and workspace's own, not others'", async () => {
  const model = hex('model-search');
  const alice = await newUser();
  const bob = await newUser();
  const workspace = (await prisma.workspace.create({ data: { platform: 'local', externalId: 'w-search', name: 'Search' } })).id;
  const save = async (owner: { scope: 'model' | 'user' | 'workspace'; userId?: string; workspaceId?: string }, features: FeatureMeaning[][], modelHash = model) => {
    const id = await store.beginDictionary({ modelHash, ...owner, name: 'concepts', build: {} });
    await store.saveDictionary(id, dictionaryOf('concepts', 30, features, modelHash));
    return id;
  };
  const shared = await save({ scope: 'model' }, [[meaning(1, [['dog', 3], ['animal', 1]], 0.2, 1)], [meaning(5, [['animal', 9], ['dog', 1]], 0.9, 2)]]);
  const alices = await save({ scope: 'user', userId: alice }, [[meaning(2, [['Dog', 8]], 0.1, 3), meaning(4, [['cat', 2]], 0.3, 4)], []]);
  await save({ scope: 'user', userId: bob }, [[meaning(6, [['dog', 50]], 5, 5)], []]);
  const team = await save({ scope: 'workspace', workspaceId: workspace }, [[meaning(7, [['grass', 6], ['dog', 2]], 0.4, 6)], []]);
  await save({ scope: 'model' }, [[meaning(8, [['dog', 99]], 9, 7)], []], hex('another model'));
  await store.beginDictionary({ modelHash: model, scope: 'user', userId: alice, name: 'half built', build: {} });

  const found = await store.searchConcepts({ modelHash: model, word: ' DOG ', userId: alice, limit: 10 });
  assert.deepEqual(found.map((m) => [m.dictionary.id, m.site.block, m.feature, m.label]), [
    [alices, 'mid_block.attentions.0', 2, 'Dog'], // the word as the label, given by 8 images
    [shared, 'mid_block.attentions.0', 1, 'dog'], // the label, 3 images
    [shared, 'up_blocks.1.attentions.0', 5, 'animal'], // a lesser word
  ]);
  const [best] = found;
  assert.deepEqual(best, {
    dictionary: { id: alices, name: 'concepts', scope: 'user' },
    site: { block: 'mid_block.attentions.0', time: 1, branch: 'cond' },
    feature: 2, label: 'Dog', words: [{ word: 'Dog', count: 8 }], intensity: 0.1, topImages: ['a Dog in a field'], topImageIndices: [],
  });

  const withTeam = await store.searchConcepts({ modelHash: model, word: 'dog', userId: alice, workspaceId: workspace, limit: 10 });
  assert.deepEqual(withTeam.map((m) => m.dictionary.id).sort(), [alices, shared, shared, team].sort());
  const sharedOnly = await store.searchConcepts({ modelHash: model, word: 'dog', limit: 10 });
  assert.deepEqual(sharedOnly.map((m) => [m.dictionary.id, m.feature]), [[shared, 1], [shared, 5]]);
  assert.deepEqual((await store.searchConcepts({ modelHash: model, word: 'dog', userId: alice, limit: 1 })).map((m) => m.feature), [2], 'the limit keeps the best');
  assert.deepEqual((await store.searchConcepts({ modelHash: model, word: 'animal', limit: 10 })).map((m) => m.feature), [5, 1]);
  assert.deepEqual(await store.searchConcepts({ modelHash: model, word: 'do', userId: alice, limit: 10 }), [], 'whole words only');
  assert.deepEqual(await store.searchConcepts({ modelHash: model, word: 'cat', userId: bob, limit: 10 }), [], "not alice's");

  await assert.rejects(store.searchConcepts({ modelHash: model, word: 'dog', limit: 0 }), /limit must be an integer from 1 to 500, got 0/);
  await assert.rejects(store.searchConcepts({ modelHash: model, word: '  ', limit: 5 }), /word must have a letter/);
});

test("a listed dictionary's sites have their labels by how many features carry them; modelHashOf finds a model's hash by the name its builder recorded", async () => {
  const model = hex('model-labels');
  const features = [
    [meaning(1, [['sand', 4]], 0.2, 1), meaning(2, [['star', 3], ['sand', 1]], 0.3, 2), meaning(3, [['sand', 2]], 0.1, 3), meaning(4, [], 0.5, 4)],
    [meaning(0, [['grass', 1]], 0.4, 5)],
  ];
  const id = await store.beginDictionary({ modelHash: model, scope: 'model', name: 'labels', build: { model: 'world-labels' } });
  await store.saveDictionary(id, { ...dictionaryOf('labels', 60, features, model), build: { model: 'world-labels', steps: 8 } });
  const [listed] = await store.listDictionaries({ modelHash: model });
  assert.deepEqual(listed?.sites.map((s) => [s.block, s.concepts, s.labelled, s.labels]), [
    ['mid_block.attentions.0', 4, 3, [{ label: 'sand', features: 2 }, { label: 'star', features: 1 }]],
    ['up_blocks.1.attentions.0', 1, 1, [{ label: 'grass', features: 1 }]],
  ], 'an unlabelled feature counts for no label');

  assert.equal(await store.modelHashOf('world-labels'), model);
  assert.equal(await store.modelHashOf('no-such-model'), undefined);
  // The newest dictionary of a name wins: the model's files changed under the same name.
  const changed = hex('model-labels, retrained');
  await store.beginDictionary({ modelHash: changed, scope: 'model', name: 'labels', build: { model: 'world-labels' } });
  assert.equal(await store.modelHashOf('world-labels'), changed);
});

test('a damaged SAE blob is an error naming the dictionary and the site', async () => {
  const model = hex('model-corrupt');
  const id = await store.beginDictionary({ modelHash: model, scope: 'model', name: 'fragile', build: {} });
  await store.saveDictionary(id, dictionaryOf('fragile', 40, undefined, model));
  const site = 'up_blocks.1.attentions.0@t=0.3/uncond';
  const expectCorrupt = (reason: RegExp) => assert.rejects(store.loadDictionary({ modelHash: model }), (error: unknown) => {
    assert.ok(error instanceof CorruptConceptSiteError);
    assert.equal(error.dictionaryId, id);
    assert.equal(error.site, site);
    assert.ok(error.message.includes(id) && error.message.includes('"fragile"') && error.message.includes(site), error.message);
    assert.match(error.message, reason);
    return true;
  });

  await query("UPDATE concept_sites SET weights = set_byte(weights, 300, get_byte(weights, 300) # 1) WHERE dictionary_id = $1 AND branch = 'uncond'", [id]);
  await expectCorrupt(/do not match their sha256/);

  // Bytes that match their recorded hash but are not an SAE.
  const garbage = Buffer.from('not a safetensors file');
  await query("UPDATE concept_sites SET weights = $2, weights_sha256 = $3 WHERE dictionary_id = $1 AND branch = 'uncond'", [id, garbage, createHash('sha256').update(garbage).digest('hex')]);
  await expectCorrupt(/do not decode/);
});

test('bad requests are refused with what was wrong and the limit', async () => {
  const user = await newUser();
  await assert.rejects(store.beginDictionary({ modelHash: 'ABC', scope: 'model', name: 'x', build: {} }), /modelHash must be 64 lowercase hex digits, got "ABC"/);
  await assert.rejects(store.beginDictionary({ modelHash: MODEL, scope: 'user', name: 'x', build: {} }), /scope 'user' needs a userId/);
  await assert.rejects(store.beginDictionary({ modelHash: MODEL, scope: 'model', userId: user, name: 'x', build: {} }), /takes no userId/);
  await assert.rejects(store.beginDictionary({ modelHash: MODEL, scope: 'model', name: 'n'.repeat(101), build: {} }), /1 to 100 characters/);
  await assert.rejects(store.beginDictionary({ modelHash: MODEL, scope: 'model', name: 'x', build: { lr: Number.NaN } }), /build must be plain JSON/);
  await assert.rejects(store.loadDictionary({ modelHash: MODEL, scope: 'user', userId: 'alice' }), /userId must be a UUID, got "alice"/);

  const model = hex('model-validation');
  const id = await store.beginDictionary({ modelHash: model, scope: 'model', name: 'checked', build: {} });
  await assert.rejects(store.saveDictionary(id, dictionaryOf('checked', 50)), new RegExp(`begun for model ${model}, this one is of ${MODEL}`));
  await assert.rejects(store.saveDictionary(id, dictionaryOf('other', 50, undefined, model)), /begun as "checked", this one is named "other"/);
  const outside = dictionaryOf('checked', 50, [[meaning(32, [['dog', 1]], 1, 1)], []], model);
  await assert.rejects(store.saveDictionary(id, outside), /site mid_block.attentions.0@t=1\/cond: feature 32 is outside 0–31/);
  const twice = dictionaryOf('checked', 50, undefined, model);
  twice.sites[1] = { ...twice.sites[1]!, block: twice.sites[0]!.block, time: twice.sites[0]!.time, branch: twice.sites[0]!.branch };
  await assert.rejects(store.saveDictionary(id, twice), /site mid_block.attentions.0@t=1\/cond: appears twice/);
  const late = dictionaryOf('checked', 50, undefined, model);
  late.sites[0]!.time = 1.5;
  await assert.rejects(store.saveDictionary(id, late), /time must be from 0 to 1, got 1.5/);

  await store.saveDictionary(id, dictionaryOf('checked', 50, undefined, model));
  await assert.rejects(store.saveDictionary(id, dictionaryOf('checked', 51, undefined, model)), /is ready, not building/, 'a ready dictionary is not written twice');
  assertSameDictionary(await store.loadDictionary({ modelHash: model }), dictionaryOf('checked', 50, undefined, model));
});

/** A dictionary whose features name thumbnails of the build pictures: image i's bytes are `generation` and i. */
function withThumbnails(name: string, generation: number): ConceptDictionary {
  const dictionary = dictionaryOf(name, generation);
  for (const site of dictionary.sites) for (const f of site.features) f.topImageIndices = f.topImages.map((_, i) => (f.feature + i) % 5);
  const images = [...new Set(dictionary.sites.flatMap((s) => s.features.flatMap((f) => f.topImageIndices ?? [])))];
  return { ...dictionary, thumbnails: images.map((image) => ({ image, data: Uint8Array.of(generation, image, 0xff) })) };
}

test("thumbnails are kept with the dictionary: they come back, search names them, and a rebuild replaces them in its transaction", async () => {
  const name = 'with-thumbnails';
  const first = withThumbnails(name, 1);
  const firstId = await store.beginDictionary({ modelHash: MODEL, scope: 'model', name, build: {} });
  await store.saveDictionary(firstId, first);
  const loaded = await store.loadDictionary({ modelHash: MODEL, name });
  assert.deepEqual(loaded?.thumbnails, [...first.thumbnails!].sort((a, b) => a.image - b.image));
  assert.deepEqual(loaded?.sites[0]?.features.map((f) => f.topImageIndices), first.sites[0]!.features.map((f) => (f.topImageIndices?.length ? f.topImageIndices : undefined)), 'none kept reads back as none');
  const dog = (await store.searchConcepts({ modelHash: MODEL, word: 'dog', limit: 50 })).find((m) => m.dictionary.id === firstId);
  assert.deepEqual(dog?.topImageIndices, [3, 4]);
  assert.deepEqual([...(await store.thumbnails(firstId, [3, 4, 4, 9])).entries()], [[3, Uint8Array.of(1, 3, 0xff)], [4, Uint8Array.of(1, 4, 0xff)]], 'only the ones it has, once each');
  const site = await store.loadSite(firstId, first.sites[0]!);
  assert.deepEqual([site?.dictionary.id, site?.site.features.length], [firstId, 3]);

  // A rebuild that fails before committing leaves the old thumbnails; one that commits replaces them all.
  const broken = withThumbnails(name, 2);
  broken.sites[1]!.features[0]!.topImageIndices = [42];
  const secondId = await store.beginDictionary({ modelHash: MODEL, scope: 'model', name, build: {} });
  await assert.rejects(store.saveDictionary(secondId, broken), /site up_blocks\.1\.attentions\.0@t=0\.3\/uncond, feature 0: top image 42 has no thumbnail/);
  assert.equal((await store.thumbnails(firstId, [0, 1, 2, 3, 4])).size, first.thumbnails!.length);
  await store.saveDictionary(secondId, withThumbnails(name, 2));
  assert.equal((await store.thumbnails(firstId, [0, 1, 2, 3, 4])).size, 0, 'the replaced dictionary took its thumbnails with it');
  assert.equal(await store.loadSite(firstId, first.sites[0]!), undefined);
  const now = await store.thumbnails(secondId, [3, 4]);
  assert.deepEqual([...now.values()], [Uint8Array.of(2, 3, 0xff), Uint8Array.of(2, 4, 0xff)]);
  const rows = await query<{ count: string }>('SELECT count(*) FROM concept_thumbnails WHERE dictionary_id = $1', [secondId]);
  assert.equal(Number(rows[0]!.count), withThumbnails(name, 2).thumbnails!.length);
});
