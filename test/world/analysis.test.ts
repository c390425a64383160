import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  OBJECT_ATTRIBUTES, analyseImage, degrade, renderScene, sampleScene, scoreScene, warp,
  type ObjectAttribute, type Scene,
} from '../../src/world/index.ts';
import type { RgbImage } from '../../src/support/image.ts';
import { createRandom } from '../../src/support/random.ts';

interface Accuracy {
  attributes: Record<ObjectAttribute, number>;
  background: number;
  objectCount: number;
}

function measure(seed: number, scenes: number, corrupt: (image: RgbImage, index: number) => RgbImage): Accuracy {
  const random = createRandom(seed);
  const correct = Object.fromEntries(OBJECT_ATTRIBUTES.map((k) => [k, 0])) as Record<ObjectAttribute, number>;
  let objects = 0;
  let background = 0;
  let objectCount = 0;
  for (let i = 0; i < scenes; i++) {
    const scene: Scene = sampleScene(random);
    const score = scoreScene(scene, corrupt(renderScene(scene), i));
    if (score.background) background++;
    if (score.analysis.objects.length === scene.objects.length) objectCount++;
    for (const object of score.objects) {
      objects++;
      for (const k of OBJECT_ATTRIBUTES) if (object.correct[k]) correct[k]++;
    }
  }
  const attributes = Object.fromEntries(OBJECT_ATTRIBUTES.map((k) => [k, correct[k] / objects])) as Record<ObjectAttribute, number>;
  return { attributes, background: background / scenes, objectCount: objectCount / scenes };
}

function report(t: TestContext, label: string, accuracy: Accuracy): void {
  const parts = OBJECT_ATTRIBUTES.map((k) => `${k} ${(accuracy.attributes[k] * 100).toFixed(1)}%`);
  t.diagnostic(`${label}: ${parts.join(', ')}, background ${(accuracy.background * 100).toFixed(1)}%, object count ${(accuracy.objectCount * 100).toFixed(1)}%`);
}

test('analysis reads clean rendered scenes back (≥ 98% shape, colour, position, size)', (t) => {
  const accuracy = measure(4242, 300, (image) => image);
  report(t, 'clean, 300 scenes', accuracy);
  for (const k of ['shape', 'colour', 'position', 'size'] as const) assert.ok(accuracy.attributes[k] >= 0.98, `${k}: ${accuracy.attributes[k]}`);
  assert.ok(accuracy.attributes.style >= 0.9, `style: ${accuracy.attributes.style}`);
  assert.ok(accuracy.background >= 0.98);
  assert.ok(accuracy.objectCount >= 0.97);
});

test('analysis tolerates noise, blur, colour jitter and rescaling (≥ 90%)', (t) => {
  // σ = 10/255 noise, 1–2 px Gaussian blur, ±5% per-channel gain, ×2 down- and up-scaling.
  const accuracy = measure(4343, 250, (image, i) => degrade(image, 1000 + i));
  report(t, 'degraded, 250 scenes', accuracy);
  for (const k of ['shape', 'colour', 'position', 'size'] as const) assert.ok(accuracy.attributes[k] >= 0.9, `${k}: ${accuracy.attributes[k]}`);
  assert.ok(accuracy.background >= 0.95);
  assert.ok(accuracy.objectCount >= 0.9);
});

test('analysis tolerates imperfect shapes (a smooth ±2 px warp) on top of the degradations (≥ 90%)', (t) => {
  const accuracy = measure(4545, 120, (image, i) => degrade(warp(image, 2, 2000 + i), 3000 + i));
  report(t, 'warped + degraded, 120 scenes', accuracy);
  for (const k of ['shape', 'colour', 'position', 'size'] as const) assert.ok(accuracy.attributes[k] >= 0.9, `${k}: ${accuracy.attributes[k]}`);
});

test('analysis masks agree with the exact masks', () => {
  const random = createRandom(4444);
  let total = 0;
  let count = 0;
  for (let i = 0; i < 40; i++) {
    const scene = sampleScene(random);
    const image = renderScene(scene);
    const analysis = analyseImage(image);
    scene.objects.forEach((object, k) => {
      const found = analysis.objects.find((o) => o.position === object.position);
      assert.ok(found, `${object.shape} found`);
      const truth = image.masks[k] as Uint8Array;
      let intersection = 0;
      let union = 0;
      for (let p = 0; p < truth.length; p++) {
        const a = (truth[p] as number) >= 128;
        const b = (found.mask[p] as number) >= 128;
        if (a && b) intersection++;
        if (a || b) union++;
      }
      total += intersection / union;
      count++;
    });
  }
  assert.ok(total / count >= 0.85, `mean mask IoU ${total / count}`);
});

test('analysis finds nothing on an empty background and names every background', () => {
  for (const background of ['plain', 'sky', 'grass', 'night', 'sand'] as const) {
    const analysis = analyseImage(renderScene({ background, seed: 5, objects: [] }));
    assert.equal(analysis.background, background);
    assert.equal(analysis.objects.length, 0, background);
    assert.equal(analysis.caption, `nothing on ${background}`);
  }
});
