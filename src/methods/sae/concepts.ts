// What the SAE steering methods share: a dictionary site's features for a word, their direction,
// and where a grid cell lies on a block's map.
import { findSite, siteName, type ConceptDictionary, type DictionarySite } from '../../models/sae/dictionary.ts';
import { cellBox, type GridCell } from '../shared/grid.ts';
import { EditRequestError } from '../types.ts';

/**
 * The dictionary's conditional SAE at `time` of the asked block, by default its up block (the one
 * whose features follow objects: `retouch eval concepts`), or an error naming what is there.
 */
export function steeringSite(dictionary: ConceptDictionary | undefined, block: string | undefined, time: number, method: string): DictionarySite {
  if (!dictionary) throw new EditRequestError(`${method} needs the model's concept dictionary; build it with 'retouch concepts build'`);
  const chosen = block ?? dictionary.sites.find((s) => s.block.startsWith('up_blocks'))?.block ?? dictionary.sites[0]?.block ?? '';
  const key = { block: chosen, time, branch: 'cond' as const };
  const site = findSite(dictionary, key);
  if (!site) throw new EditRequestError(`${method}: the concept dictionary '${dictionary.name}' has no SAE at ${siteName(key)}; it has ${dictionary.sites.map(siteName).join(', ')}`);
  return site;
}

/** The steered steps [fromStep, untilStep) of a run, from fractions of the schedule; at least one. */
export function stepWindow(from: number, until: number, steps: number): { fromStep: number; untilStep: number } {
  const fromStep = Math.round(from * steps);
  return { fromStep, untilStep: Math.max(fromStep + 1, Math.round(until * steps)) };
}

/**
 * The features labelled with `word`, most specific first: ranked by the share of the feature's
 * labels that are this word, then by how often; at most `count`.
 */
export function featuresFor(site: DictionarySite, word: string, count: number): number[] {
  const w = word.toLowerCase();
  return site.features
    .map((f) => {
      const total = f.words.reduce((sum, x) => sum + x.count, 0);
      const hits = f.words.find((x) => x.word === w)?.count ?? 0;
      return { feature: f.feature, share: total ? hits / total : 0, hits };
    })
    .filter((f) => f.hits >= 2)
    .sort((a, b) => b.share - a.share || b.hits - a.hits)
    .slice(0, count)
    .map((f) => f.feature);
}

/** Σ W_dec[f] over the features, unit norm. */
export function direction(site: DictionarySite, features: readonly number[]): Float32Array {
  const out = new Float32Array(site.sae.inputs);
  for (const f of features) {
    const d = site.sae.direction(f);
    for (let c = 0; c < out.length; c++) out[c] = (out[c] as number) + (d[c] as number);
  }
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return out.map((v) => v / norm);
}

/** 1 at the positions of a height×width map whose centre lies in the grid cell. */
export function cellPositions(cell: GridCell, height: number, width: number): Uint8Array {
  const box = cellBox(cell);
  const out = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const cx = (x + 0.5) / width, cy = (y + 0.5) / height;
      if (cx >= box.x0 && cx < box.x1 && cy >= box.y0 && cy < box.y1) out[y * width + x] = 1;
    }
  }
  return out;
}
