import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePlan, isAvailable, planFromInstruction, planIsRunnable } from '../../src/plan/index.ts';

const STAR = 'a large red star in the top left on grass, striped';
const FIRST_WAVE = new Set([
  'sdedit', 'ilvr', 'repaint', 'blended', 'diffedit', 'p2p.replace', 'p2p.refine', 'p2p.reweight', 'p2p.local',
  'pnp', 'fpe', 'masactrl', 'paint_with_words', 'multidiffusion', 'guide.prompt_switch',
]);

function steps(text: string, caption = STAR) {
  const result = planFromInstruction(text, { caption, source: 'generated' });
  assert.equal(result.kind, 'plan', `${text}: ${result.kind === 'clarify' ? result.question : ''}`);
  return result.kind === 'plan' ? result.plan.steps : [];
}

test('multi-step instructions become ordered steps', () => {
  const [colour, move] = steps('make it blue and move it left');
  assert.equal(colour?.edit, 'attribute');
  assert.equal(colour?.params.target, 'blue');
  assert.equal(move?.edit, 'move');
  assert.equal(move?.params.direction, 'left');

  assert.deepEqual(
    steps('move it to the center, then make it a heart; finally watercolor').map((s) => s.edit),
    ['move', 'swap', 'style'],
  );
  assert.deepEqual(
    steps('watercolor, then make it a heart, then move it to the center').map((s) => s.edit),
    ['style', 'swap', 'move'],
  );
});

test('"it" in a later step means the thing the earlier step made', () => {
  const [swap, pose] = steps('make the cat a tiger and make it jump', 'a cat sitting on a sofa');
  assert.equal(swap?.params.target, 'tiger');
  assert.equal(pose?.method, 'masactrl');
  assert.equal(pose?.params.object, 'tiger');
});

test('every step is a first-wave method, or one the reply says is not available yet', () => {
  const instructions = [
    'make the star a heart', 'make it blue', 'add a moon in the top right', 'remove the star', 'watercolor',
    'less grass', 'make it wider', 'sky on top, sand below', 'show me variations', 'make it dotted',
    'make it bigger', 'move the star to the bottom right', 'add a hat to the star',
  ];
  for (const text of instructions) {
    const result = planFromInstruction(text, { caption: STAR });
    assert.equal(result.kind, 'plan', text);
    if (result.kind !== 'plan') continue;
    for (const step of result.plan.steps) {
      if (FIRST_WAVE.has(step.method)) continue;
      assert.equal(isAvailable(step.method), false, step.method);
      assert.match(describePlan(result.plan), /not available yet/, text);
      assert.equal(planIsRunnable(result.plan), false);
    }
  }
});

