import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineCommand } from '../../src/chat/command.ts';
import { parseArguments, splitCommandLine } from '../../src/chat/command-line.ts';
import { createCommandRegistry, InvalidCommandError } from '../../src/chat/registry.ts';

const paint = defineCommand({
  name: 'paint',
  description: 'Test command with every option type.',
  options: {
    prompt: { type: 'string', description: 'what to paint', required: true },
    steps: { type: 'integer', description: 'how many steps' },
    strength: { type: 'number', description: 'how strongly' },
    seamless: { type: 'boolean', description: 'tile the result' },
    style: { type: 'string', description: 'a style', choices: ['oil', 'watercolour'] },
  },
  examples: [{ usage: '/paint a red barn', description: 'paint a barn' }],
  async run() {},
});

test('splitCommandLine recognises commands and lowercases the name', () => {
  assert.equal(splitCommandLine('hello there'), undefined);
  assert.deepEqual(splitCommandLine('  /Help  imagine '), { name: 'help', rest: 'imagine' });
  assert.deepEqual(splitCommandLine('/help'), { name: 'help', rest: '' });
  assert.deepEqual(splitCommandLine('/'), { name: '', rest: '' });
});

test('free text goes to the first option and named options follow', () => {
  const result = parseArguments(paint, 'a red barn at dusk steps:20 strength: 0.5 seamless:yes style:Oil');
  assert.deepEqual(result, {
    ok: true,
    args: { prompt: 'a red barn at dusk', steps: 20, strength: 0.5, seamless: true, style: 'oil' },
  });
});

test('a named value runs until the next option and may be quoted', () => {
  const result = parseArguments(paint, 'steps:4 prompt:"a cat: sitting" ');
  assert.deepEqual(result, {
    ok: true,
    args: { prompt: 'a cat: sitting', steps: 4, strength: undefined, seamless: undefined, style: undefined },
  });
  // A colon after a word that is no option is just text.
  const colon = parseArguments(paint, 'ratio:16 by 9');
  assert.equal(colon.ok && colon.args.prompt, 'ratio:16 by 9');
});

test('bad values, missing required options and repeats are explained', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /`prompt` is required/],
    ['barn steps:many', /`steps` must be a whole number, not "many"/],
    ['barn steps:2.5', /`steps` must be a whole number/],
    ['barn strength:lots', /`strength` must be a number/],
    ['barn seamless:maybe', /`seamless` must be true or false/],
    ['barn style:pastel', /`style` must be one of `oil`, `watercolour`/],
    ['barn prompt:house', /`prompt` is given twice/],
    ['barn steps:', /`steps` needs a value/],
    // An option the command lacks, after one that takes no free text, is named rather than read as its value.
    ['barn style:oil size:large', /^\/paint has no option `size:` \(its options: `prompt:`, `steps:`, `strength:`, `seamless:`, `style:`\)$/],
    ['barn steps:20 tiles:4', /^\/paint has no option `tiles:`/],
  ];
  for (const [rest, expected] of cases) {
    const result = parseArguments(paint, rest);
    assert.equal(result.ok, false, rest);
    if (!result.ok) assert.match(result.problem, expected, rest);
  }
});

test('a command without options refuses free text', () => {
  const bare = defineCommand({
    name: 'ping',
    description: 'Answers pong.',
    options: {},
    examples: [{ usage: '/ping', description: 'ping' }],
    async run() {},
  });
  assert.deepEqual(parseArguments(bare, ''), { ok: true, args: {} });
  const result = parseArguments(bare, 'hello');
  assert.equal(result.ok, false);
});

test('the registry refuses commands other platforms would reject', () => {
  const base = { description: 'x', options: {}, examples: [{ usage: '/ok', description: 'x' }], async run() {} };
  assert.throws(() => createCommandRegistry([defineCommand({ ...base, name: 'Bad Name' })]), InvalidCommandError);
  assert.throws(() => createCommandRegistry([defineCommand({ ...base, name: 'ok' }), defineCommand({ ...base, name: 'ok' })]), /defined twice/);
  assert.throws(() => createCommandRegistry([defineCommand({ ...base, name: 'ok', description: 'x'.repeat(101) })]), /over 100/);
  assert.throws(() => createCommandRegistry([defineCommand({ ...base, name: 'ok', examples: [] })]), /usage example/);
  assert.throws(
    () =>
      createCommandRegistry([
        defineCommand({
          ...base,
          name: 'ok',
          options: { a: { type: 'string', description: 'a' }, b: { type: 'string', description: 'b', required: true } },
        }),
      ]),
    /required option "b" comes after an optional one/,
  );
  const registry = createCommandRegistry([defineCommand({ ...base, name: 'ok' })]);
  assert.equal(registry.get('OK')?.name, 'ok');
});
