// Composition (sae.compose): long before a picture is finished, where will each thing be? At an early
// step, each position's active labelled features give a conceptual vector (their concept vectors,
// weighted by activation); each position goes to the entity of the prompt — an object, or the
// background — whose standardised cosine map is highest there. The paper thresholds each entity's
// cosine map; standardising the maps and giving the background a margin is one threshold for every
// entity, and gives every position one owner.
import type { DictionarySite } from '../models/sae/dictionary.ts';
import { activationMaps, cosine, upsample } from './label.ts';

/** Each position's conceptual vector (activation-weighted sum of its features' concept vectors), or undefined where none with a vector is active. */
export function conceptualMap(site: DictionarySite, rows: Float32Array): (Float32Array | undefined)[] {
  const positions = site.height * site.width;
  const maps = activationMaps(site.sae, rows, positions);
  const labelled = site.features.filter((f) => f.vector.length > 0);
  return Array.from({ length: positions }, (_, p) => {
    let sum: Float32Array | undefined;
    for (const f of labelled) {
      const a = maps[f.feature * positions + p] as number;
      if (a <= 0) continue;
      sum ??= new Float32Array(f.vector.length);
      for (let c = 0; c < sum.length; c++) sum[c] = (sum[c] as number) + a * (f.vector[c] as number);
    }
    return sum;
  });
}

/**
 * How far, in standard deviations of its own map, a position must lean to an object before it is the
 * object's: objects cover a few positions and the background the rest, so most of every object's map
 * is background. Chosen on tuning pictures (seed 2, up block at the first step): composition IoU 0.26
 * at margin 2, 0.30 at 3, 0.21 at 4; 0.11 with no standardising.
 */
export const BACKGROUND_MARGIN = 3;

/**
 * Each entity's map: its cosine to each position's conceptual vector, standardised over the positions,
 * the background's raised by `margin`. An empty position (no feature with a vector active) is the
 * background's: its objects' scores are their maps' lowest and the background's its highest.
 */
export function entityScores(map: readonly (Float32Array | undefined)[], entities: readonly Float32Array[], background: number, margin: number = BACKGROUND_MARGIN): Float32Array[] {
  return entities.map((entity, e) => {
    const raw = map.map((v) => (v ? cosine(v, entity) : undefined));
    const known = raw.filter((c): c is number => c !== undefined);
    const mean = known.reduce((a, b) => a + b, 0) / (known.length || 1);
    const sd = Math.sqrt(known.reduce((a, b) => a + (b - mean) ** 2, 0) / (known.length || 1)) || 1;
    const z = raw.map((c) => (c === undefined ? undefined : (c - mean) / sd));
    const finite = z.filter((c): c is number => c !== undefined);
    const empty = e === background ? Math.max(0, ...finite) : Math.min(0, ...finite);
    return Float32Array.from(z, (c) => (c ?? empty) + (e === background ? margin : 0));
  });
}

/**
 * The owner of each position (side undefined) or of each cell of a side×side upsampling of a square
 * map: the entity whose score is highest there, upsampled bilinearly so owners follow the scores
 * between positions.
 */
export function owners(scores: readonly Float32Array[], height: number, width: number, side?: number): Int32Array {
  const maps = side === undefined ? scores : scores.map((s) => upsample(s, height, width, side));
  const cells = side === undefined ? height * width : side * side;
  return Int32Array.from({ length: cells }, (_, i) => {
    let best = 0;
    for (let e = 1; e < maps.length; e++) if ((maps[e] as Float32Array)[i] as number > ((maps[best] as Float32Array)[i] as number)) best = e;
    return best;
  });
}
