// sae.compose's layout (issue 28): the prompt's entities, the layout of a prompt on the shipped model
// with a tiny dictionary (16 pictures of 4 steps, one site, SAE trained 2 epochs) read from the first
// step, /imagine's first preview made from its own first step, the worker's dictionary cache on a
// real Postgres, and `retouch concepts compose` printing and writing its PNG.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { buildDictionary } from '../../src/concepts/build.ts';
import { promptEntities } from '../../src/concepts/entities.ts';
import { firstStepLayout, layoutPicture } from '../../src/concepts/layout.ts';
import { worldPrompts, worldRegions } from '../../src/concepts/world.ts';
import { LAYOUT_NOTE, previewFromDataUrl, progressText } from '../../src/chat/job-reply.ts';
import type { ConceptDictionary } from '../../src/models/sae/dictionary.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import { Diffusion } from '../../src/pipeline/diffusion.ts';
import { COLOUR_RGB } from '../../src/reading/index.ts';
import { ConceptDictionaryStore } from '../../src/store/concept-dictionaries.ts';
import { drawPicture } from '../../src/studio/generate.ts';
import { PREVIEW_SIDE } from '../../src/studio/preview.ts';
import { MAX_PREVIEW_BYTES } from '../../src/jobs/records.ts';
import { SharedDictionaries } from '../../src/studio/shared-dictionaries.ts';
import { runRetouch } from '../cli/run.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';
import { requireShippedModel } from '../support/shipped-models.ts';

const MINUTES = 10 * 60_000;

describe('the prompt entities', () => {
  it('reads a world prompt: its objects in their named colours, then its background', () => {
    const entities = promptEntities('a red star and a striped heart on grass');
    assert.deepEqual(entities.map((e) => [e.name, e.words, e.background]), [
      ['red star', ['star', 'red'], false],
      ['striped heart', ['heart', 'striped'], false],
      ['background (grass)', ['grass'], true],
    ]);
    assert.deepEqual(entities[0]!.rgb, COLOUR_RGB.red);
    assert.equal(new Set(entities.map((e) => e.rgb.join())).size, 3, 'each entity has its own colour');
  });

  it('splits any other prompt into objects and a background, each a distinct colour', () => {
    const entities = promptEntities('A lighthouse, a boat and the moon on a stormy sea');
    assert.deepEqual(entities.map((e) => e.words), [['lighthouse'], ['boat'], ['moon'], ['stormy', 'sea']]);
    assert.equal(entities.at(-1)!.background, true);
    assert.deepEqual(entities.at(-1)!.rgb, [128, 128, 128]);
    assert.equal(new Set(entities.map((e) => e.rgb.join())).size, 4);
    assert.deepEqual(promptEntities('a cat').map((e) => e.name), ['cat', 'background']);
  });
});

