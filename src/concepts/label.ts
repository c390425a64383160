// Labelling a site's features (sae.dictionary): in each image a feature's activation map, scaled to
// [0, 1] by its maximum there and thresholded at 0.1, is the feature's region; it takes the words of
// every labelled region (an object, the background) it overlaps with IoU > 0.5. Over many images a
// feature collects word counts; its concept intensity is its mean activation per image, and its top
// images are those where that mean is highest.
//
// A feature's concept vector is not the paper's mean of its label words: on the shipped model an
// object covers two or three positions of an 8×8 map, so few features pass the IoU rule for an object
// (a third of the up block's features get any word, mostly backgrounds) and a conceptual map built on
// them reads nearly every position as background. Instead every feature's vector weighs each region
// it fires on by its mean activation inside it (`regionWeights`), whether or not it passes the rule:
// composition IoU at the first step 0.11 → 0.30 on tuning pictures (seed 2, with segment's margin).
import type { FeatureMeaning } from '../models/sae/dictionary.ts';
import type { TopKSae } from '../models/sae/sae.ts';
import type { VectorSource } from './train.ts';

/** The paper's thresholds. */
export const LABEL_DEFAULTS = { activation: 0.1, iou: 0.5, topImages: 6, side: 32 } as const;

/** A region of one image with its words, as a mask at `side`×`side` (1 = inside). */
export interface LabelRegion {
  words: readonly string[];
  mask: Uint8Array;
}

/** Area-averages a 0–255 mask of width×height to side×side and keeps cells at least half covered. */
export function regionMask(mask: Uint8Array, width: number, height: number, side: number = LABEL_DEFAULTS.side): Uint8Array {
  const out = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const y0 = Math.floor((y * height) / side), y1 = Math.floor(((y + 1) * height) / side);
      const x0 = Math.floor((x * width) / side), x1 = Math.floor(((x + 1) * width) / side);
      let sum = 0;
      for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) sum += mask[yy * width + xx] as number;
      out[y * side + x] = sum / ((y1 - y0) * (x1 - x0) * 255) >= 0.5 ? 1 : 0;
    }
  }
  return out;
}

