// Building a concept dictionary, stage by stage in a work folder, each resumable: collect (the
// images and their vectors), train (a TopK SAE per site, checkpointed), label (each feature's words,
// concept vector, intensity and top images, with a thumbnail of each top image). The last images are held out of training and measure
// each SAE. What the dictionary is stored as, and where, is the caller's (src/store).
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors, type HostTensor } from '../engine/index.ts';
import { siteName, type ConceptDictionary, type ConceptThumbnail, type DictionarySite, type SaeQualityFigures, type SiteKey } from '../models/sae/dictionary.ts';
import { TopKSae } from '../models/sae/sae.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { collect, collectedImage, siteSource, type CollectionManifest } from './collect.ts';
import { conceptVector, labelFeatures, type LabelRegion } from './label.ts';
import { thumbnail } from './pictures.ts';
import { measureSae, trainSae, type SaeTrainOptions, type SaeTrainState } from './train.ts';
import { WordVectors } from './word-vectors.ts';

export interface SaeSettings extends Omit<SaeTrainOptions, 'features' | 'seed'> {
  /** Features per input channel (the paper: 4). */
  expansion: number;
}

/**
 * The paper's expansion, k, k_aux and AuxK weight. Its Adam 1e-4, batch 4096 and one epoch suit
 * millions of vectors; a dictionary here has tens of thousands per site, so it takes 20 epochs of
 * batch 1024 at 3e-3 (the up block on tuning seed 1: explained variance 0.43 at 1e-3 for 10 epochs,
 * 0.89 at 3e-3 for 20, with 1.6% of features dead on held-out images against 4.3% without AuxK).
 */
export const SAE_DEFAULTS = { expansion: 4, k: 10, kAux: 256, auxWeight: 1 / 32, lr: 3e-3, batch: 1024, epochs: 20 } satisfies SaeSettings;

export interface BuildOptions {
  name: string;
  prompts: readonly string[];
  steps?: number;
  guidance?: number;
  seed: number;
  sae?: Partial<SaeSettings>;
  /** Which sites get an SAE (default: all collected). */
  sites?: (site: SiteKey) => boolean;
  /** Share of the images held out of training to measure the SAEs. */
  heldOut?: number;
  /** The labelled regions of a collected image (masks at the labeller's side), or undefined if it has none. */
  regions: (image: { index: number; prompt: string; pixels: Uint8Array; width: number; height: number }) => Promise<readonly LabelRegion[] | undefined>;
  /** Stop after this stage (the stages before it are resumed or run); default: all three. */
  stopAfter?: BuildStage;
  onProgress?: (stage: BuildStage, fraction: number, detail: string) => void | Promise<void>;
  signal?: AbortSignal;
}

export const BUILD_STAGES = ['collect', 'train', 'label'] as const;
export type BuildStage = (typeof BUILD_STAGES)[number];

/** The dictionary, or undefined when `stopAfter` ended the build before labelling. */
export async function buildDictionary(diffusion: Diffusion, work: string, options: BuildOptions & { stopAfter?: 'label' }): Promise<ConceptDictionary>;
export async function buildDictionary(diffusion: Diffusion, work: string, options: BuildOptions): Promise<ConceptDictionary | undefined>;
export async function buildDictionary(diffusion: Diffusion, work: string, options: BuildOptions): Promise<ConceptDictionary | undefined> {
  const settings = { ...SAE_DEFAULTS, ...options.sae };
  const progress = options.onProgress ?? (() => undefined);
  const collectionDir = join(work, 'collection');
  const manifest = await collect(diffusion, collectionDir, {
    prompts: options.prompts,
    steps: options.steps,
    guidance: options.guidance,
    seed: options.seed,
    signal: options.signal,
    onProgress: (done, total) => progress('collect', done / total, `${done} of ${total} images`),
  });
  if (options.stopAfter === 'collect') return undefined;
  const sites = manifest.sites.filter((s) => options.sites?.(s) ?? true);
  const heldOut = Math.max(1, Math.round(manifest.images * (options.heldOut ?? 0.1)));
  const trainImages = manifest.images - heldOut;
  if (trainImages < 1) throw new RangeError(`concepts: ${manifest.images} images leave none to train on after holding out ${heldOut}`);

  const trained: { site: (typeof sites)[number]; sae: TopKSae; quality: SaeQualityFigures }[] = [];
  for (const [i, site] of sites.entries()) {
    const { sae, quality } = await trainSite(collectionDir, manifest, site, trainImages, settings, options, work, (fraction) => progress('train', (i + fraction) / sites.length, `${siteName(site)}: ${Math.round(fraction * 100)}%`));
    trained.push({ site, sae, quality });
  }

  if (options.stopAfter === 'train') return undefined;
  const regions = new Map<number, readonly LabelRegion[] | undefined>();
  const regionsOf = async (index: number) => {
    if (!regions.has(index)) regions.set(index, await options.regions({ index, prompt: manifest.prompts[index] as string, ...collectedImage(collectionDir, manifest, index) }));
    return regions.get(index);
  };
  const words = new WordVectors(diffusion);
  const result: DictionarySite[] = [];
  for (const [i, { site, sae, quality }] of trained.entries()) {
    const features = await labelFeatures({
      sae,
      source: siteSource(collectionDir, manifest, site),
      height: site.height,
      width: site.width,
      images: manifest.images,
      regions: regionsOf,
      describe: (image) => manifest.prompts[image] as string,
      signal: options.signal,
      onProgress: (done, total) => progress('label', (i + done / total) / trained.length, `${siteName(site)}: ${done} of ${total} images`),
    });
    await words.load(features.flatMap((f) => f.regionWeights.flatMap((r) => r.words)));
    const meanings = features.map(({ regionWeights, ...meaning }) => ({ ...meaning, vector: conceptVector(regionWeights, (w) => words.get(w)) }));
    result.push({ block: site.block, time: site.time, branch: site.branch, height: site.height, width: site.width, sae, quality, features: meanings });
  }
  const thumbnails: ConceptThumbnail[] = [];
  for (const image of [...new Set(result.flatMap((s) => s.features.flatMap((f) => f.topImageIndices ?? [])))].sort((a, b) => a - b)) {
    const { pixels, width, height } = collectedImage(collectionDir, manifest, image);
    thumbnails.push({ image, data: await thumbnail({ rgb: pixels, width, height }) });
  }
  return {
    modelHash: diffusion.model.hash ?? '',
    name: options.name,
    sites: result,
    thumbnails,
    build: { prompts: manifest.images, heldOut, steps: manifest.steps, guidance: manifest.guidance, seed: manifest.seed, sae: settings },
  };
}

