import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anotherMethod } from '../../src/chat/results/alternatives.ts';
import { planFromInstruction } from '../../src/plan/index.ts';

test('Try another method on a move: SDEdit toward the same prompt, then MasaCtrl again (sae.move is skipped while not available)', () => {
  const result = planFromInstruction('move the star to the top left', { caption: 'a large flat red star in the center on grass' });
  assert.equal(result.kind, 'plan');
  if (result.kind !== 'plan') return;
  const first = anotherMethod(result.plan);
  assert.deepEqual([first?.from, first?.to], ['masactrl', 'sdedit']);
  assert.equal(first!.plan.steps[0]!.params.prompt, 'a large flat red star in the top left on grass');
  assert.match(first!.plan.reason, /Trying SDEdit instead of MasaCtrl/);
  assert.equal(anotherMethod(first!.plan)?.to, 'masactrl');
});
