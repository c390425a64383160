// Putting single items together into a UNet batch: embeddings stacked along the batch axis,
// latents concatenated or repeated.
import { toFloat32, type HostTensor } from '../engine/index.ts';

/** Tensors [n_i, …] with the same trailing shape → one float32 tensor [Σ n_i, …]. */
export function concatBatch(parts: readonly HostTensor[]): HostTensor {
  const first = parts[0];
  if (!first) throw new RangeError('concatBatch: nothing to concatenate');
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let offset = 0;
  for (const part of parts) {
    if (part.shape.slice(1).join() !== first.shape.slice(1).join()) throw new RangeError(`concatBatch: shapes [${part.shape}] and [${first.shape}] differ`);
    data.set(toFloat32(part.dtype, part.data), offset);
    offset += part.data.length;
  }
  return { dtype: 'float32', shape: [parts.reduce((n, p) => n + (p.shape[0] as number), 0), ...first.shape.slice(1)], data };
}

/** Latents one after another. */
export function concatLatents(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The same latent `times` times over (a batch of identical inputs). */
export function repeatLatent(values: Float32Array, times: number): Float32Array {
  const out = new Float32Array(values.length * times);
  for (let i = 0; i < times; i++) out.set(values, i * values.length);
  return out;
}
