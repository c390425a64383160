import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BACKGROUNDS, COLOUR_RGB, COLOURS, SHAPES, SIZES, STYLES, POSITIONS, renderScene, sampleScene,
  sceneSchema, type Scene,
} from '../../src/world/index.ts';
import { createRandom } from '../../src/support/random.ts';

function scenes(seed: number, count: number): Scene[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => sampleScene(random));
}

test('the vocabulary is at least as large as promised', () => {
  assert.ok(SHAPES.length >= 7);
  assert.equal(COLOURS.length, 10);
  assert.equal(SIZES.length, 3);
  assert.equal(POSITIONS.length, 9);
  assert.ok(BACKGROUNDS.length >= 5);
  assert.ok(STYLES.length >= 4);
});

test('sampled scenes are valid, JSON-serialisable and deterministic', () => {
  const a = scenes(11, 300);
  assert.deepEqual(a, scenes(11, 300));
  assert.notDeepEqual(a, scenes(12, 300));
  for (const scene of a) {
    assert.ok(scene.objects.length >= 1 && scene.objects.length <= 3);
    sceneSchema.parse(scene);
    assert.deepEqual(JSON.parse(JSON.stringify(scene)), scene);
  }
  // Every value of every attribute turns up.
  for (const [values, key] of [[SHAPES, 'shape'], [COLOURS, 'colour'], [SIZES, 'size'], [POSITIONS, 'position'], [STYLES, 'style']] as const) {
    const seen = new Set(a.flatMap((s) => s.objects.map((o) => o[key])));
    assert.equal(seen.size, values.length, key);
  }
  assert.equal(new Set(a.map((s) => s.background)).size, BACKGROUNDS.length);
});

test('the same scene renders byte-identical; different seeds render differently', () => {
  for (const scene of scenes(3, 20)) {
    const first = renderScene(scene);
    const second = renderScene(structuredClone(scene));
    assert.deepEqual(first.rgb, second.rgb);
    assert.deepEqual(first.masks, second.masks);
    if (scene.background !== 'plain') {
      assert.notDeepEqual(renderScene({ ...scene, seed: scene.seed ^ 1 }).rgb, first.rgb, 'texture follows the seed');
    }
  }
  const [a, b] = scenes(5, 2) as [Scene, Scene];
  assert.notDeepEqual(renderScene(a).rgb, renderScene(b).rgb);
});

test('masks are exact: fully covered pixels of flat objects have the object colour, uncovered ones the background', () => {
  const random = createRandom(21);
  for (let i = 0; i < 60; i++) {
    const scene = sampleScene(random, { styles: ['flat'] });
    const image = renderScene(scene);
    const empty = renderScene({ ...scene, objects: [] });
    const anyCover = new Uint8Array(image.width * image.height);
    scene.objects.forEach((object, k) => {
      const mask = image.masks[k] as Uint8Array;
      const colour = COLOUR_RGB[object.colour];
      let full = 0;
      for (let p = 0; p < mask.length; p++) {
        if (mask[p]) {
          assert.equal(anyCover[p], 0, 'objects do not overlap');
          anyCover[p] = 1;
        }
        if (mask[p] !== 255) continue;
        full++;
        assert.deepEqual([image.rgb[p * 3], image.rgb[p * 3 + 1], image.rgb[p * 3 + 2]], [...colour]);
      }
      assert.ok(full > 50, `${object.size} ${object.shape} covers ${full} pixels fully`);
    });
    for (let p = 0; p < anyCover.length; p++) {
      if (anyCover[p]) continue;
      for (let c = 0; c < 3; c++) assert.equal(image.rgb[p * 3 + c], empty.rgb[p * 3 + c]);
    }
  }
});

test('the image size is a parameter', () => {
  const [scene] = scenes(8, 1) as [Scene];
  for (const size of [64, 96, 256]) {
    const image = renderScene(scene, { size });
    assert.equal(image.rgb.length, size * size * 3);
    assert.equal(image.masks[0]?.length, size * size);
    assert.ok(image.masks.every((mask) => mask.some((v) => v === 255)));
  }
});

test('rendering is fast (128², pure TypeScript)', (t) => {
  const batch = scenes(9, 400);
  for (const scene of batch.slice(0, 20)) renderScene(scene);
  const start = performance.now();
  for (const scene of batch) renderScene(scene);
  const perImage = (performance.now() - start) / batch.length;
  t.diagnostic(`render: ${perImage.toFixed(2)} ms per 128×128 image`);
  // The target is well under 5 ms; the bound is loose because the test machine is shared.
  assert.ok(perImage < 10, `${perImage} ms per image`);
});
