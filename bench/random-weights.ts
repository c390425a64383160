import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostTensor } from '../src/engine/index.ts';
import { Weights } from '../src/models/weights.ts';

const SD15 = join(import.meta.dirname, 'sd15');

export type Sd15Component = 'unet' | 'text_encoder' | 'vae';

export function sd15Config(component: Sd15Component): unknown {
  return JSON.parse(readFileSync(join(SD15, `${component}.json`), 'utf8'));
}

/**
 * Random weights with the exact names and shapes of SD 1.5 (bench/sd15/shapes.json, written by
 * scripts/reference/sd15_shapes.py): uniform with the variance of 1/fan_in, norms near 1. Fast
 * (xorshift), not for training — for timing and memory only.
 */
export function sd15Weights(component: Sd15Component, seed = 1): Weights {
  const shapes = (JSON.parse(readFileSync(join(SD15, 'shapes.json'), 'utf8')) as Record<string, Record<string, number[]>>)[component] ?? {};
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
  const tensors = new Map<string, HostTensor>();
  for (const [name, shape] of Object.entries(shapes)) {
    if (name.endsWith('position_ids')) {
      tensors.set(name, { dtype: 'int64', shape, data: BigInt64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => BigInt(i)) });
      continue;
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const isNorm = /norm/.test(name) && shape.length === 1;
    const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const spread = isNorm ? 0.2 : name.endsWith('bias') ? 0.04 : Math.sqrt(12 / fanIn);
    const centre = isNorm && name.endsWith('weight') ? 1 : 0;
    for (let i = 0; i < size; i++) data[i] = centre + spread * next();
    tensors.set(name, { dtype: 'float32', shape, data });
  }
  return new Weights(tensors, `random SD-1.5 ${component}`);
}
