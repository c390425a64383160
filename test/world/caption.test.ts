import assert from 'node:assert/strict';
import { test } from 'node:test';
import { captionOf, EDIT_TYPES, instructionOf, parseCaption, parseInstruction, sampleEdit, sampleScene } from '../../src/world/index.ts';
import { createRandom } from '../../src/support/random.ts';

test('captions follow the grammar', () => {
  assert.equal(
    captionOf({
      background: 'sand',
      objects: [
        { shape: 'circle', colour: 'blue', size: 'small', position: 'center', style: 'flat' },
        { shape: 'heart', colour: 'green', size: 'large', position: 'bottom right', style: 'striped' },
      ],
    }),
    'a small blue circle in the center and a large striped green heart in the bottom right on sand',
  );
  assert.equal(captionOf({ background: 'night', objects: [] }), 'nothing on night');
});

test('captions parse back to the scene attributes', () => {
  const random = createRandom(31);
  for (let i = 0; i < 1000; i++) {
    const scene = sampleScene(random);
    const caption = captionOf(scene);
    assert.deepEqual(parseCaption(caption), { background: scene.background, objects: scene.objects }, caption);
  }
  assert.deepEqual(parseCaption('A large FLAT red star in the top left on grass.'), {
    background: 'grass',
    objects: [{ size: 'large', style: 'flat', colour: 'red', shape: 'star', position: 'top left' }],
  });
  for (const junk of ['', 'a large red star', 'a huge red star in the top left on grass', 'a large red star in the top on grass', 'a large red star in the top left on mars']) {
    assert.equal(parseCaption(junk), undefined, junk);
  }
});

test('instructions parse back to the edit', () => {
  const random = createRandom(32);
  for (let i = 0; i < 800; i++) {
    const scene = sampleScene(random);
    const type = EDIT_TYPES[i % EDIT_TYPES.length] ?? 'colour';
    const edit = sampleEdit(random, scene, type);
    if (!edit) continue;
    assert.deepEqual(parseInstruction(instructionOf(edit)), edit, instructionOf(edit));
  }
  assert.deepEqual(parseInstruction('make the star blue'), { type: 'colour', target: 'star', colour: 'blue' });
  assert.deepEqual(parseInstruction('make the circle larger'), { type: 'resize', target: 'circle', direction: 'larger' });
  assert.deepEqual(parseInstruction('make the star striped'), { type: 'restyle', target: 'star', style: 'striped' });
  assert.equal(parseInstruction('make the star wobbly'), undefined);
});
