// Deterministic randomness: seeded streams for whatever must come out the same for the same seed
// (the procedural world, evaluation samples, MultiDiffusion's tile offsets). Nothing here uses
// Math.random.

/** A seeded stream of uniform numbers (a 32-bit counter passed through an integer mixer). */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
  /** A new array with the items in a random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** An independent stream, for sub-tasks whose draws must not shift the parent's. */
  fork(): Random;
}

/** Mixes a 32-bit integer into a well-spread 32-bit unsigned integer. */
export function mix32(value: number): number {
  let x = value >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

export function createRandom(seed: number): Random {
  let counter = mix32(seed ^ 0x9e3779b9);
  const nextUint = (): number => {
    counter = (counter + 0x6d2b79f5) >>> 0;
    return mix32(counter ^ (counter >>> 13));
  };
  const random: Random = {
    next: () => nextUint() / 4294967296,
    int: (n) => Math.floor(random.next() * n),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[random.int(items.length)] as (typeof items)[number];
    },
    shuffle: (items) => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        const tmp = out[i] as (typeof out)[number];
        out[i] = out[j] as (typeof out)[number];
        out[j] = tmp;
      }
      return out;
    },
    fork: () => createRandom(nextUint()),
  };
  return random;
}

/** A random 32-bit seed drawn from a stream. */
export function drawSeed(random: Random): number {
  return Math.floor(random.next() * 4294967296) >>> 0;
}
