// A concept dictionary: for one model, a TopK SAE per UNet site (a transformer block at a point of
// the schedule, conditional or unconditional branch) and what each of its features means — the words
// of the objects its activation overlaps, a concept vector, and how strongly it shows per image.
import type { TopKSae } from './sae.ts';

/** Where the vectors came from: a transformer block's residual delta at a point of the schedule. */
export interface SiteKey {
  /** diffusers module path of a Transformer2DModel, e.g. `mid_block.attentions.0`. */
  block: string;
  /** Fraction of the schedule: 1 = the first (noisiest) step, 0.5 the middle, 0 the last. */
  time: number;
  branch: 'cond' | 'uncond';
}

export interface SaeQualityFigures {
  /** On held-out images' vectors. */
  explainedVariance: number;
  scaledMse: number;
  /** Share of features that fired on none of the vectors. */
  deadFraction: number;
  /** Mean norm of the site's vectors (steering's β is relative to a position's norm; this is the first step's). */
  meanNorm: number;
}

export interface FeatureMeaning {
  feature: number;
  /** Label words with how many images gave each (an object mask the activation overlapped, IoU > 0.5). */
  words: { word: string; count: number }[];
  /** Mean text-encoder vector of the words (unit norm), or empty when the feature has no label. */
  vector: Float32Array;
  /** Mean activation per image (the paper's concept intensity γ). */
  intensity: number;
  /** The prompts of the images it is most active in, strongest first. */
  topImages: string[];
  /** The build's indices of those images, in the same order: which of the dictionary's thumbnails show them. */
  topImageIndices?: number[];
}

export interface DictionarySite extends SiteKey {
  sae: TopKSae;
  quality: SaeQualityFigures;
  /** Only features with a label or a measurable intensity; indexed by `feature`. */
  features: FeatureMeaning[];
  /** Spatial size of the block's map (positions = height × width). */
  height: number;
  width: number;
}

export interface ConceptDictionary {
  /** The model's content id (hash of its weights). */
  modelHash: string;
  name: string;
  sites: DictionarySite[];
  /** How it was built: prompts, steps, seed, SAE options (shown by `retouch concepts show`). */
  build: Record<string, unknown>;
  /** Small pictures of the build's images that are some feature's top image. */
  thumbnails?: ConceptThumbnail[];
}

/** One build picture, small: `image` is its index in the build, what `topImageIndices` name. */
export interface ConceptThumbnail {
  image: number;
  /** WebP bytes. */
  data: Uint8Array;
}

export function siteName(site: SiteKey): string {
  return `${site.block}@t=${site.time}/${site.branch}`;
}

/** The site's name as a file name's stem (e.g. `mid_block.attentions.0_t=0.5_cond`). */
export function siteFileStem(site: SiteKey): string {
  return siteName(site).replace(/[^a-z0-9_.=-]+/gi, '_');
}

export function findSite(dictionary: ConceptDictionary, key: SiteKey): DictionarySite | undefined {
  return dictionary.sites.find((s) => s.block === key.block && s.time === key.time && s.branch === key.branch);
}
