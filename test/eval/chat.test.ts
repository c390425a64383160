import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRetouch } from '../cli/run.ts';

describe('retouch eval chat', () => {
  it('plans each benchmark instruction from its caption, runs the plan and scores it, per edit type', async () => {
    const { code, stdout, stderr } = await runRetouch(['eval', 'chat', '--n', '2', '--steps', '25', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { suite: string; steps: number; rows: { type: string; cases: number; asked: number; methods: Record<string, number>; success: number; kept: number; secondsPerEdit: number }[] };
    assert.equal(result.suite, 'chat');
    assert.equal(result.steps, 25);
    const row = (type: string) => result.rows.find((r) => r.type === type)!;
    assert.deepEqual(result.rows.map((r) => r.type), ['shape', 'colour', 'move', 'resize', 'restyle', 'background', 'remove', 'add']);
    for (const r of result.rows) {
      assert.equal(r.cases, 2, r.type);
      assert.equal(r.asked, 0, `${r.type}: the benchmark's instructions are all plannable`);
      assert.ok(r.secondsPerEdit > 0, r.type);
    }
    // The methods the planner picks for the world's images.
    assert.deepEqual(Object.keys(row('move').methods), ['masactrl']);
    assert.deepEqual(Object.keys(row('remove').methods), ['diffedit']);
    assert.deepEqual(Object.keys(row('add').methods), ['blended']);
    // At n 10 and 50 steps these read back changed in 90–100% of cases; two cases at 25 steps may miss one.
    for (const type of ['colour', 'move', 'remove', 'add']) assert.ok(row(type).success >= 0.5, `${type}: ${JSON.stringify(row(type))}`);
  });
});
