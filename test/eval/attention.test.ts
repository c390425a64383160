import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapStatistics } from '../../src/eval/attention.ts';
import { runRetouch } from '../cli/run.ts';

// A 4×4 map with the object on the top-left 2×2 cells.
const site = { width: 4, height: 4, tokens: 16 };
const inside = Array.from({ length: 16 }, (_, t) => t % 4 < 2 && t < 8);

function mapOf(row: (q: number) => number[]): Float32Array {
  const probs = new Float32Array(16 * 16);
  for (let q = 0; q < 16; q++) {
    const weights = row(q);
    const sum = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, k) => (probs[q * 16 + k] = w / sum));
  }
  return probs;
}

describe('self-attention map statistics', () => {
  it('reads a uniform map as carrying nothing: entropy share 1, locality and object routing at chance', () => {
    const stats = mapStatistics(mapOf(() => Array(16).fill(1)), site, inside);
    assert.ok(Math.abs(stats.entropy - 1) < 1e-6, `entropy ${stats.entropy}`);
    assert.ok(Math.abs(stats.locality - 1) < 1e-6, `locality ${stats.locality}`);
    assert.ok(Math.abs(stats.objectRouting! - 1) < 1e-6, `routing ${stats.objectRouting}`);
  });

  it('reads a map where each query attends to itself as sharp, local and routed within the object', () => {
    const stats = mapStatistics(mapOf((q) => Array.from({ length: 16 }, (_, k) => (k === q ? 1 : 0))), site, inside);
    assert.equal(stats.entropy, 0);
    // All mass in the neighbourhood: a corner query's 4 neighbours are 1/4 of the keys, an inner one's 9 are 9/16.
    assert.ok(stats.locality > 1.7 && stats.locality < 4, `locality ${stats.locality}`);
    // Object queries put all their mass on object keys, which are 4 of 16.
    assert.ok(Math.abs(stats.objectRouting! - 4) < 1e-6, `routing ${stats.objectRouting}`);
  });

  it('has no object routing where the object fills no cell or every cell', () => {
    const uniform = mapOf(() => Array(16).fill(1));
    assert.equal(mapStatistics(uniform, site, Array(16).fill(false)).objectRouting, null);
    assert.equal(mapStatistics(uniform, site, Array(16).fill(true)).objectRouting, null);
  });
});

describe('retouch eval attention', () => {
  it('prints every self-attention layer of the shipped model with its statistics', async () => {
    const { code, stdout, stderr } = await runRetouch(['eval', 'attention', '--n', '3', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout) as { suite: string; scenes: number; layers: { path: string; width: number; entropy: number; locality: number; objectRouting: number | null }[] };
    assert.equal(result.suite, 'attention');
    assert.equal(result.scenes, 3);
    assert.equal(result.layers.length, 10);
    for (const layer of result.layers) {
      assert.ok(layer.entropy > 0 && layer.entropy <= 1 + 1e-6, `${layer.path} entropy ${layer.entropy}`);
      assert.ok(layer.locality > 0, `${layer.path} locality ${layer.locality}`);
    }
    // Every object covers some 16×16 cell (8 pixels) by more than half.
    assert.ok(result.layers.filter((l) => l.width === 16).every((l) => l.objectRouting !== null));
  });
});
