import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canvasWindows, evaluationPrompts, isShortPrompt, promptRates, samplePrompt, scorePrompt, type EvalPrompt } from '../../src/eval/prompts.ts';
import { analyseImage, renderScene, sampleScene, type Scene, type SceneObject } from '../../src/world/index.ts';
import { createRandom } from '../../src/support/random.ts';
import { runRetouch } from '../cli/run.ts';

const star: SceneObject = { shape: 'star', colour: 'red', size: 'large', position: 'top left', style: 'flat' };
const heart: SceneObject = { shape: 'heart', colour: 'blue', size: 'large', position: 'bottom right', style: 'flat' };
const scene = (objects: SceneObject[], background: Scene['background'] = 'sand'): Scene => ({ background, seed: 7, objects });
const prompt = (objects: EvalPrompt['objects'], background?: Scene['background']): EvalPrompt => ({ text: '', form: '', objects, ...(background ? { background } : {}) });

describe('prompts people write: sampling', () => {
  it('names every subset of place, size, style, colour and background, shorter prompts more often', () => {
    const random = createRandom(1);
    const forms = new Map<string, number>();
    const byLength = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 6000; i++) {
      const p = samplePrompt(sampleScene(random, { minObjects: 1, maxObjects: 1, styles: ['striped', 'dotted', 'outlined'] }), random);
      forms.set(p.form, (forms.get(p.form) ?? 0) + 1);
      byLength[p.objects[0]!.words.length + (p.background ? 1 : 0)]!++;
    }
    assert.equal(forms.size, 32, [...forms.keys()].join('\n'));
    // Words besides the shape, the background counted: most prompts name at most two, the full caption is the rarest.
    assert.ok(byLength[0]! + byLength[1]! + byLength[2]! > 0.6 * 6000, `lengths ${byLength.join(', ')}`);
    assert.ok(byLength.every((count) => count >= byLength[5]!) && byLength[5]! > 0, `lengths ${byLength.join(', ')}`);
  });

  it('writes the grammar\'s words, an article that fits, and reading order only when a place is named', () => {
    const random = createRandom(2);
    let unordered = 0;
    for (let i = 0; i < 400; i++) {
      const s = sampleScene(random, { minObjects: 2, maxObjects: 2 });
      const p = samplePrompt(s, random);
      for (const phrase of p.text.replace(/ on \w+$/, '').split(' and ')) assert.match(phrase, /^(a [^aeiou]|an [aeiou])[a-z ]+$/);
      const inOrder = p.objects.every((o, k) => o.object === s.objects[k]);
      if (p.objects.some((o) => o.words.includes('place'))) assert.ok(inOrder, p.text);
      else if (!inOrder) unordered++;
    }
    assert.ok(unordered > 40, `${unordered} prompts out of reading order`);
  });

  it('derives the same prompts and image seeds from the same seed, others from another', () => {
    const a = evaluationPrompts(6, 11);
    assert.equal(a.length, 9);
    assert.deepEqual(a, evaluationPrompts(6, 11));
    assert.notDeepEqual(a.map((p) => p.prompt.text), evaluationPrompts(6, 12).map((p) => p.prompt.text));
    // More one-object prompts keep the first ones.
    assert.deepEqual(evaluationPrompts(8, 11).slice(0, 6), a.slice(0, 6));
  });

  it('calls one object with no style and at most two other words short', () => {
    assert.ok(isShortPrompt(prompt([{ object: star, words: ['colour'] }], 'sand')));
    assert.ok(!isShortPrompt(prompt([{ object: star, words: ['colour', 'size'] }], 'sand')));
    assert.ok(!isShortPrompt(prompt([{ object: { ...star, style: 'dotted' }, words: ['style'] }])));
    assert.ok(!isShortPrompt(prompt([{ object: star, words: [] }, { object: heart, words: [] }])));
  });
});

