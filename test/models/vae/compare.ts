import type { HostTensor } from '../../../src/engine/index.ts';
import { toFloat32 } from '../../../src/engine/index.ts';

/**
 * Relative error of `actual` against `expected` as used by the model tests:
 * max_i |actual_i - expected_i| / max_i |expected_i| (the worst absolute error over the
 * tensor's largest magnitude; element-wise ratios explode where the reference crosses zero).
 */
export function maxRelativeError(actual: HostTensor, expected: HostTensor): number {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`shapes differ: [${actual.shape.join(', ')}] vs [${expected.shape.join(', ')}]`);
  const a = toFloat32(actual.dtype, actual.data);
  const b = toFloat32(expected.dtype, expected.data);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return worst / Math.max(scale, 1e-30);
}