test('moving runs MasaCtrl toward the caption with the place rewritten', () => {
  const moved = (instruction: string, caption: string) => {
    const result = planFromInstruction(instruction, { caption });
    assert.equal(result.kind, 'plan', instruction);
    return result.kind === 'plan' ? result.plan : undefined;
  };
  const plan = moved('move the star to the bottom right', STAR)!;
  assert.equal(plan.steps[0]!.method, 'masactrl');
  assert.equal(plan.steps[0]!.params.region, 'bottom_right');
  assert.equal(plan.steps[0]!.params.prompt, STAR.replace(/in the [a-z ]+? on/, 'in the bottom right on'));
  assert.ok(planIsRunnable(plan));
  assert.match(describePlan(plan), /MasaCtrl/);
  assert.doesNotMatch(describePlan(plan), /can't run today/);
  // The world's words for the middle cells; a place added after the noun when the caption has none.
  assert.equal(moved('move it up', 'a red star in the center on grass')!.steps[0]!.params.prompt, 'a red star in the top middle on grass');
  assert.equal(moved('move the circle to the left', 'a red star in the top left and a blue circle in the center on sky')!.steps[0]!.params.prompt, 'a red star in the top left and a blue circle in the middle left on sky');
  assert.equal(moved('move the cat to the right', 'a cat sitting on a sofa')!.steps[0]!.params.prompt, 'a cat in the middle right sitting on a sofa');
  // The moved object takes its place in the caption's reading order, top left first, as the world's
  // captions name objects (probe, 12 two-object scenes, 25 steps: moved 12 vs 4 when the place was
  // rewritten where it stood).
  assert.equal(
    moved('move the circle to the top left', 'a large cyan ring in the center and a small brown circle in the bottom left on sand')!.steps[0]!.params.prompt,
    'a small brown circle in the top left and a large cyan ring in the center on sand',
  );
});

test('adding beside another thing paints it into the neighbouring cell, toward a caption that names it there', () => {
  const planned = (instruction: string, caption = 'a large flat red star in the center on grass') => {
    const result = planFromInstruction(instruction, { caption });
    assert.equal(result.kind, 'plan', instruction);
    return result.kind === 'plan' ? result.plan.steps[0]! : undefined;
  };
  const beside = planned('put a blue circle next to the star')!;
  assert.deepEqual([beside.edit, beside.method, beside.params.region, beside.params.object], ['add', 'blended', 'right', 'blue circle']);
  assert.equal(beside.params.prompt, 'a large flat red star in the center and a medium blue circle in the middle right on grass');
  assert.equal(planned('add a moon above the star')!.params.region, 'top');
  assert.equal(planned('add a heart to the left of the star')!.params.region, 'left');
  assert.equal(planned('put an orange square below the star')!.params.prompt, 'a large flat red star in the center and a medium orange square in the bottom middle on grass');
  // At the right edge "next to" goes toward the middle; a region of its own keeps its own words.
  assert.equal(planned('put a circle next to the star', 'a red star in the top right on sky')!.params.region, 'top');
  // Objects stay in reading order, as the world's captions name them (top left first).
  const topLeft = planFromInstruction('put a circle in the top left', { caption: 'a large flat red star in the center on grass' });
  assert.ok(topLeft.kind === 'plan');
  assert.equal(topLeft.plan.steps[0]!.params.prompt, 'a medium blue circle in the top left and a large flat red star in the center on grass');
  assert.equal(planned('put a red circle in the bottom right')!.params.prompt, 'a large flat red star in the center and a medium red circle in the bottom right on grass');
  // A caption that gives every object a size and a colour gets them for the new one too (the shipped
  // model draws "a circle" there as nothing): medium, and a colour no object has and the background
  // doesn't hide (red is the star's, so blue; on sky, not blue either), said in the reply.
  assert.match(topLeft.plan.reason, /no colour was given, so blue/);
  assert.equal(planned('add a large square in the top left', 'a small green star in the center on sky')!.params.prompt, 'a large red square in the top left and a small green star in the center on sky');
  assert.equal(planned('add a square in the top left', 'a small red star in the center on sky')!.params.prompt, 'a medium yellow square in the top left and a small red star in the center on sky');
  // Other captions get the object as it was said.
  assert.equal(planned('put a dog in the top left', 'a cat sitting on a sofa')!.params.prompt, 'a cat sitting on a sofa and a dog in the top left');
  // Something that goes onto the other thing, or beside one whose place is unknown, is described with it.
  assert.equal(planned('add a hat on top of the star')!.method, 'p2p.refine');
  assert.equal(planned('add a dog next to the cat', 'a cat sitting on a sofa')!.method, 'p2p.refine');
  // "put the star …" moves it; beside something that isn't there asks.
  assert.equal(planned('put the star next to the circle', 'a red star in the center and a blue circle in the top left on sky')!.edit, 'move');
  const missing = planFromInstruction('put a circle next to the cat', { caption: 'a large flat red star in the center on grass' });
  assert.equal(missing.kind, 'clarify');
});

test('positions: the 3×3 grid names, corners, sides and directions', () => {
  const cases: [string, string][] = [
    ['move it to the top left', 'top_left'],
    ['move it to the upper right corner', 'top_right'],
    ['move it to the left side', 'left'],
    ['move it to the middle', 'center'],
    ['move it to the center', 'center'],
    ['move it to the bottom', 'bottom'],
    ['move it to the lower right', 'bottom_right'],
    ['move it to the bottom-left corner', 'bottom_left'],
    ['move it to the top', 'top'],
    ['move it to the right edge', 'right'],
  ];
  for (const [text, region] of cases) {
    assert.equal(steps(text, 'a small blue circle in the center on sky')[0]?.params.region, region, text);
  }
  // Directions move from where the caption puts the object.
  const down = steps('move it down a bit')[0]!;
  assert.equal(down.params.direction, 'down');
  assert.equal(down.params.region, 'left');
  assert.ok((down.params.distance ?? 1) < 0.33);
  assert.equal(steps('move it far to the right')[0]?.params.region, 'top_right');
});

test('"to the corner" without saying which asks, offering the corners nearest the object first', () => {
  const asked = planFromInstruction('move the circle to the corner', { caption: 'a small blue circle in the bottom left on sky' });
  assert.equal(asked.kind, 'clarify');
  if (asked.kind !== 'clarify') return;
  assert.match(asked.question, /Which corner should the circle go/);
  // It is in the bottom left already: the two one cell-row or column away come first, the far one last.
  assert.deepEqual(asked.choices.map((c) => c.label), ['top left', 'bottom right', 'top right']);
  assert.deepEqual(asked.choices.map((c) => c.plan.steps[0]!.params.region), ['top_left', 'bottom_right', 'top_right']);
  assert.equal(asked.choices[0]!.plan.steps[0]!.params.prompt, 'a small blue circle in the top left on sky');
  // An addition in "the corner" asks too, free corners first.
  const add = planFromInstruction('put a moon in the corner', { caption: 'a red star in the top left on grass' });
  assert.equal(add.kind, 'clarify');
  if (add.kind !== 'clarify') return;
  assert.equal(add.choices.length, 4);
  assert.equal(add.choices.at(-1)!.label, 'top left');
  assert.equal(add.choices[0]!.plan.steps[0]!.params.object, 'moon');
  // A named corner is still a plain move.
  assert.equal(steps('move it to the bottom right corner')[0]?.params.region, 'bottom_right');
  // "it" among two objects and no corner named: both questions in one, each object's nearest corners.
  const both = planFromInstruction('move it to the corner', { caption: 'a red star in the center and a blue circle in the bottom left on sky' });
  assert.ok(both.kind === 'clarify');
  assert.deepEqual(both.choices.map((c) => c.label), ['the star, top left', 'the star, top right', 'the star, bottom left', 'the circle, top left', 'the circle, bottom right']);
  assert.deepEqual(both.choices.map((c) => [c.plan.steps[0]!.params.object, c.plan.steps[0]!.params.region]), [['star', 'top_left'], ['star', 'top_right'], ['star', 'bottom_left'], ['circle', 'top_left'], ['circle', 'bottom_right']]);
});

test('sizes said as multiples: "twice as big", "half the size", "double the size of"', () => {
  const size = (text: string, caption = 'a medium green square in the bottom right on sand, flat') => steps(text, caption)[0]?.params.target;
  for (const text of ['make the square twice as big', 'make the square 3x bigger', 'double the size of the square', 'make the square twice its size', 'make it two times larger']) {
    assert.equal(size(text), 'large', text);
  }
  for (const text of ['make the square half the size', 'make the square half as big', 'halve the size of the square', 'shrink the square to half its size', 'make it three times smaller']) {
    assert.equal(size(text), 'small', text);
  }
  // From small, a multiple is a strong change: two sizes up, where "bigger" is one.
  assert.equal(size('make the circle twice as big', 'a small blue circle in the center on sky'), 'large');
  assert.equal(size('make the circle bigger', 'a small blue circle in the center on sky'), 'medium');
});

test('patterns follow the world grammar: before the colour, and "flat" is the word left out', () => {
  const pattern = (text: string, caption: string, source: 'generated' | 'uploaded' = 'generated') => {
    const result = planFromInstruction(text, { caption, source });
    assert.ok(result.kind === 'plan', text);
    return result.plan.steps[0]!;
  };
  const striped = pattern('make the diamond striped', 'a small green diamond in the bottom right on sky');
  assert.deepEqual([striped.method, striped.params.prompt], ['diffedit', 'a small striped green diamond in the bottom right on sky']);
  assert.equal(pattern('make the square outlined', 'a medium red ring in the top middle and a large pink square in the bottom left on grass').params.prompt, 'a medium red ring in the top middle and a large outlined pink square in the bottom left on grass');
  const flat = pattern('make the ring flat', 'a large outlined pink ring in the bottom left on sand');
  assert.deepEqual([flat.method, flat.params.prompt], ['diffedit', 'a large pink ring in the bottom left on sand']);
  assert.equal(pattern('make the ring dotted', 'a large striped white ring in the top right on sand').params.prompt, 'a large dotted white ring in the top right on sand');
  // On an upload the same words are Prompt-to-Prompt edits: refinement to add or drop a word, a swap for one pattern for another.
  assert.deepEqual([pattern('make the diamond striped', 'a small green diamond in the bottom right on sky', 'uploaded').method, pattern('make the ring flat', 'a large outlined pink ring in the bottom left on sand', 'uploaded').method, pattern('make the ring dotted', 'a large striped white ring in the top right on sand', 'uploaded').method], ['p2p.refine', 'p2p.refine', 'p2p.replace']);
});

test('a word changes in the object\'s own description, not in the first object that shares it', () => {
  const TWO = 'a small striped brown circle in the bottom middle and a small outlined brown square in the bottom right on night';
  assert.equal(steps('make the square larger', TWO)[0]!.params.prompt, 'a small striped brown circle in the bottom middle and a medium outlined brown square in the bottom right on night');
  assert.equal(steps('make the square red', TWO)[0]!.params.prompt, 'a small striped brown circle in the bottom middle and a small outlined red square in the bottom right on night');
  assert.equal(steps('make the square flat', TWO)[0]!.params.prompt, 'a small striped brown circle in the bottom middle and a small brown square in the bottom right on night');
  assert.equal(steps('make the square striped', 'a small striped brown circle in the center and a small dotted brown square in the bottom right on night')[0]!.params.prompt, 'a small striped brown circle in the center and a small striped brown square in the bottom right on night');
});

test('strength words scale reweighting', () => {
  const weight = (text: string) => steps(text, 'a snowy mountain at sunset')[0]?.params.weight ?? NaN;
  assert.ok(weight('much more snow') > weight('more snow'));
  assert.ok(weight('more snow') > weight('a bit more snow'));
  assert.ok(weight('a bit more snow') > 1);
  assert.ok(weight('a bit less snow') < 1);
  assert.ok(weight('less snow') < weight('a bit less snow'));
  assert.ok(weight('much less snow') < weight('less snow'));
});

test('method choice follows the image: swaps on generated vs uploaded, style, removal', () => {
  const uploaded = (text: string, caption: string) => {
    const result = planFromInstruction(text, { caption, source: 'uploaded' });
    return result.kind === 'plan' ? result.plan : undefined;
  };
  assert.equal(steps('make the cat a tiger', 'a cat sitting on a sofa')[0]?.method, 'p2p.replace');
  assert.equal(steps('make the star a heart')[0]?.method, 'p2p.local', 'the caption localises the star');
  assert.equal(uploaded('make the cat a tiger', 'a cat on a sofa')?.steps[0]?.method, 'p2p.replace');
  assert.equal(uploaded('watercolor', 'a cat on a sofa')?.steps[0]?.method, 'pnp');
  assert.equal(steps('watercolor')[0]?.method, 'fpe');
  // Removal finds the object itself (DiffEdit) on any image: the studio has no word masks to give Blended Diffusion.
  assert.equal(steps('remove the star')[0]?.method, 'diffedit');
  assert.equal(uploaded('remove the cat', 'a cat on a sofa')?.steps[0]?.method, 'diffedit');
  assert.equal(steps('remove the circle', 'a red star in the top left and a blue circle in the center and a green heart in the bottom right on sky')[0]?.params.prompt, 'a red star in the top left and a green heart in the bottom right on sky');
  assert.equal(steps('remove the square', 'a large striped pink square in the top left and a large purple triangle in the center on grass')[0]?.params.prompt, 'a large purple triangle in the center on grass');
  assert.equal(steps('make the background sand', 'a cat sitting on a sofa')[0]?.method, 'diffedit');
  assert.equal(steps('make the star blue')[0]?.method, 'p2p.replace');
  assert.equal(steps('make the star blue')[0]?.params.prompt, 'a large blue star in the top left on grass, striped');
  assert.equal(steps('make the sofa blue', 'a cat sitting on a sofa')[0]?.method, 'p2p.refine');
  assert.equal(steps('add a moon in the top right')[0]?.method, 'blended');
  assert.equal(steps('make it wider')[0]?.method, 'multidiffusion');
  assert.equal(steps('show me 3 variations')[0]?.params.count, 3);
});
