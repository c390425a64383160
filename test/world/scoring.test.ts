import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EDIT_TYPES, applyEdit, generateEditBenchmark, renderScene, scoreCaption, scoreEdit, type Scene,
} from '../../src/world/index.ts';

const cases = generateEditBenchmark({ casesPerType: 4, seed: 5 });

test('a rendered caption scores fully correct, a wrong caption does not', () => {
  const scene: Scene = {
    background: 'sky',
    seed: 3,
    objects: [
      { shape: 'star', colour: 'red', size: 'large', position: 'top left', style: 'flat' },
      { shape: 'ring', colour: 'yellow', size: 'medium', position: 'bottom right', style: 'striped' },
    ],
  };
  const image = renderScene(scene);
  assert.equal(scoreCaption(image.caption, image).allCorrect, true);
  const wrong = scoreCaption('a large blue star in the top left and a medium striped yellow ring in the bottom right on sky', image);
  assert.equal(wrong.allCorrect, false);
  assert.equal(wrong.objects[0]?.correct.colour, false);
  assert.equal(wrong.objects[0]?.correct.shape, true);
  assert.throws(() => scoreCaption('not a caption', image));
});

test('the true result of every edit scores as intended, kept, and untouched elsewhere', () => {
  for (const item of cases) {
    const score = scoreEdit(item.source, item.edit, renderScene(item.target));
    assert.equal(score.intended, true, `${item.id} ${item.instruction}`);
    assert.equal(score.kept, true, `${item.id} ${item.instruction}`);
    assert.equal(score.unchangedPsnr, Infinity, `${item.id} ${item.instruction}`);
  }
});

test('an unedited image does not score as the intended edit', () => {
  for (const item of cases) {
    const score = scoreEdit(item.source, item.edit, renderScene(item.source));
    assert.equal(score.intended, false, `${item.id} ${item.instruction}`);
  }
});

test('changing more than asked is caught: kept fails and the untouched region differs', () => {
  let checked = 0;
  for (const item of cases.filter((c) => c.type === 'colour' && c.source.objects.length >= 2)) {
    const result = applyEdit(item.source, item.edit);
    const bystander = result.scene.objects.findIndex((_, i) => i !== result.targetIndex);
    const spoiled: Scene = structuredClone(result.scene);
    const other = spoiled.objects[bystander];
    assert.ok(other);
    other.colour = other.colour === 'green' ? 'purple' : 'green';
    const score = scoreEdit(item.source, item.edit, renderScene(spoiled));
    assert.equal(score.intended, true);
    assert.equal(score.kept, false);
    assert.ok(score.unchangedPsnr < 30, `${score.unchangedPsnr}`);
    checked++;
  }
  assert.ok(checked > 0);
  assert.equal(new Set(cases.map((c) => c.type)).size, EDIT_TYPES.length);
});