describe('prompts people write: scoring', () => {
  const redStarOnSand = prompt([{ object: star, words: ['colour'] }], 'sand');

  it('reads a render of what was asked as exact', () => {
    const score = scorePrompt(redStarOnSand, renderScene(scene([{ ...star, position: 'center', size: 'medium' }])));
    assert.deepEqual({ ...score, words: undefined }, { exact: true, exactStyleAside: true, shapesPresent: true, colourRight: true, backgroundRight: true, rightCount: true, empty: false, words: undefined });
  });

  it('finds a wrong colour, a wrong background, an extra object and an empty picture', () => {
    const green = scorePrompt(redStarOnSand, renderScene(scene([{ ...star, colour: 'green' }])));
    assert.equal(green.exact, false);
    assert.equal(green.colourRight, false);
    assert.equal(green.shapesPresent, true);
    const sky = scorePrompt(redStarOnSand, renderScene(scene([star], 'sky')));
    assert.equal(sky.backgroundRight, false);
    assert.equal(sky.exact, false);
    const extra = scorePrompt(redStarOnSand, renderScene(scene([star, heart])));
    assert.equal(extra.rightCount, false);
    assert.equal(extra.exact, false);
    const empty = scorePrompt(redStarOnSand, renderScene(scene([])));
    assert.deepEqual([empty.empty, empty.shapesPresent, empty.exact], [true, false, false]);
    const rates = promptRates([green, sky, extra, empty]);
    assert.equal(rates.empty, 0.25);
    assert.equal(rates.shapesPresent, 0.75);
    assert.equal(rates.backgroundRight, 0.75);
  });

  it('binds colours: a red star and a blue heart, not a blue star and a red heart', () => {
    const asked = prompt([{ object: star, words: ['colour'] }, { object: heart, words: ['colour'] }]);
    const right = scorePrompt(asked, renderScene(scene([star, heart])));
    assert.deepEqual([right.exact, right.coloursBound], [true, true]);
    const swapped = scorePrompt(asked, renderScene(scene([{ ...star, colour: 'blue' }, { ...heart, colour: 'red' }])));
    assert.deepEqual([swapped.exact, swapped.shapesPresent, swapped.coloursBound], [false, true, false]);
    assert.equal(scorePrompt(prompt([{ object: star, words: [] }, { object: heart, words: [] }]), renderScene(scene([star]))).shapesPresent, false);
  });

  it('counts a named style apart: exact needs it, "style aside" does not', () => {
    const striped = prompt([{ object: { ...star, style: 'striped' }, words: ['style'] }]);
    const score = scorePrompt(striped, renderScene(scene([star])));
    assert.deepEqual([score.exact, score.exactStyleAside, score.words.style], [false, true, { named: 1, right: 0 }]);
  });
});

describe('retouch eval prompts', () => {
  it('generates and scores its prompts with the shipped model', async () => {
    const { code, stdout, stderr } = await runRetouch(['eval', 'prompts', '--n', '2', '--steps', '2', '--seed', '5', '--json'], {}, 120_000);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { suite: string; seed: number; steps: number; oneObject: { prompts: number; exact: number }; twoObjects: { prompts: number }; cases: { prompt: string; imageSeed: number }[] };
    assert.equal(result.suite, 'prompts');
    assert.equal(result.seed, 5);
    assert.equal(result.steps, 2);
    assert.deepEqual([result.oneObject.prompts, result.twoObjects.prompts, result.cases.length], [2, 1, 3]);
    assert.deepEqual(result.cases.map((c) => [c.prompt, c.imageSeed]), evaluationPrompts(2, 5).map((p) => [p.prompt.text, p.imageSeed]));
    assert.ok(result.oneObject.exact >= 0 && result.oneObject.exact <= 1);
  });

  it('draws a wide canvas with MultiDiffusion and reads each window back', async () => {
    const { code, stdout, stderr } = await runRetouch(['eval', 'prompts', '--n', '1', '--steps', '2', '--seed', '5', '--width', '2', '--json'], {}, 120_000);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { windows: { form: string; prompts: number }[]; cases: { readBack: string }[] };
    assert.deepEqual(result.windows.map((w) => [w.form, w.prompts]), [['window 1 of 2', 2], ['window 2 of 2', 2], ['any window exact', 2], ['the whole canvas', 2]]);
    for (const c of result.cases) assert.equal(c.readBack.split(' | ').length, 2, c.readBack);
  });

  it('refuses --width for a suite that draws at the model\'s size', async () => {
    const { code, stderr } = await runRetouch(['eval', 't2i', '--n', '1', '--width', '2'], {}, 60_000);
    assert.equal(code, 2);
    assert.match(stderr, /--width is for the prompts suite/);
  });
});

describe('wide canvases, window by window', () => {
  it('cuts a canvas into model-sized windows that read back as the scenes drawn there', () => {
    const left = renderScene(scene([star]));
    const right = renderScene(scene([heart], 'grass'));
    const size = left.width;
    const rgb = new Uint8Array(2 * size * size * 3);
    for (let y = 0; y < size; y++) {
      rgb.set(left.rgb.subarray(y * size * 3, (y + 1) * size * 3), y * 2 * size * 3);
      rgb.set(right.rgb.subarray(y * size * 3, (y + 1) * size * 3), (y * 2 + 1) * size * 3);
    }
    const windows = canvasWindows({ width: 2 * size, height: size, rgb }, size);
    assert.deepEqual(windows.map((w) => analyseImage(w).caption), [left.caption, right.caption]);
  });
});
