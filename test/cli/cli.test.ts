import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { BENCH_SUITES } from '../../src/cli/bench.ts';
import { runRetouch } from './run.ts';

const SUBCOMMANDS = ['generate', 'edit', 'plan', 'invert', 'eval', 'bench', 'worker', 'start'];

test('retouch --help lists every subcommand', async () => {
  const { code, stdout } = await runRetouch(['--help']);
  assert.equal(code, 0);
  for (const name of SUBCOMMANDS) assert.match(stdout, new RegExp(`^\\s+${name}\\b`, 'm'), name);
});

test('every subcommand prints its own --help', async () => {
  for (const name of SUBCOMMANDS) {
    const { code, stdout } = await runRetouch([name, '--help']);
    assert.equal(code, 0, name);
    assert.match(stdout, new RegExp(`^Usage: retouch ${name}`, 'm'), name);
    assert.match(stdout, /--json/, `${name} offers --json`);
  }
});

test('an unknown subcommand is a usage error (exit 2) with a clear message', async () => {
  const { code, stderr } = await runRetouch(['frobnicate']);
  assert.equal(code, 2);
  assert.match(stderr, /unknown command 'frobnicate'/);
});

test('a bad flag is a usage error (exit 2) naming the flag', async () => {
  const { code, stderr } = await runRetouch(['start', '--no-such-flag']);
  assert.equal(code, 2);
  assert.match(stderr, /unknown option '--no-such-flag'/);
  const missing = await runRetouch(['edit', '--image', 'scene.png']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /give --instruction "what to change", or --method ID/);
});

test('retouch bench lists its suites, refuses an unknown one (exit 2), and runs one with its own options', async () => {
  const listed = await runRetouch(['bench', '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const suites = Object.keys((JSON.parse(listed.stdout) as { suites: Record<string, string> }).suites);
  for (const name of ['engine', 'generate', 'inversion', 'jobs', 'world']) assert.ok(suites.includes(name), name);
  const unknown = await runRetouch(['bench', 'speed']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown benchmark 'speed'; choose one of engine, models, generate/);
  const world = await runRetouch(['bench', 'world', '--scenes', '4']);
  assert.equal(world.code, 0, world.stderr);
  assert.match(world.stdout, /ms per 128×128 image/);
  assert.match(world.stdout, /analysis accuracy over 4 scenes/);
});

test('every benchmark suite is a program in bench/ with its npm script, and every npm bench script a suite', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const npmSuites = Object.keys(scripts).filter((name) => name.startsWith('bench:')).map((name) => name.slice('bench:'.length));
  assert.deepEqual([...npmSuites].sort(), Object.keys(BENCH_SUITES).sort());
  for (const suite of npmSuites) {
    assert.equal(scripts[`bench:${suite}`], `node --import tsx bench/${suite}.ts`);
    assert.ok(existsSync(`bench/${suite}.ts`), suite);
  }
});

test('an invalid configuration stops start-up, naming the variable (exit 2)', async () => {
  const { code, stderr } = await runRetouch(['start'], { DATABASE_URL: 'mysql://localhost/db', RETOUCH_PORT: 'eighty' });
  assert.equal(code, 2);
  assert.match(stderr, /DATABASE_URL: must be a postgres/);
  assert.match(stderr, /RETOUCH_PORT/);
});

test('start fails fast with a clear message when DATABASE_URL refuses connections', async () => {
  const { code, stderr, ms } = await runRetouch(['start'], { DATABASE_URL: 'postgresql://bot:secret@127.0.0.1:1/retouch' });
  assert.notEqual(code, 0);
  assert.ok(ms < 10_000, `took ${ms} ms`);
  assert.match(stderr, /Cannot reach the database at postgresql:\/\/bot:\*\*\*@127\.0\.0\.1:1\/retouch \(DATABASE_URL\)/);
  assert.doesNotMatch(stderr, /secret/);
});

test('start fails within 10 s when DATABASE_URL points at a server that never answers', async () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  try {
    const { code, stderr, ms } = await runRetouch(['start'], { DATABASE_URL: `postgresql://bot@127.0.0.1:${port}/retouch` });
    assert.notEqual(code, 0);
    assert.ok(ms < 10_000, `took ${ms} ms`);
    assert.match(stderr, /Cannot reach the database at postgresql:\/\/bot@127\.0\.0\.1:\d+\/retouch/);
  } finally {
    sockets.forEach((s) => s.destroy());
    silent.close();
  }
});

test('plan --json prints the edit plan an instruction becomes', async () => {
  const { code, stdout } = await runRetouch(['plan', '--json', '--caption', 'a large red star in the top left on grass', 'make', 'the', 'star', 'blue']);
  assert.equal(code, 0);
  const result = JSON.parse(stdout) as { kind: string; plan: { version: number; steps: Array<{ method: string; params: { target?: string } }> } };
  assert.equal(result.kind, 'plan');
  assert.equal(result.plan.version, 1);
  assert.equal(result.plan.steps[0]?.method, 'p2p.replace');
  assert.equal(result.plan.steps[0]?.params.target, 'blue');
});

test('plan asks rather than guesses when the instruction names something the caption lacks', async () => {
  const { code, stdout } = await runRetouch(['plan', '--json', '--caption', 'a cat sitting on a sofa', 'make the dog a wolf']);
  assert.equal(code, 0);
  assert.equal((JSON.parse(stdout) as { kind: string }).kind, 'clarify');
});