async function trainSite(dir: string, manifest: CollectionManifest, site: CollectionManifest['sites'][number], trainImages: number, settings: SaeSettings, options: BuildOptions, work: string, onFraction: (fraction: number) => void | Promise<void>): Promise<{ sae: TopKSae; quality: SaeQualityFigures }> {
  const saeDir = join(work, 'sae');
  mkdirSync(saeDir, { recursive: true });
  const base = join(saeDir, site.file.replace(/\.f32$/, ''));
  const done = `${base}.sae.safetensors`;
  const checkpoint = `${base}.checkpoint.safetensors`;
  if (existsSync(done)) {
    const file = readSafetensors(done);
    return { sae: TopKSae.fromTensors(file.tensors, Number(file.metadata.k)), quality: JSON.parse(file.metadata.quality as string) as SaeQualityFigures };
  }
  const source = siteSource(dir, manifest, site, trainImages);
  const { expansion, ...train } = settings;
  const features = Math.round(expansion * site.channels);
  const resume = existsSync(checkpoint) ? readState(checkpoint) : undefined;
  const { sae } = await trainSae(source, { ...train, features, seed: options.seed }, {
    resume,
    checkpointEvery: 50,
    onCheckpoint: (state) => writeAtomically(checkpoint, (tmp) => writeState(tmp, state)),
    onProgress: (p) => onFraction(p.step / p.steps),
    signal: options.signal,
  });
  const positions = site.height * site.width;
  const heldOut = siteSource(dir, manifest, site, manifest.images - trainImages, trainImages);
  const measured = measureSae(sae, heldOut);
  const quality: SaeQualityFigures = {
    explainedVariance: measured.explainedVariance,
    scaledMse: measured.scaledMse,
    deadFraction: measureSae(sae, siteSource(dir, manifest, site)).deadFraction,
    meanNorm: meanNorm(heldOut, positions),
  };
  writeAtomically(done, (tmp) => writeSafetensors(tmp, sae.toTensors(), { k: String(sae.k), quality: JSON.stringify(quality) }));
  return { sae, quality };
}

function meanNorm(source: ReturnType<typeof siteSource>, positions: number): number {
  const rows = Math.min(source.rows, positions * 200);
  const data = source.read(0, rows);
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < source.width; c++) n += (data[r * source.width + c] as number) ** 2;
    sum += Math.sqrt(n);
  }
  return sum / rows;
}

function writeAtomically(path: string, write: (tmp: string) => void): void {
  const tmp = `${path}.tmp`;
  write(tmp);
  renameSync(tmp, path);
}

function writeState(path: string, state: SaeTrainState): void {
  const f32 = (data: Float32Array): HostTensor => ({ dtype: 'float32', shape: [data.length], data });
  const { weights, moments } = state;
  const tensors: Record<string, HostTensor> = {
    b_pre: f32(weights.bPre), w_enc: f32(weights.wEnc), b_enc: f32(weights.bEnc), w_dec: f32(weights.wDec),
    since_fired: { dtype: 'float64', shape: [state.sinceFired.length], data: state.sinceFired },
  };
  for (const [name, m] of Object.entries(moments)) {
    tensors[`m.${name}`] = f32(m.m);
    tensors[`v.${name}`] = f32(m.v);
  }
  writeSafetensors(path, tensors, { step: String(state.step), scale: String(state.scale), inputs: String(weights.inputs), features: String(weights.features), k: String(weights.k) });
}

function readState(path: string): SaeTrainState {
  const { tensors, metadata } = readSafetensors(path);
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`concepts: checkpoint ${path} lacks '${name}'; delete it to train this site afresh`);
    return t.data as Float32Array;
  };
  const moment = (name: string) => ({ m: get(`m.${name}`), v: get(`v.${name}`) });
  return {
    step: Number(metadata.step),
    scale: Number(metadata.scale),
    weights: { inputs: Number(metadata.inputs), features: Number(metadata.features), k: Number(metadata.k), bPre: get('b_pre'), wEnc: get('w_enc'), bEnc: get('b_enc'), wDec: get('w_dec') },
    moments: { bPre: moment('bPre'), wEnc: moment('wEnc'), bEnc: moment('bEnc'), wDec: moment('wDec') },
    sinceFired: tensors.get('since_fired')?.data as unknown as Float64Array,
  };
}