describe('the layout from the concept dictionary, on the shipped model', () => {
  requireShippedModel();
  const model = openStableDiffusion(SHIPPED_MODEL_DIR);
  const hooked = new Diffusion(model, { hooks: true });
  const plain = new Diffusion(model, { hooks: false });
  const work = mkdtempSync(join(tmpdir(), 'retouch-layout-'));
  let dictionary: ConceptDictionary;
  let database: TestDatabase;
  before(async () => {
    dictionary = await buildDictionary(hooked, work, {
      name: 'default', prompts: worldPrompts(16, 1), seed: 1, steps: 4, sae: { epochs: 2, batch: 64 },
      sites: (site) => site.branch === 'cond' && site.time === 1 && site.block.startsWith('up_blocks'),
      regions: (image) => worldRegions(image),
    });
    database = await startTestDatabase();
  }, { timeout: MINUTES });
  after(async () => {
    await hooked.release();
    await plain.release();
    await database?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('gives every position of the first step\'s map to one of the prompt\'s entities, and paints it', async () => {
    const prompt = 'a large red star in the top left and a blue circle in the bottom right on sky';
    const layout = await firstStepLayout(hooked, dictionary, prompt, { seed: 3, steps: 20 });
    assert.equal(layout.site.block, 'up_blocks.1.attentions.0');
    assert.equal(layout.owners.length, 64, 'the up block\'s 8×8 map');
    assert.ok(layout.owners.every((o) => o >= 0 && o < 3), `owners: ${[...layout.owners].join(' ')}`);
    assert.ok(layout.empty < 64, `${layout.empty} of 64 positions had no labelled feature active`);
    assert.deepEqual(layout.areas.map((a) => a.entity.name), ['red star', 'blue circle', 'background (sky)']);
    assert.equal(layout.areas.reduce((sum, a) => sum + a.positions, 0), 64);
    assert.ok(Math.abs(layout.areas.reduce((sum, a) => sum + a.share, 0) - 1) < 1e-9);
    assert.equal(layout.areas.flatMap((a) => a.cells).length, 9, 'each grid cell has one owner');
    const picture = layoutPicture(layout, 16);
    assert.deepEqual([picture.width, picture.height], [128, 128]);
    for (const [p, owner] of layout.owners.entries()) {
      const y = Math.floor(p / 8) * 16 + 7, x = (p % 8) * 16 + 9;
      assert.deepEqual([...picture.rgb.subarray((y * 128 + x) * 3, (y * 128 + x) * 3 + 3)], [...layout.areas[owner]!.entity.rgb]);
    }
    // The same step of the same run gives the same layout.
    assert.deepEqual(await firstStepLayout(hooked, dictionary, prompt, { seed: 3, steps: 20 }), layout);
  });

  it('/imagine\'s first preview is the layout, from the drawing\'s own first step, before the picture; without a dictionary, none', async () => {
    const plan = { version: 1, steps: [{ edit: 'generate', method: 'sample.ddim', params: { prompt: 'a red star on grass' } }], output: { seed: 5, steps: 12 } } as never;
    const events: { step: number; preview?: string }[] = [];
    const drawing = await drawPicture(({ hooks }) => (hooks ? hooked : plain), plan, 'world-sd', {
      previews: true, concepts: async () => dictionary,
      onStep: ({ step }, preview) => void events.push({ step, ...(preview ? { preview } : {}) }),
    });
    const previews = events.filter((e) => e.preview);
    assert.equal(previews[0]?.step, 1, 'the layout comes after the first step');
    const first = previewFromDataUrl(previews[0]!.preview!)!;
    assert.equal(first.layout, true);
    assert.ok(Buffer.byteLength(previews[0]!.preview!) <= MAX_PREVIEW_BYTES);
    const meta = await sharp(first.data).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', PREVIEW_SIDE, PREVIEW_SIDE]);
    assert.ok(previews.slice(1).every((e) => !previewFromDataUrl(e.preview!)!.layout), 'the later previews are the picture');
    assert.ok(progressText(0.1, first).endsWith(`\n${LAYOUT_NOTE}`));

    // The picture is the plain run's (the hooked first step differs by float rounding at most).
    const without: { step: number; preview?: string }[] = [];
    const plainDrawing = await drawPicture(({ hooks }) => (hooks ? hooked : plain), plan, 'world-sd', {
      previews: true, concepts: async () => undefined,
      onStep: ({ step }, preview) => void without.push({ step, ...(preview ? { preview } : {}) }),
    });
    const decoded = without.filter((e) => e.preview);
    assert.equal(decoded[0]?.step, 3, 'the first decoded preview, as before');
    assert.ok(decoded.every((e) => !previewFromDataUrl(e.preview!)!.layout));
    assert.equal(progressText(0.5, previewFromDataUrl(decoded[0]!.preview!)).includes(LAYOUT_NOTE), false);
    assert.equal(drawing.seed, plainDrawing.seed);
    let differ = 0;
    for (let i = 0; i < drawing.image.rgb.length; i++) differ += Math.abs((drawing.image.rgb[i] as number) - (plainDrawing.image.rgb[i] as number)) > 2 ? 1 : 0;
    assert.ok(differ / drawing.image.rgb.length < 0.001, `${differ} of ${drawing.image.rgb.length} values differ by more than 2`);
  });

  it('keeps a worker\'s shared dictionary loaded while it is current', async () => {
    const store = new ConceptDictionaryStore(database.prisma);
    const shared = new SharedDictionaries(store);
    assert.equal(await shared.get(dictionary.modelHash), undefined);
    const id = await store.beginDictionary({ modelHash: dictionary.modelHash, scope: 'model', name: 'default', build: { model: 'world-sd' } });
    await store.saveDictionary(id, dictionary);
    const loaded = await shared.get(dictionary.modelHash);
    assert.equal(loaded?.id, id);
    assert.equal(await shared.get(dictionary.modelHash), loaded, 'the same object, not read again');
    const next = await store.beginDictionary({ modelHash: dictionary.modelHash, scope: 'model', name: 'default', build: { model: 'world-sd' } });
    await store.saveDictionary(next, dictionary);
    assert.equal((await shared.get(dictionary.modelHash))?.id, next, 'a replacement is read');
  });

  it('`retouch concepts compose` prints each entity\'s area and writes the layout PNG; without a dictionary it says how to build one', { timeout: MINUTES }, async () => {
    const env = { DATABASE_URL: database.url, RETOUCH_DATA_DIR: database.dataDir };
    const out = join(work, 'layout.png');
    const args = ['concepts', 'compose', '--prompt', 'a red star on grass', '--seed', '2', '--steps', '10', '--out', out];
    const run = await runRetouch(args, env, 120_000);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^layout of "a medium red star in the center on grass" \(seed 2\) from world-sd's dictionary "default", up_blocks\.1\.attentions\.0@t=1\/cond \(8×8 positions\):\n- red star: \d+ positions \(\d+\.\d%\), (most of [a-z_, ]+|no grid cell); rgb\(220, 30, 40\)\n- background \(grass\): \d+ positions/);
    assert.match(run.stdout, new RegExp(`wrote ${out}\\n$`));
    const meta = await sharp(out).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 128, 128]);
    const json = await runRetouch([...args, '--json'], env, 120_000);
    const parsed = JSON.parse(json.stdout) as { entities: { name: string; positions: number }[]; map: { height: number; width: number } };
    assert.deepEqual(parsed.entities.map((e) => e.name), ['red star', 'background (grass)']);
    assert.equal(parsed.entities.reduce((sum, e) => sum + e.positions, 0), 64);

    await database.prisma.conceptDictionary.deleteMany({});
    const none = await runRetouch(args, env, 120_000);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /world-sd has no ready shared concept dictionary; build one with `retouch concepts build`/);
  });
});
