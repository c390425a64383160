// The reason a reply gives for its plan is read by people who don't know how diffusion works: plain
// words, no machinery ("attention maps", "keys and values", "SAE spatial steering"), verbs spelt right.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planFromInstruction, planFromSlashOptions } from '../../src/plan/index.ts';
import { HELDOUT } from './heldout.ts';
import { LABELLED } from './instructions.ts';

const JARGON = /attention|keys and values|self-attention|SAE spatial|steers the object|concept features|features|denois|classifier-free|\bDDIM sampling\b|injects|latent|noised|masked|\bwindows\b/i;

test('every reason the planner gives for the labelled and held-out instructions is in plain words', () => {
  let reasons = 0;
  for (const c of [...LABELLED, ...HELDOUT]) {
    const result = planFromInstruction(c.text, { caption: c.caption, source: c.source, storedInversion: c.storedInversion });
    if (result.kind !== 'plan') continue;
    reasons++;
    assert.doesNotMatch(result.plan.reason, JARGON, `${c.text} → ${result.plan.reason}`);
  }
  assert.ok(reasons > 100, `${reasons} plans`);
  for (const options of [{ prompt: 'a red star' }, { prompt: 'a red star', ratio: '2:1' }]) {
    const drawn = planFromSlashOptions('imagine', options);
    assert.equal(drawn.kind, 'plan');
    if (drawn.kind === 'plan') assert.doesNotMatch(drawn.plan.reason, JARGON, drawn.plan.reason);
  }
});

test('a short verb doubles its last letter before -ing ("popping", not "poping")', () => {
  const reason = (text: string) => {
    const result = planFromInstruction(text, { caption: 'a cat and a dog on a sofa', source: 'generated' });
    return result.kind === 'plan' ? result.plan.reason : result.question;
  };
  assert.match(reason('make the cat pop up'), /redrawn popping up/);
  assert.match(reason('make the cat wag its tail'), /redrawn wagging its tail/);
  assert.match(reason('make the dog jump'), /redrawn jumping/);
  assert.match(reason('make the cat sit'), /redrawn sitting/);
});
