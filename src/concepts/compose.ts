// Composition (sae.compose): long before a picture is finished, where will each thing be? At an early
// step, each position's active labelled features give a conceptual vector (their concept vectors,
// weighted by activation); each position goes to the entity of the prompt — an object, or the
// background — whose vector it is most like. The paper thresholds each entity's cosine map; taking
// the most similar entity needs no threshold and gives every position one owner.
import type { DictionarySite } from '../models/sae/dictionary.ts';
import { activationMaps, cosine } from './label.ts';

/** Each position's conceptual vector (activation-weighted sum of its labelled features' vectors), or undefined where none is active. */
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

/** The owner of each position: the index of the most similar entity vector, or −1 where the map is empty. */
export function segment(map: readonly (Float32Array | undefined)[], entities: readonly Float32Array[]): Int32Array {
  return Int32Array.from(map, (v) => {
    if (!v) return -1;
    let best = -1, bestCos = -Infinity;
    for (const [e, ev] of entities.entries()) {
      const c = cosine(v, ev);
      if (c > bestCos) [best, bestCos] = [e, c];
    }
    return best;
  });
}
