import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EditPlan, METHOD_IDS, PLAN_VERSION, parsePlan, planFromInstruction } from '../../src/plan/index.ts';

const STAR = 'a large red star in the top left on grass, striped';

function planOf(text: string, caption = STAR) {
  const result = planFromInstruction(text, { caption, source: 'generated', seed: 42 });
  assert.equal(result.kind, 'plan', `${text} should plan`);
  return result.kind === 'plan' ? result.plan : (undefined as never);
}

test('a plan survives JSON and parses back unchanged, with version 1', () => {
  const plan = planOf('make it blue and move it left');
  assert.equal(plan.version, PLAN_VERSION);
  assert.equal(PLAN_VERSION, 1);
  const stored = JSON.stringify(plan);
  assert.deepEqual(parsePlan(JSON.parse(stored)), plan);
  assert.equal(JSON.stringify(parsePlan(JSON.parse(stored))), stored, 'serialisation is stable');
});

test('the same instruction always gives the same plan', () => {
  assert.deepEqual(planOf('make the star a heart'), planOf('make the star a heart'));
});

test('the schema rejects unknown methods, unknown fields and other versions', () => {
  const plan = planOf('make it blue');
  const withMethod = (method: string) => ({ ...plan, steps: [{ ...plan.steps[0]!, method }] });
  assert.equal(EditPlan.safeParse(withMethod('p2p.teleport')).success, false);
  assert.equal(EditPlan.safeParse(withMethod('sdedit')).success, true);
  assert.equal(EditPlan.safeParse({ ...plan, version: 2 }).success, false);
  assert.equal(EditPlan.safeParse({ ...plan, extra: true }).success, false);
  assert.equal(EditPlan.safeParse({ ...plan, steps: [{ ...plan.steps[0]!, params: { colour: 'blue' } }] }).success, false);
  assert.equal(EditPlan.safeParse({ ...plan, steps: [] }).success, false);
  assert.equal(EditPlan.safeParse({ ...plan, reason: '' }).success, false);
});

test('every method id of METHODS.md is accepted', () => {
  const plan = planOf('make it blue');
  for (const method of METHOD_IDS) {
    assert.equal(EditPlan.safeParse({ ...plan, steps: [{ ...plan.steps[0]!, method }] }).success, true, method);
  }
  for (const id of ['p2p.replace', 'masactrl', 'sae.move', 'invert.direct', 'guide.prompt_switch', 'inspect.attention']) {
    assert.ok(METHOD_IDS.includes(id as (typeof METHOD_IDS)[number]), id);
  }
});

test('output settings carry seed, steps and guidance; the reason is one plain sentence', () => {
  const plan = planOf('watercolor');
  assert.deepEqual(plan.output, { seed: 42, steps: 50, guidance: 7.5 });
  assert.match(plan.reason, /^[A-Z].*\.$/);
  assert.ok(!plan.reason.includes('\n'));
});

test('an edit through a source branch plans the inversion it runs with, generated or uploaded; a stored one is reused', () => {
  const generated = planFromInstruction('make the cat a tiger', { caption: 'a cat on a sofa', source: 'generated' });
  const uploaded = planFromInstruction('make the cat a tiger', { caption: 'a cat on a sofa', source: 'uploaded' });
  const stored = planFromInstruction('make the cat a tiger', { caption: 'a cat on a sofa', source: 'uploaded', storedInversion: true });
  assert.ok(generated.kind === 'plan' && uploaded.kind === 'plan' && stored.kind === 'plan');
  // A generated image is inverted too: prompt-to-prompt's source branch runs from its inversion.
  assert.deepEqual(generated.plan.inversion, { method: 'invert.direct', reuseStored: false });
  assert.deepEqual(uploaded.plan.inversion, { method: 'invert.direct', reuseStored: false });
  assert.deepEqual(stored.plan.inversion, { method: 'invert.direct', reuseStored: true });
  assert.match(uploaded.plan.reason, /Direct Inversion/);
  assert.match(stored.plan.reason, /stored inversion/);
  // Methods that noise the photo themselves need no inversion.
  const variations = planFromInstruction('variations', { caption: 'a cat on a sofa', source: 'uploaded' });
  assert.ok(variations.kind === 'plan');
  assert.equal(variations.plan.inversion.method, 'none');
});
