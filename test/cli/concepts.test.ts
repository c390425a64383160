// `retouch concepts` end to end on the shipped model: a tiny build (8 pictures of 8 steps, the SAEs
// trained 2 epochs; at 4 steps the pictures don't read back as the world's, so nothing would get
// words) collected by the stage command, then built (resuming the collection) into a real Postgres,
// shown and searched, its top images drawn, and a shape word's heat map drawn on a rendered picture.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import sharp from 'sharp';
import { conceptHeatmap } from '../../src/concepts/heatmap.ts';
import { regionMask } from '../../src/concepts/label.ts';
import { CONCEPT_PICTURES } from '../../src/config/limits.ts';
import { resolveModelPath } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import { Diffusion } from '../../src/pipeline/diffusion.ts';
import { chooseHeatmapFeatures } from '../../src/studio/concept-heatmap.ts';
import { toPng } from '../../src/support/image.ts';
import { renderScene, SHAPES, type Shape } from '../../src/world/index.ts';
import { registerConcepts } from '../../src/cli/concepts.ts';
import { commonLabels, ConceptDictionaryStore } from '../../src/store/concept-dictionaries.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { requireShippedModel } from '../support/shipped-models.ts';
import { runRetouch } from './run.ts';

const TINY = ['--prompts', '8', '--steps', '8', '--epochs', '2'];
const MINUTES = 4 * 60_000;

