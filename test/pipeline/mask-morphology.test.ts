// Binary masks grown and shrunk by a square: what the put-back of an upload's edit and the change area rely on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { growMask, shrinkMask } from '../../src/pipeline/mask-morphology.ts';

const W = 12;
const H = 10;
function maskOf(points: [number, number][]): Uint8Array {
  const mask = new Uint8Array(W * H);
  for (const [x, y] of points) mask[y * W + x] = 255;
  return mask;
}
const set = (mask: Uint8Array) => [...mask.keys()].filter((p) => mask[p]).map((p) => [p % W, Math.floor(p / W)]);
const block = (x0: number, y0: number, x1: number, y1: number) => {
  const points: [number, number][] = [];
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) points.push([x, y]);
  return points;
};

test('growing sets every pixel within the radius (a square), clipped at the edges', () => {
  assert.deepEqual(set(growMask(maskOf([[5, 4]]), W, H, 1)), block(4, 3, 6, 5));
  assert.deepEqual(set(growMask(maskOf([[0, 0]]), W, H, 2)), block(0, 0, 2, 2));
  assert.equal(set(growMask(maskOf([]), W, H, 3)).length, 0);
});

test('shrinking keeps only pixels whose whole square is set: a speck goes, a block loses its rim', () => {
  const mask = maskOf([[1, 1], ...block(4, 2, 8, 6)]);
  assert.deepEqual(set(shrinkMask(mask, W, H, 1)), block(5, 3, 7, 5));
  // Opening (shrink, then grow) gives the block back without the speck.
  assert.deepEqual(set(growMask(shrinkMask(mask, W, H, 1), W, H, 1)), block(4, 2, 8, 6));
});
