// Hostile input: 10-KB text, markup, Discord mentions and code blocks get a polite clarification (or,
// around a real instruction, a plan), and nothing the bot says back echoes the raw markup or mentions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describePlan, planFromInstruction, type PlanResult } from '../../src/plan/index.ts';

const STAR = 'a large red star in the top left on grass, striped';
const RAW = /<\/?script|<@!?&?\d|<#\d|@everyone|@here|```|<img|onerror|javascript:|<[a-z]/i;

function said(result: PlanResult): string {
  if (result.kind === 'plan') return `${result.plan.reason}\n${describePlan(result.plan).replace(/`[a-z0-9_.]+`/g, '')}\n${JSON.stringify(result.plan)}`;
  return [result.question, ...result.choices.map((c) => `${c.label}\n${c.plan.reason}\n${JSON.stringify(c.plan)}`)].join('\n');
}

const polite = (question: string) => /\b(please|sorry|could you|would you like|what would you like|try|e\.g\.|for example|should i)\b/i.test(question) && /^[A-Z]/.test(question);

test('10-KB input, <script>, mentions, @everyone and code blocks alone get a polite clarification', () => {
  const inputs = [
    'x'.repeat(10 * 1024),
    `please make the star blue ${'very '.repeat(2100)}`,
    '<script>alert(document.cookie)</script>',
    '<script src="https://evil.example/x.js"></script>',
    '<@123>',
    '<@!123456789012345678> <@&987>',
    '@everyone',
    '@here @everyone',
    '```\nrm -rf /\n```',
    '```js\nwhile(true){}\n```',
    '`make it blue`',
    '<b><i></i></b>',
  ];
  for (const input of inputs) {
    let result: PlanResult | undefined;
    assert.doesNotThrow(() => (result = planFromInstruction(input, { caption: STAR, source: 'generated' })));
    assert.equal(result!.kind, 'clarify', JSON.stringify(input.slice(0, 50)));
    if (result!.kind !== 'clarify') continue;
    assert.ok(polite(result!.question), `not polite: ${result!.question}`);
    assert.ok(result!.question.length < 400);
    assert.doesNotMatch(said(result!), RAW, JSON.stringify(input.slice(0, 50)));
  }
});

test('markup and mentions around a real instruction are dropped: a plan or a question, never an echo', () => {
  const inputs = [
    '<@123> make the star blue',
    '@everyone make the star blue <script>alert(1)</script>',
    'make the star blue ```rm -rf /``` and ping @everyone',
    'make the star blue and <img src=x onerror=alert(1)> then <@&42> move it left',
    'remove the star <#987654321> and tell <@123> hi',
    '**make the star blue** ~~now~~',
  ];
  for (const input of inputs) {
    const result = planFromInstruction(input, { caption: STAR, source: 'generated' });
    assert.doesNotMatch(said(result), RAW, input);
    if (result.kind === 'clarify') assert.ok(polite(result.question), result.question);
    else assert.ok(result.plan.steps.length >= 1);
  }
  const first = planFromInstruction('<@123> make the star blue', { caption: STAR, source: 'generated' });
  assert.ok(first.kind === 'plan' && first.plan.steps[0]!.params.target === 'blue');
});