describe('retouch concepts on the shipped model', () => {
  requireShippedModel();
  let database: TestDatabase;
  let dataDir: string;
  const retouch = (args: string[]) => runRetouch(['concepts', ...args], { DATABASE_URL: database.url, RETOUCH_DATA_DIR: dataDir }, MINUTES);

  before(async () => {
    database = await startTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'retouch-concepts-'));
    await chmod(dataDir, 0o755);
  });
  after(async () => {
    await database?.destroy();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('has nothing to search before a build', async () => {
    const searched = await retouch(['search', 'sand']);
    assert.equal(searched.code, 1);
    assert.match(searched.stderr, /world-sd has no ready concept dictionary; build one with `retouch concepts build`/);
  });

  it('collects, then builds from that collection into the store, shows it site by site and finds its words', { timeout: MINUTES }, async () => {
    const collected = await retouch(['collect', ...TINY, '--json']);
    assert.equal(collected.code, 0, collected.stderr);
    const collection = JSON.parse(collected.stdout) as { stage: string; work: string; images: number; sites: number; modelHash: string };
    assert.deepEqual([collection.stage, collection.images, collection.sites], ['collect', 8, 18]);
    assert.equal(collection.work, join(dataDir, 'concepts', collection.modelHash, 'prompts8-seed1-steps8-epochs2'), 'keyed by the model and the settings, under the data folder');
    assert.match(collected.stderr, /concepts: collect 100% \(8 of 8 images\)/);
    const images = join(collection.work, 'collection', 'images.rgb');
    const collectedAt = (await stat(images)).mtimeMs;

    const built = await retouch(['build', ...TINY, '--json']);
    assert.equal(built.code, 0, built.stderr);
    const result = JSON.parse(built.stdout) as { dictionaryId: string; name: string; model: string; modelHash: string; work: string; sites: number; features: number; labelled: number; readBack: boolean; seconds: number };
    console.log(`# concepts build (collection resumed): ${result.seconds} s; ${result.labelled} of ${result.features} features labelled`);
    assert.deepEqual([result.name, result.model, result.modelHash, result.work, result.sites, result.readBack], ['default', 'world-sd', collection.modelHash, collection.work, 18, true]);
    assert.ok(result.labelled > 0 && result.labelled <= result.features, `${result.labelled} labelled of ${result.features}`);
    assert.doesNotMatch(built.stderr, /concepts: collect/, 'the collection was complete: nothing drawn again');
    assert.match(built.stderr, /concepts: train \d+%/);
    assert.match(built.stderr, /concepts: label 100%/);
    assert.equal((await stat(images)).mtimeMs, collectedAt, 'the collected images were not rewritten');

    const store = new ConceptDictionaryStore(database.prisma);
    const [stored] = await store.listDictionaries({ modelHash: result.modelHash });
    assert.deepEqual([stored?.id, stored?.scope, stored?.status, stored?.build.model, stored?.build.prompts], [result.dictionaryId, 'model', 'ready', 'world-sd', 8]);
    assert.equal(await store.modelHashOf('world-sd'), result.modelHash, 'the chat finds it by the model\'s name');

    const shown = await retouch(['show']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^concept dictionaries of world-sd \(.*world-sd, id [0-9a-f]{12}\):\n\n"default" \(shared\): ready since .*; 8 prompts, seed 1, 8 steps, 2 epochs, 1 images held out\n  site +expl\. var\. +scaled MSE +dead +labelled +top labels \(features\)\n/);
    const rows = shown.stdout.split('\n').filter((line) => /^  \S+@t=/.test(line));
    assert.equal(rows.length, 18, 'a row per site');
    let labelled = 0;
    for (const row of rows) {
      const cells = /^  (\S+) +(-?\d+\.\d{3}) +(\d+\.\d{3}) +(\d+\.\d)% +(\d+)\/(\d+)  (.*)$/.exec(row);
      assert.ok(cells, row);
      labelled += Number(cells[5]);
      assert.ok(Number(cells[4]) <= 100 && Number(cells[5]) <= Number(cells[6]), row);
      assert.match(cells[7]!, /^(-|\w+ \(\d+\)(, \w+ \(\d+\))*)$/, row);
    }
    assert.equal(labelled, result.labelled);

    // The word most features carry, found with the site, its words, intensity and top images.
    const word = commonLabels(await store.listDictionaries({ modelHash: result.modelHash }), 1)[0]!;
    const searched = await retouch(['search', word, '--limit', '3', '--json']);
    assert.equal(searched.code, 0, searched.stderr);
    const { matches } = JSON.parse(searched.stdout) as { matches: { site: { block: string; time: number; branch: string }; words: { word: string }[]; intensity: number; topImages: string[] }[] };
    assert.equal(matches.length, 3);
    for (const m of matches) {
      assert.ok(m.words.some((w) => w.word === word), JSON.stringify(m.words));
      assert.ok(m.intensity > 0 && m.topImages.length > 0 && m.topImages.every((p) => / on (sky|grass|sand|plain|night)$/.test(p)), JSON.stringify(m));
      assert.ok(['cond', 'uncond'].includes(m.site.branch));
    }
    const missing = await retouch(['search', 'zebra']);
    assert.equal(missing.code, 0, missing.stderr);
    assert.match(missing.stdout, new RegExp(`no feature of world-sd's dictionary has the word "zebra"; its labels are: ${word}, `));

    // The best features' top images as one picture: a row each, from the thumbnails kept with the dictionary.
    const grid = join(dataDir, 'top.png');
    const drawn = await retouch(['search', word, '--out', grid]);
    assert.equal(drawn.code, 0, drawn.stderr);
    assert.match(drawn.stdout, /wrote the top images of \S+@t=\S+ feature \d+(; \S+ feature \d+)* \(a row each\) to /);
    const { width, height, format } = await sharp(grid).metadata();
    assert.equal(format, 'png');
    assert.ok(width >= 2 * CONCEPT_PICTURES.shownSide && height >= CONCEPT_PICTURES.shownSide, `${width}×${height}`);
  });

  it('draws where a shape word fires on a rendered picture of that shape: hotter inside the shape than outside', { timeout: MINUTES }, async () => {
    const store = new ConceptDictionaryStore(database.prisma);
    const modelHash = (await store.listDictionaries({ status: 'ready' }))[0]!.modelHash;
    const word = commonLabels(await store.listDictionaries({ modelHash }), 50).find((l) => (SHAPES as readonly string[]).includes(l))!;
    assert.ok(word, 'the tiny dictionary has a shape word');
    const scene = renderScene({ background: 'grass', seed: 3, objects: [{ shape: word as Shape, colour: 'yellow', size: 'large', position: 'top left', style: 'flat' }] }, { size: 128 });
    const picture = join(dataDir, 'scene.png');
    await writeFile(picture, await toPng(scene));
    const out = join(dataDir, 'heat.png');
    const heat = await retouch(['heatmap', word, '--image', picture, '--out', out, '--json']);
    assert.equal(heat.code, 0, heat.stderr);
    const report = JSON.parse(heat.stdout) as { site: string; timestep: number; caption: string; features: { feature: number }[]; cells: { height: number; width: number }; peak: { x: number; y: number; activation: number } };
    assert.match(report.site, /@t=(0\.5|0)\//, 'a site after the first step');
    assert.ok(report.features.length > 0 && report.peak.activation > 0, JSON.stringify(report));
    assert.equal(report.caption, '');
    const overlay = await sharp(out).metadata();
    assert.deepEqual([overlay.width, overlay.height], [CONCEPT_PICTURES.heatmapSide, CONCEPT_PICTURES.heatmapSide]);

    // The same map, its numbers: the mean heat of the cells the shape covers against the rest.
    const choice = (await chooseHeatmapFeatures(store, { modelHash, word }))!;
    const { site, dictionary } = (await store.loadSite(choice.dictionary.id, choice.site))!;
    const diffusion = new Diffusion(openStableDiffusion(resolveModelPath(undefined)), { hooks: true });
    try {
      const map = await conceptHeatmap(diffusion, scene, { site, features: choice.features.map((f) => f.feature), steps: dictionary.build.steps as number, caption: '' });
      assert.deepEqual(map.peak, report.peak, 'the CLI drew this map');
      const inside = regionMask(scene.masks[0]!, scene.width, scene.height, map.width);
      let hot = 0, cold = 0;
      for (let i = 0; i < map.heat.length; i++) (inside[i] ? (hot += map.heat[i]!) : (cold += map.heat[i]!));
      const cells = inside.reduce((a, b) => a + b, 0);
      const [meanInside, meanOutside] = [hot / cells, cold / (map.heat.length - cells)];
      console.log(`# heat map of "${word}" at ${report.site}: mean heat ${meanInside.toFixed(3)} inside the shape (${cells} cells), ${meanOutside.toFixed(3)} outside; peak cell (${map.peak.x}, ${map.peak.y})`);
      assert.ok(meanInside > meanOutside, `${meanInside} inside, ${meanOutside} outside`);
    } finally {
      await diffusion.release();
    }

    const none = await retouch(['heatmap', 'zebra', '--image', picture]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, new RegExp(`no feature of world-sd's dictionary has the word "zebra"; its labels are: `));
    const text = join(dataDir, 'not-an-image.png');
    await writeFile(text, 'hello');
    const unreadable = await retouch(['heatmap', word, '--image', text]);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /--image .*not-an-image\.png: it is not an image \(send a PNG, JPEG, WebP or GIF\)/);
  });

  it('refuses bad options, naming the value and the limit', async () => {
    const refusal = async (args: string[]) => {
      let error = '';
      const program = new Command('retouch').exitOverride().configureOutput({ writeErr: (text) => (error += text), writeOut: () => undefined });
      registerConcepts(program);
      await assert.rejects(program.parseAsync(['concepts', ...args], { from: 'user' }), CommanderError);
      return error;
    };
    assert.match(await refusal(['build', '--prompts', '1']), /--prompts must be a whole number from 2 to 20000, got '1'/);
    assert.match(await refusal(['collect', '--steps', '501']), /--steps must be a whole number from 1 to 500, got '501'/);
    assert.match(await refusal(['train', '--epochs', 'many']), /--epochs must be a whole number from 1 to 1000, got 'many'/);
    assert.match(await refusal(['build', '--name', 'n'.repeat(101)]), /--name must have 1 to 100 characters, got 101/);
    assert.match(await refusal(['search', 'star', '--limit', '0']), /--limit must be a whole number from 1 to 500, got '0'/);
  });
});
