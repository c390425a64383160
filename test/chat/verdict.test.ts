// What a result's reply may claim, from what the read-back found.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterLabel, drawingLines, outcomeLines, verdictOf } from '../../src/chat/results/verdict.ts';
import { planFromInstruction } from '../../src/plan/index.ts';
import type { CheckReport, StepReport } from '../../src/studio/checked.ts';

const planned = planFromInstruction('make the star blue', { caption: 'a medium red star in the center on grass', world: true });
const plan = planned.kind === 'plan' ? planned.plan : assert.fail('a plan');
const asked = [{ subject: 'the star', value: 'blue' }];
const step = (over: Partial<StepReport>): StepReport => ({ asked, checked: true, done: true, kept: true, problems: [], tries: [{ method: 'p2p.replace', seed: 0, done: true, kept: true, problems: [] }], ...over });
const report = (steps: StepReport[], skipped = 0): CheckReport => ({ steps, skipped, read: '' });

test('done: says what reads back, and nothing more', () => {
  const done = report([step({})]);
  assert.equal(verdictOf(done), 'done');
  assert.deepEqual(outcomeLines(plan, done), ['✅ Done, and checked by reading the picture back: the star is now blue; everything else reads as before.']);
  assert.equal(afterLabel(done), 'after');
});

test('partly and failed say what went wrong; a failed attempt is labelled as one; retries are listed', () => {
  const partly = report([step({ kept: false, problems: ['the heart turned yellow'] })]);
  assert.equal(verdictOf(partly), 'partly');
  assert.match(outcomeLines(plan, partly)[0]!, /^⚠️ Partly: .*the star is now blue, but something else changed too: the heart turned yellow\.$/);
  const tries = [
    { method: 'p2p.replace', seed: 0, done: false, kept: true, problems: ['the star came out purple, not blue'] },
    { method: 'blended', seed: 1, done: false, kept: true, problems: ['the star is still red'] },
  ];
  const failed = report([step({ done: false, problems: ['the star came out purple, not blue'], tries })], 1);
  assert.equal(verdictOf(failed), 'failed');
  const lines = outcomeLines(plan, failed);
  assert.match(lines[0]!, /^❌ Not done: I couldn't make the star blue\. After 2 tries, the closest attempt is shown below as a failed attempt: the star came out purple, not blue\.$/);
  assert.match(lines[1]!, /first try \(Prompt-to-Prompt word swap\): the star came out purple, not blue.*second try \(Blended Diffusion, seed 1\): the star is still red/);
  assert.match(lines.join('\n'), /The rest of your request \(1 more step\) was not attempted/);
  assert.equal(afterLabel(failed), 'failed attempt');
});

test('without a read-back the reply says what the method is designed to do, and that nothing was checked', () => {
  assert.equal(verdictOf(undefined), 'unchecked');
  assert.match(outcomeLines(plan, undefined)[0]!, /can't be read back, so I haven't checked the result/);
  assert.deepEqual(drawingLines(undefined), []);
});

test('a drawing says whether it shows what the prompt names, and how many were drawn', () => {
  assert.match(drawingLines({ done: true, problems: [], tries: [{ seed: 4, problems: ['no star was drawn'] }, { seed: 5, problems: [] }] })[0]!, /shows what the prompt names\. I drew it 2 times: seed 4: no star was drawn\. This is seed 5\./);
  assert.match(drawingLines({ done: false, problems: ['the star came out pink, not red'], tries: [{ seed: 1, problems: ['a'] }, { seed: 2, problems: ['the star came out pink, not red'] }] })[0]!, /^⚠️ Not quite: reading the picture back, the star came out pink, not red\. This is the closest of 2 drawings\./);
});
