import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyEdit, captionOf, EDIT_TYPES, editRegion, generateEditBenchmark, renderScene, writeEditBenchmark,
  type Scene,
} from '../../src/world/index.ts';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scene: Scene = {
  background: 'grass',
  seed: 7,
  objects: [
    { shape: 'star', colour: 'red', size: 'large', position: 'top left', style: 'flat' },
    { shape: 'circle', colour: 'blue', size: 'medium', position: 'center', style: 'dotted' },
  ],
};

test('each edit type has its canonical instruction and target caption', () => {
  const cases = [
    [{ type: 'colour', target: 'star', colour: 'blue' }, 'make the star blue', 'a large blue star in the top left'],
    [{ type: 'shape', target: 'star', shape: 'heart' }, 'turn the star into a heart', 'a large red heart in the top left'],
    [{ type: 'move', target: 'circle', position: 'bottom right' }, 'move the circle to the bottom right', 'a medium dotted blue circle in the bottom right'],
    [{ type: 'resize', target: 'circle', direction: 'larger' }, 'make the circle larger', 'a large dotted blue circle in the center'],
    [{ type: 'restyle', target: 'star', style: 'striped' }, 'make the star striped', 'a large striped red star in the top left'],
    [{ type: 'background', background: 'night' }, 'change the background to night', 'on night'],
    [{ type: 'remove', target: 'star' }, 'remove the star', 'a medium dotted blue circle in the center on grass'],
    [{ type: 'add', object: { shape: 'heart', colour: 'yellow', size: 'small', position: 'bottom right', style: 'flat' } }, 'add a small yellow heart in the bottom right', 'and a small yellow heart in the bottom right on grass'],
  ] as const;
  assert.equal(new Set(cases.map(([edit]) => edit.type)).size, EDIT_TYPES.length);
  for (const [edit, instruction, captionPart] of cases) {
    const result = applyEdit(scene, edit);
    assert.equal(result.instruction, instruction);
    assert.equal(result.caption, captionOf(result.scene));
    assert.ok(result.caption.includes(captionPart), `${result.caption} has "${captionPart}"`);
    assert.equal(result.scene.seed, scene.seed);
  }
  assert.equal(scene.objects[0]?.colour, 'red', 'the source scene is not mutated');
});

test('edits that do not apply throw', () => {
  assert.throws(() => applyEdit(scene, { type: 'colour', target: 'heart', colour: 'blue' }), /no heart/);
  assert.throws(() => applyEdit(scene, { type: 'colour', target: 'star', colour: 'red' }), /already/);
  assert.throws(() => applyEdit(scene, { type: 'move', target: 'star', position: 'center' }), /taken/);
  assert.throws(() => applyEdit(scene, { type: 'shape', target: 'star', shape: 'circle' }), /already a circle/);
  assert.throws(() => applyEdit(scene, { type: 'resize', target: 'star', direction: 'larger' }), /cannot/);
  assert.throws(() => applyEdit(scene, { type: 'background', background: 'grass' }), /already/);
});

test('every edit changes exactly the pixels it should', () => {
  const cases = generateEditBenchmark({ casesPerType: 20, seed: 99 });
  for (const item of cases) {
    const before = renderScene(item.source);
    const after = renderScene(item.target);
    const region = editRegion(item.source, item.edit, before.width);
    let changed = 0;
    for (let p = 0; p < region.length; p++) {
      const same = before.rgb[p * 3] === after.rgb[p * 3] && before.rgb[p * 3 + 1] === after.rgb[p * 3 + 1] && before.rgb[p * 3 + 2] === after.rgb[p * 3 + 2];
      if (!same) changed++;
      if (!region[p]) assert.ok(same, `${item.id} "${item.instruction}" changed pixel ${p} outside the edited region`);
    }
    assert.ok(changed > 0, `${item.id} "${item.instruction}" changed nothing`);
    if (item.type === 'background') {
      // Only the background changes: every fully covered object pixel is kept.
      assert.deepEqual(item.target.objects, item.source.objects);
    }
  }
});

test('the benchmark has at least 50 cases per edit type and is deterministic', () => {
  const cases = generateEditBenchmark();
  for (const type of EDIT_TYPES) assert.ok(cases.filter((c) => c.type === type).length >= 50, type);
  assert.equal(new Set(cases.map((c) => c.id)).size, cases.length);
  assert.deepEqual(generateEditBenchmark(), cases);
  assert.notDeepEqual(generateEditBenchmark({ seed: 1 }), cases);
  for (const item of cases) {
    const result = applyEdit(item.source, item.edit);
    assert.deepEqual(result.scene, item.target);
    assert.equal(item.targetCaption, captionOf(item.target));
    assert.equal(item.sourceCaption, captionOf(item.source));
  }
  // Asking for fewer types does not change the cases of the others.
  assert.deepEqual(generateEditBenchmark({ types: ['move'] }), cases.filter((c) => c.type === 'move'));
});

test('the benchmark is written to disk on demand', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'world-benchmark-'));
  try {
    const count = await writeEditBenchmark(directory, { casesPerType: 2 });
    assert.equal(count, 2 * EDIT_TYPES.length);
    const files = await readdir(directory);
    assert.equal(files.filter((f) => f.endsWith('.png')).length, 2 * count);
    const cases = JSON.parse(await readFile(join(directory, 'cases.json'), 'utf8'));
    assert.deepEqual(cases, generateEditBenchmark({ casesPerType: 2 }));
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
