// Which thing "it" is in a reply, on the shipped model's world: the thing the last edit was about.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planTurn, type TurnPicture } from '../../src/chat/edit-turn.ts';
import { SHIPPED_MODEL_NAME } from '../../src/models/catalog.ts';
import { renderScene, type SceneObject } from '../../src/world/index.ts';

const heart: SceneObject = { shape: 'heart', colour: 'green', size: 'medium', position: 'middle right', style: 'flat' };
const star = (colour: SceneObject['colour']): SceneObject => ({ shape: 'star', colour, size: 'medium', position: 'middle left', style: 'flat' });
const picture = (objects: SceneObject[]) => renderScene({ background: 'sky', seed: 5, objects });
const turn = (instruction: string, on: TurnPicture, parent?: TurnPicture) =>
  planTurn({ options: { instruction }, picture: on, ...(parent ? { parent: async () => parent } : {}), modelName: SHIPPED_MODEL_NAME, defaults: { seed: 1 } });

test('"undo that and make it red" changes what the undone edit was about, on the picture before it', async () => {
  const before = picture([star('yellow'), heart]);
  const drawn: TurnPicture = { pixels: async () => before, madeBy: undefined };
  const first = await turn('make the star blue', drawn);
  assert.equal(first.kind, 'plan');
  if (first.kind !== 'plan') return;
  const edited: TurnPicture = { pixels: async () => picture([star('blue'), heart]), madeBy: first.plan };
  for (const instruction of ['never mind, make it red', 'undo that and make it red']) {
    const next = await turn(instruction, edited, drawn);
    assert.equal(next.kind, 'plan', next.kind === 'clarify' ? next.question : next.kind === 'reply' ? next.text : '');
    if (next.kind !== 'plan') continue;
    assert.equal(next.onParent, true);
    assert.match(next.plan.steps.at(-1)!.params.prompt ?? '', /red star in the middle left and a medium green heart/, instruction);
  }
});
