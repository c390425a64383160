// Planning for the shipped model's world: instructions fitted to it, and what it can't draw refused in words.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFromInstruction, type PlanResult } from '../../src/plan/index.ts';
import { splitUndo } from '../../src/plan/text.ts';
import { completedPrompt } from '../../src/plan/world.ts';
import { parseCaption, readPrompt } from '../../src/world/index.ts';

const ONE = 'a medium red star in the middle left on grass';
const TWO = 'a small green heart in the top right and a large blue square in the middle right on sand';

const plan = (instruction: string, caption = ONE, focus?: string): PlanResult =>
  planFromInstruction(instruction, { caption, source: 'generated', world: true, ...(focus ? { focus } : {}) });

function prompts(result: PlanResult): string[] {
  assert.equal(result.kind, 'plan', result.kind === 'clarify' ? result.question : '');
  return result.kind === 'plan' ? result.plan.steps.map((s) => s.params.prompt ?? '') : [];
}

function question(result: PlanResult): { question: string; labels: string[] } {
  assert.equal(result.kind, 'clarify');
  return result.kind === 'clarify' ? { question: result.question, labels: result.choices.map((c) => c.label) } : { question: '', labels: [] };
}

test('target captions are worked out on the scene, in the words the model draws', () => {
  assert.deepEqual(prompts(plan('make the star blue')), ['a medium blue star in the middle left on grass']);
  assert.deepEqual(prompts(plan('move it to the bottom left')), ['a medium red star in the bottom left on grass']);
  assert.deepEqual(prompts(plan('make it twice as big')), ['a large red star in the middle left on grass']);
  assert.deepEqual(prompts(plan('give it stripes')), ['a medium striped red star in the middle left on grass']);
  assert.deepEqual(prompts(plan('turn it into a heart')), ['a medium red heart in the middle left on grass']);
  assert.deepEqual(prompts(plan('what would this look like at night?')), ['a medium red star in the middle left on night']);
  // The last object removed: the background word alone, which the model draws bare ("nothing on grass" draws a star).
  assert.deepEqual(prompts(plan('remove the star')), ['grass']);
});

test('an addition gets a free cell: beside what it names, else the nearest free one, in a colour the reply can name', () => {
  assert.deepEqual(prompts(plan('put a small yellow circle next to it')), ['a medium red star in the middle left and a small yellow circle in the center on grass']);
  assert.deepEqual(prompts(plan('add a circle')), ['a medium red star in the middle left and a medium blue circle in the center on grass']);
  // Above the square is the heart's cell: the nearest free one instead.
  const [above] = prompts(plan('put a circle above the square', TWO));
  assert.match(above!, /a medium red circle in the center/);
  // One of each shape: putting a star somewhere moves the star.
  const moved = plan('put a star in the top left');
  assert.equal(moved.kind === 'plan' && moved.plan.steps[0]!.edit, 'move');
  assert.match(question(plan('add a star')).question, /at most one of each shape/);
});

test('what the model cannot draw is said plainly, with what it can do as choices', () => {
  const less = question(plan('make it a bit less red'));
  assert.match(less.question, /one shade of each colour/);
  assert.deepEqual(less.labels, ['pink', 'orange', 'brown', 'purple']);
  assert.match(question(plan('more red')).question, /already as red/);
  assert.match(question(plan('make it less blue')).question, /^Nothing in the picture is blue, so there is no blue to take away/);
  const watercolor = question(plan('watercolor'));
  assert.match(watercolor.question, /can't draw in a “watercolor” style/);
  assert.deepEqual(watercolor.labels, ['the star striped', 'the star dotted', 'the star outlined']);
  assert.match(question(plan('make it look happier')).question, /can't draw “happy”/);
  assert.match(question(plan('make it wider')).question, /square pictures/);
  assert.match(question(plan('make it flat')).question, /already reads/);
  for (const vague of ['make it pop', 'make the star pop more', 'make it stand out', 'make it look better']) {
    assert.deepEqual(question(plan(vague)).labels, ['the star larger', 'the star outlined', 'a night background'], vague);
  }
});

test('"it" is what the conversation was last about; "which one?" offers each object', () => {
  assert.deepEqual(question(plan('make it red', TWO)).labels, ['the heart', 'the square']);
  // The square is as large as this model draws: only the heart can grow.
  assert.deepEqual(question(plan('make it bigger', TWO)).labels, ['the heart']);
  assert.deepEqual(prompts(plan('now make it bigger', TWO, 'heart')), ['a medium green heart in the top right and a large blue square in the middle right on sand']);
});

test('"undo that and …" is split from what to do after it', () => {
  assert.deepEqual(splitUndo('undo that and make it green instead'), { undo: true, rest: 'make it green' });
  assert.deepEqual(splitUndo('never mind, make it red'), { undo: true, rest: 'make it red' });
  assert.deepEqual(splitUndo('Undo.'), { undo: true, rest: '' });
  assert.deepEqual(splitUndo('make it blue'), { undo: false, rest: 'make it blue' });
});

test('a short prompt is drawn from the whole caption that completes it, keeping every word said', () => {
  const complete = (prompt: string, seed: number) => {
    const named = readPrompt(prompt);
    assert.ok(named, prompt);
    const caption = completedPrompt(named, seed);
    const scene = parseCaption(caption);
    assert.ok(scene, `${prompt} → ${caption} is a caption of the world`);
    return { caption, scene };
  };
  // One object alone: medium, flat, in the centre; its colour and the background are kept.
  assert.equal(complete('a red star on grass', 1).caption, 'a medium red star in the center on grass');
  // Two: side by side in the order named, colours kept; placed words stay where they were said.
  assert.equal(complete('a red star and a blue heart on grass', 1).caption, 'a medium red star in the middle left and a medium blue heart in the middle right on grass');
  assert.equal(complete('a large heart in the top right and a star', 1).scene.objects.find((o) => o.shape === 'heart')?.position, 'top right');
  const backgrounds = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    const { scene } = complete('a circle and a square', seed);
    backgrounds.add(scene.background);
    const [a, b] = scene.objects;
    assert.notEqual(a!.colour, b!.colour, 'two objects left without a colour get different ones');
    for (const o of scene.objects) assert.ok(!{ sky: ['blue', 'cyan', 'white'], grass: ['green'], sand: ['yellow', 'orange', 'brown'], night: ['blue', 'purple'], plain: ['white'] }[scene.background]!.includes(o.colour), `${o.colour} on ${scene.background} is hidden`);
    // The same seed, the same choices: a drawing's seed repeats it.
    assert.equal(completedPrompt(readPrompt('a circle and a square')!, seed), completedPrompt(readPrompt('a circle and a square')!, seed));
  }
  assert.ok(backgrounds.size >= 4, `an unsaid background varies with the seed (${[...backgrounds].join(', ')})`);
});
