import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from '../../src/engine/index.ts';

test('RETOUCH_EP selects the provider: CPU by default, webgpu or auto on request, anything else rejected', () => {
  assert.equal(E.requestedProvider({}), 'cpu');
  assert.equal(E.requestedProvider({ RETOUCH_EP: 'WebGPU' }), 'webgpu');
  assert.equal(E.requestedProvider({ RETOUCH_EP: 'auto' }), 'auto');
  assert.throws(() => E.requestedProvider({ RETOUCH_EP: 'cuda' }), /RETOUCH_EP must be cpu, webgpu or auto, got 'cuda'/);
});

test('asking for WebGPU either gets an adapter or falls back to the CPU with a clear message, and the graph runs', async () => {
  const lines: string[] = [];
  const choice = await E.chooseProvider('webgpu', (line) => lines.push(line));
  if (choice.provider === 'cpu') {
    assert.match(choice.reason, /^WebGPU execution provider unavailable \(.+\); falling back to the CPU execution provider$/);
    assert.equal(lines.length, 1);
    assert.match(lines[0] as string, /\[engine\] WebGPU execution provider unavailable/);
  } else {
    assert.equal(choice.reason, 'WebGPU adapter found');
  }
  const x = E.input('x', [3]);
  const program = await E.Program.compile({ y: E.mul(E.exp(x), 2) }, { provider: 'webgpu' });
  assert.equal(program.provider, choice.provider);
  const out = await program.run({ x: { dtype: 'float32', shape: [3], data: Float32Array.of(0, 1, 2) } });
  const y = out.y?.data as Float32Array;
  [2, 2 * Math.E, 2 * Math.exp(2)].forEach((v, i) => assert.ok(Math.abs((y[i] as number) - v) < 1e-4));
  await program.release();
  // The probe runs once per process.
  await E.chooseProvider('webgpu', (line) => lines.push(line));
  assert.ok(lines.length <= 1);
});
