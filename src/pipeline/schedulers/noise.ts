import { Random } from '../../engine/random.ts';

/** A latent as the schedulers see it: a flat array (e.g. 1×4×64×64), float32 or float64. */
export type Latent = Float32Array | Float64Array;

/**
 * Seeded standard-normal noise (the engine's mulberry32 + Box-Muller generator), so the same
 * seed gives the same bytes on every machine. Draws are sequential: two sources with the same
 * seed asked for the same lengths in the same order produce identical arrays.
 */
export class NoiseSource {
  private readonly random: Random;

  constructor(readonly seed: number) {
    this.random = new Random(seed);
  }

  /** `length` standard normals (float32). */
  normal(length: number): Float32Array {
    return this.random.normalArray(length);
  }

  /** `length` standard normals kept in float64 (same draws as `normal`, not rounded to float32). */
  normal64(length: number): Float64Array {
    const out = new Float64Array(length);
    for (let i = 0; i < length; i++) out[i] = this.random.normal();
    return out;
  }
}

/** A new zeroed array of the same kind and length as `like`. */
export function emptyLike<T extends Latent>(like: T, length = like.length): T {
  return (like instanceof Float32Array ? new Float32Array(length) : new Float64Array(length)) as T;
}

export function checkSameLength(what: string, a: Latent, b: Latent): void {
  if (a.length !== b.length) throw new Error(`${what}: length ${a.length} does not match ${b.length}`);
}
