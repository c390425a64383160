import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, toFloat32, type HostTensor } from '../../src/engine/index.ts';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export interface Fixture {
  dir: string;
  config: unknown;
  io: Map<string, HostTensor>;
  get(name: string): HostTensor;
}

/** A fixture made by scripts/reference (see test/models/fixtures/README.md). */
export function loadFixture(name: string): Fixture {
  const dir = join(FIXTURES, name);
  const io = readSafetensors(join(dir, 'io.safetensors')).tensors;
  return {
    dir,
    config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
    io,
    get(key: string): HostTensor {
      const value = io.get(key);
      if (!value) throw new Error(`fixture ${name} has no '${key}'`);
      return value;
    },
  };
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: HostTensor, expected: HostTensor): number {
  if (actual.shape.join() !== expected.shape.join()) throw new Error(`shapes differ: [${actual.shape}] vs [${expected.shape}]`);
  const a = toFloat32(actual.dtype, actual.data);
  const b = toFloat32(expected.dtype, expected.data);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return worst / (scale || 1);
}

/** [batch * heads, ...] per-head maps (diffusers' layout) averaged over heads: [batch, ...]. */
export function averageHeads(maps: HostTensor, heads: number): HostTensor {
  const [bh, ...rest] = maps.shape as [number, ...number[]];
  const size = rest.reduce((a, b) => a * b, 1);
  const data = toFloat32(maps.dtype, maps.data);
  const out = new Float32Array((bh / heads) * size);
  for (let b = 0; b < bh / heads; b++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < size; i++) out[b * size + i] = (out[b * size + i] as number) + (data[(b * heads + h) * size + i] as number) / heads;
    }
  }
  return { dtype: 'float32', shape: [bh / heads, ...rest], data: out };
}
