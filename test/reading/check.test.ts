import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeArea } from '../../src/reading/area.ts';
import { checkDrawing, checkScene } from '../../src/reading/check.ts';
import { readPicture, sceneOf } from '../../src/reading/index.ts';
import { readPrompt, renderScene, type Scene, type SceneObject } from '../../src/world/index.ts';

const star: SceneObject = { shape: 'star', colour: 'red', size: 'medium', position: 'middle left', style: 'flat' };
const heart: SceneObject = { shape: 'heart', colour: 'green', size: 'small', position: 'top right', style: 'flat' };
const scene = (objects: SceneObject[], background: Scene['background'] = 'grass'): Scene => ({ background, seed: 4, objects });

/** The reading of a render of `s`: what the bot would read from a perfect result. */
const readingOf = async (s: Scene) => readPicture(renderScene(s));

test('a change that reads back is done; everything else read as before is kept', async () => {
  const before = scene([star, heart]);
  const expected = scene([{ ...star, colour: 'blue' }, heart]);
  const check = checkScene(before, expected, await readingOf(expected));
  assert.deepEqual(check.asked, [{ subject: 'the star', value: 'blue' }]);
  assert.equal(check.done, true);
  assert.equal(check.kept, true);
  assert.deepEqual(check.problems, []);
});

test('an unchanged picture is not done, and says what is still as it was', async () => {
  const before = scene([star]);
  const expected = scene([{ ...star, colour: 'blue' }]);
  const check = checkScene(before, expected, await readingOf(before));
  assert.equal(check.done, false);
  assert.deepEqual(check.problems, ['the star is still red']);
});

test('a second object, another object changed and a lost background are not kept, each said in words', async () => {
  const before = scene([star, heart]);
  const expected = scene([{ ...star, colour: 'blue' }, heart]);
  const extra = await readingOf(scene([{ ...star, colour: 'blue' }, heart, { shape: 'circle', colour: 'blue', size: 'medium', position: 'bottom right', style: 'flat' }]));
  const withExtra = checkScene(before, expected, extra);
  assert.equal(withExtra.done, true);
  assert.equal(withExtra.kept, false);
  assert.deepEqual(withExtra.problems, ['an extra blue circle appeared in the bottom right']);
  const recoloured = checkScene(before, expected, await readingOf(scene([{ ...star, colour: 'blue' }, { ...heart, colour: 'yellow' }], 'sky')));
  assert.deepEqual(recoloured.problems, ['the background changed to sky', 'the heart turned yellow']);
});

test('moves, removals and additions are checked by place and presence', async () => {
  const before = scene([star, heart]);
  const moved = scene([{ ...star, position: 'top left' }, heart]);
  assert.deepEqual(checkScene(before, moved, await readingOf(before)).problems, ['the star is still in the middle left']);
  assert.equal(checkScene(before, moved, await readingOf(moved)).done, true);
  const removed = scene([heart]);
  assert.deepEqual(checkScene(before, removed, await readingOf(before)).problems, ['the star is still there']);
  assert.deepEqual(checkScene(before, removed, await readingOf(removed)).asked, [{ subject: 'the star', value: 'gone' }]);
  const circle: SceneObject = { shape: 'circle', colour: 'yellow', size: 'small', position: 'center', style: 'flat' };
  const added = scene([star, circle, heart]);
  assert.deepEqual(checkScene(before, added, await readingOf(before)).problems, ['no circle appeared in the center']);
  const wrongColour = checkScene(before, added, await readingOf(scene([star, { ...circle, colour: 'red' }, heart])));
  assert.deepEqual(wrongColour.problems, ['the new circle came out small red circle in the center, not small yellow circle in the center']);
});

test('a drawing is checked only for what its prompt names', async () => {
  const drawn = await readingOf(scene([star]));
  assert.equal(checkDrawing(readPrompt('a star')!, drawn).done, true);
  assert.equal(checkDrawing(readPrompt('a red star on grass')!, drawn).done, true);
  assert.deepEqual(checkDrawing(readPrompt('a blue star on sand')!, drawn).problems, ['the star came out red, not blue', 'the background came out grass, not sand']);
  assert.deepEqual(checkDrawing(readPrompt('a star and a heart')!, drawn).problems, ['no heart was drawn']);
  assert.deepEqual(checkDrawing(readPrompt('a heart')!, drawn).problems, ['no heart was drawn', 'there is an extra red star']);
});

test('the change area covers the changed object and where it goes, and nothing else', async () => {
  const before = await readingOf(scene([star, heart]));
  const area = changeArea(before, scene([{ ...star, position: 'bottom right' }, heart]));
  const at = (x: number, y: number) => area[y * 128 + x];
  assert.equal(at(21, 64), 255, 'the star where it was');
  assert.equal(at(107, 107), 255, 'the cell it goes to');
  assert.equal(at(107, 21), 0, 'the heart stays');
  const background = changeArea(before, scene([star, heart], 'night'));
  assert.equal(background[64 * 128 + 64], 255, 'an empty pixel, for a new background');
  assert.equal(background[64 * 128 + 21], 0, 'the star, for a new background');
});

test('pictures of the world read as such; drawings and noise from elsewhere do not', async () => {
  const world = await readPicture(renderScene(scene([star, heart])));
  assert.equal(world.inWorld, true, `fit ${world.fit}`);
  assert.equal(world.caption, 'a small green heart in the top right and a medium red star in the middle left on grass');
  assert.deepEqual(sceneOf(world).objects.map((o) => o.shape), ['heart', 'star']);
  const noise = new Uint8Array(150 * 100 * 3).map((_, i) => (i * 2654435761) >>> 24);
  const outside = await readPicture({ width: 150, height: 100, rgb: noise });
  assert.equal(outside.inWorld, false, `fit ${outside.fit}`);
});
