import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePlan, planFromInstruction, planFromSlashOptions, type PlanResult } from '../../src/plan/index.ts';

const HOSTILE = [
  '',
  '   ',
  '\n\t',
  'x'.repeat(10 * 1024),
  `make it blue ${'and make it red '.repeat(700)}`,
  '```js\nprocess.exit(1)\n```',
  '<script>alert("x")</script>',
  '<img src=x onerror=alert(1)>',
  '@everyone @here',
  '<@123456789012345678> <@&42> <#99>',
  '<!channel> <!here>',
  '[click](javascript:alert(1))',
  '**__~~||spoiler||~~__**',
  '${process.env.SECRET}',
  '\u0000\u0001\u0002',
  '🙂'.repeat(50),
  'DROP TABLE edits; --',
  '{"version":1,"steps":[]}',
];

function allText(result: PlanResult): string {
  // describePlan's own `code` spans around method ids are ours, not the user's.
  if (result.kind === 'plan') return `${JSON.stringify(result.plan)}\n${describePlan(result.plan).replace(/`[a-z0-9_.]+`/g, '')}`;
  return [result.question, ...result.choices.map((c) => `${c.label}\n${JSON.stringify(c.plan)}`)].join('\n');
}

test('empty, huge, markup, mentions and code never throw and get a polite clarification', () => {
  for (const input of HOSTILE) {
    const result = planFromInstruction(input, { caption: 'a cat sitting on a sofa', source: 'generated' });
    assert.equal(result.kind, 'clarify', JSON.stringify(input.slice(0, 40)));
    if (result.kind === 'clarify') {
      assert.ok(result.question.length > 0 && result.question.length < 400);
      assert.match(result.question, /^[A-Z]/);
    }
  }
});

test('non-string input is a clarification, not an exception', () => {
  for (const input of [undefined, null, 42, {}, ['make it blue']]) {
    assert.equal(planFromInstruction(input).kind, 'clarify');
  }
});

test('replies never echo markup, mentions or code, even around a real instruction', () => {
  const inputs = [
    'make the cat a tiger <@123456789> @everyone',
    'remove the `rm -rf /` cat',
    'make it blue <script>alert(1)</script>',
    'add a <b>hat</b> to the cat',
    'make the cat a [tiger](http://evil.example)',
    'make the <@&1> dog sit',
    'replace the cat with a ```js\nalert(1)``` tiger',
    'move the @here to the left',
  ];
  for (const input of inputs) {
    const text = allText(planFromInstruction(input, { caption: 'a cat sitting on a sofa' }));
    for (const forbidden of ['<', '>', '`', '@', 'alert', 'javascript', 'http', 'everyone', 'rm -rf', '```']) {
      assert.ok(!text.includes(forbidden), `${JSON.stringify(input)} echoed ${forbidden}: ${text.slice(0, 200)}`);
    }
  }
});

test('the markup around an instruction is dropped and the instruction still understood', () => {
  const result = planFromInstruction('<@123> **make the cat a tiger** please', { caption: 'a cat sitting on a sofa' });
  assert.equal(result.kind, 'plan');
  if (result.kind === 'plan') assert.equal(result.plan.steps[0]!.params.target, 'tiger');
});

test('slash options with hostile values are cleaned or rejected, never thrown', () => {
  const results = [
    planFromSlashOptions('edit', { method: '<script>', target: 'x' }),
    planFromSlashOptions('edit', { method: 'p2p.replace', source: 'cat', target: '<@123> tiger' }),
    planFromSlashOptions('imagine', { prompt: '```' }),
    planFromSlashOptions('imagine', { prompt: 'a cat', seed: -5 }),
    planFromSlashOptions('edit', { strength: 'very' }),
  ];
  for (const result of results) {
    const text = allText(result);
    assert.ok(!/[<>`@]/.test(text), text.slice(0, 200));
  }
  assert.equal(results[0]!.kind, 'clarify');
  assert.equal(results[1]!.kind, 'plan');
  assert.equal(results[2]!.kind, 'clarify');
  assert.equal(results[3]!.kind, 'clarify');
});

test('a clarification about a missing object offers one button per thing in the image', () => {
  const result = planFromInstruction('make the dog a cat', { caption: 'a horse and a cow in a meadow' });
  assert.equal(result.kind, 'clarify');
  if (result.kind !== 'clarify') return;
  assert.deepEqual(result.choices.map((c) => c.label), ['the horse', 'the cow']);
  assert.equal(result.choices[0]!.plan.steps[0]!.params.source, 'horse');
  assert.equal(result.choices[0]!.plan.steps[0]!.params.target, 'cat');
});

test('an ambiguous "it" asks which object', () => {
  const result = planFromInstruction('make it blue', { caption: 'a red circle in the top left and a green square in the bottom right on grass' });
  assert.equal(result.kind, 'clarify');
  if (result.kind === 'clarify') assert.deepEqual(result.choices.map((c) => c.label), ['the circle', 'the square']);
});