/** Bilinear upsampling of an h×w map to side×side (pixel centres aligned, edges clamped). */
export function upsample(map: ArrayLike<number>, height: number, width: number, side: number, out = new Float32Array(side * side)): Float32Array {
  for (let y = 0; y < side; y++) {
    const fy = Math.min(height - 1, Math.max(0, ((y + 0.5) * height) / side - 0.5));
    const y0 = Math.floor(fy), y1 = Math.min(height - 1, y0 + 1), wy = fy - y0;
    for (let x = 0; x < side; x++) {
      const fx = Math.min(width - 1, Math.max(0, ((x + 0.5) * width) / side - 0.5));
      const x0 = Math.floor(fx), x1 = Math.min(width - 1, x0 + 1), wx = fx - x0;
      const top = (map[y0 * width + x0] as number) * (1 - wx) + (map[y0 * width + x1] as number) * wx;
      const bottom = (map[y1 * width + x0] as number) * (1 - wx) + (map[y1 * width + x1] as number) * wx;
      out[y * side + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number, y = b[i] as number;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 0 : inter / union;
}

/** Every feature's activation map [features × positions] over one image's rows. */
export function activationMaps(sae: TopKSae, rows: Float32Array, positions: number): Float32Array {
  const maps = new Float32Array(sae.features * positions);
  const width = sae.inputs;
  for (let p = 0; p < positions; p++) {
    const code = sae.encode(rows.subarray(p * width, (p + 1) * width));
    for (let i = 0; i < code.indices.length; i++) maps[(code.indices[i] as number) * positions + p] = code.values[i] as number;
  }
  return maps;
}

export interface LabelOptions {
  sae: TopKSae;
  /** The site's rows: image i's positions are rows i·positions … (i+1)·positions − 1. */
  source: VectorSource;
  height: number;
  width: number;
  images: number;
  /** The labelled regions of image i (masks at `side`), or undefined to use it for intensity only. */
  regions: (image: number) => Promise<readonly LabelRegion[] | undefined> | readonly LabelRegion[] | undefined;
  /** What image i shows (its prompt), for the top images. */
  describe: (image: number) => string;
  side?: number;
  activation?: number;
  iou?: number;
  topImages?: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
}

/** A feature's activation mass over regions with these words: the sum, over images, of its mean activation inside each such region. */
export interface RegionWeight {
  words: readonly string[];
  weight: number;
}

export type LabelledFeature = FeatureMeaning & { regionWeights: RegionWeight[] };

/** The meaning of every feature that fired, with its region weights; `vector` left empty (`conceptVector` makes it from them). */
export async function labelFeatures(options: LabelOptions): Promise<LabelledFeature[]> {
  const { sae, source, height, width, images } = options;
  const side = options.side ?? LABEL_DEFAULTS.side;
  const threshold = options.activation ?? LABEL_DEFAULTS.activation;
  const minIou = options.iou ?? LABEL_DEFAULTS.iou;
  const keepTop = options.topImages ?? LABEL_DEFAULTS.topImages;
  const positions = height * width;
  const counts = Array.from({ length: sae.features }, () => new Map<string, number>());
  const weights = Array.from({ length: sae.features }, () => new Map<string, RegionWeight>());
  const intensity = new Float64Array(sae.features);
  const top = Array.from({ length: sae.features }, () => [] as { image: number; mean: number }[]);
  const region = new Uint8Array(side * side);
  const up = new Float32Array(side * side);
  for (let image = 0; image < images; image++) {
    if (options.signal?.aborted) throw new Error(`concepts label: cancelled after ${image} of ${images} images`);
    const maps = activationMaps(sae, source.read(image * positions, positions), positions);
    const regions = await options.regions(image);
    for (let f = 0; f < sae.features; f++) {
      const map = maps.subarray(f * positions, (f + 1) * positions);
      let max = 0, sum = 0;
      for (let p = 0; p < positions; p++) {
        const v = map[p] as number;
        sum += v;
        if (v > max) max = v;
      }
      if (max <= 0) continue;
      const mean = sum / positions;
      intensity[f] = (intensity[f] as number) + mean / images;
      rememberTop(top[f] as { image: number; mean: number }[], { image, mean }, keepTop);
      if (!regions?.length) continue;
      upsample(map, height, width, side, up);
      for (let i = 0; i < up.length; i++) region[i] = (up[i] as number) / max > threshold ? 1 : 0;
      for (const r of regions) {
        if (iou(region, r.mask as Uint8Array) > minIou) {
          const c = counts[f] as Map<string, number>;
          for (const word of r.words) c.set(word, (c.get(word) ?? 0) + 1);
        }
        const inside = meanInside(up, r.mask);
        if (inside > 0) {
          const key = r.words.join(' ');
          const w = (weights[f] as Map<string, RegionWeight>).get(key) ?? { words: r.words, weight: 0 };
          w.weight += inside;
          (weights[f] as Map<string, RegionWeight>).set(key, w);
        }
      }
    }
    if (image % 50 === 49 || image === images - 1) await options.onProgress?.(image + 1, images);
  }
  const meanings: LabelledFeature[] = [];
  for (let f = 0; f < sae.features; f++) {
    if ((intensity[f] as number) <= 0) continue;
    const words = [...(counts[f] as Map<string, number>)].map(([word, count]) => ({ word, count })).sort((a, b) => b.count - a.count || a.word.localeCompare(b.word));
    const regionWeights = [...(weights[f] as Map<string, RegionWeight>).values()];
    const best = top[f] as { image: number }[];
    meanings.push({ feature: f, words, vector: new Float32Array(0), intensity: intensity[f] as number, topImages: best.map((t) => options.describe(t.image)), topImageIndices: best.map((t) => t.image), regionWeights });
  }
  return meanings;
}

function meanInside(map: Float32Array, mask: Uint8Array): number {
  let sum = 0, n = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    sum += map[i] as number;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

function rememberTop(list: { image: number; mean: number }[], entry: { image: number; mean: number }, keep: number): void {
  if (list.length === keep && (list[keep - 1] as { mean: number }).mean >= entry.mean) return;
  list.push(entry);
  list.sort((a, b) => b.mean - a.mean);
  if (list.length > keep) list.pop();
}

/** A feature's concept vector: its regions' vectors (each the mean of its words' vectors, unit norm) weighed by its activation in them, unit norm; empty without regions. */
export function conceptVector(regions: readonly RegionWeight[], vectorOf: (word: string) => Float32Array): Float32Array {
  let sum: Float32Array | undefined;
  for (const { words, weight } of regions) {
    const mean = new Float32Array(vectorOf(words[0] as string).length);
    for (const word of words) {
      const v = vectorOf(word);
      for (let i = 0; i < mean.length; i++) mean[i] = (mean[i] as number) + (v[i] as number);
    }
    const region = unit(mean);
    sum ??= new Float32Array(region.length);
    for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + weight * (region[i] as number);
  }
  return sum ? unit(sum) : new Float32Array(0);
}

export function unit(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return v.map((x) => x / norm);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / (Math.sqrt(na * nb) || 1);
}
