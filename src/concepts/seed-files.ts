// A concept dictionary as files, to ship beside its model (models/world-sd/concepts/) and load into
// the database on first start: dictionary.json (the model hash it was built for, its name and build
// settings, the prompt of each top image, each site's key, size and quality figures, and a line per
// feature: its words, intensity and top images by index), a safetensors per site (its SAE and its
// features' concept vectors) and a WebP thumbnail per top image. The SAEs and every figure are kept
// exactly; the concept vectors (unit-norm means of text-encoder vectors, compared by cosine) as
// float16, which keeps the shipped seed near 5 MB rather than 7.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { convertHost, readSafetensors, writeSafetensors, type HostTensor } from '../engine/index.ts';
import { siteFileStem, siteName, type ConceptDictionary, type DictionarySite, type FeatureMeaning, type SaeQualityFigures, type SiteKey } from '../models/sae/dictionary.ts';
import { TopKSae } from '../models/sae/sae.ts';

export const SEED_FORMAT = 'retouch-concept-seed-v1';
export const SEED_INDEX = 'dictionary.json';
const THUMBNAILS = 'thumbnails';
const VECTORS = 'concept_vectors';

export interface SeedIndex {
  format: typeof SEED_FORMAT;
  /** The content id of the model it was built for (modelContentId). */
  modelHash: string;
  name: string;
  build: Record<string, unknown>;
  /** Each build picture some feature names by index: its prompt; its thumbnail is `thumbnails/<image>.webp`. */
  pictures: { image: number; prompt: string }[];
  sites: SeedSite[];
}

interface SeedSite extends SiteKey {
  /** The safetensors of its SAE (`b_pre`, `w_enc`, `b_enc`, `w_dec`, float32) and `concept_vectors` [vectors × width] (float16). */
  file: string;
  k: number;
  height: number;
  width: number;
  quality: SaeQualityFigures;
  features: SeedFeature[];
}

interface SeedFeature {
  feature: number;
  /** [word, how many images gave it], as FeatureMeaning.words. */
  words: [string, number][];
  intensity: number;
  /** Its top images as build picture indices (their prompts are in `pictures`)… */
  top?: number[];
  /** …or, for a dictionary that kept no indices, as prompts. */
  topImages?: string[];
  /** Its row of the site's concept vectors, or null when it has none (no label). */
  vector: number | null;
}

/** Where a model folder keeps its concept dictionary's seed. */
export function conceptSeedDir(modelDir: string): string {
  return join(modelDir, 'concepts');
}

/** The dictionary a model folder ships (`concepts/`), when it has one built for these weights (`modelHash`). */
export function modelFolderDictionary(modelDir: string, modelHash: string): ConceptDictionary | undefined {
  const dir = conceptSeedDir(modelDir);
  const index = readSeedIndex(dir);
  return index && index.modelHash === modelHash ? readSeed(dir, index) : undefined;
}

export class SeedFormatError extends Error {
  override readonly name = 'SeedFormatError';
}

/**
 * Writes the dictionary as a seed folder, replacing what `dir` held. It is written beside `dir`
 * first, so an interrupted write leaves the old seed whole.
 */
export function writeSeed(dir: string, dictionary: ConceptDictionary): { files: number; bytes: number } {
  const target = resolve(dir);
  const temporary = `${target}.writing-${process.pid}`;
  rmSync(temporary, { recursive: true, force: true });
  mkdirSync(join(temporary, THUMBNAILS), { recursive: true });
  let bytes = 0;
  const write = (name: string, data: string | Uint8Array) => {
    writeFileSync(join(temporary, name), data);
    bytes += statSync(join(temporary, name)).size;
  };
  const prompts = new Map<number, string>();
  const sites = dictionary.sites.map((site): SeedSite => {
    const file = `${siteFileStem(site)}.safetensors`;
    const vectors = site.features.filter((f) => f.vector.length > 0).map((f) => f.vector);
    const tensors: Record<string, HostTensor> = site.sae.toTensors();
    if (vectors.length > 0) tensors[VECTORS] = convertHost({ dtype: 'float32', shape: [vectors.length, (vectors[0] as Float32Array).length], data: concatenate(vectors) }, 'float16');
    writeSafetensors(join(temporary, file), tensors);
    bytes += statSync(join(temporary, file)).size;
    let row = 0;
    const features = site.features.map((f): SeedFeature => {
      const words = f.words.map((w): [string, number] => [w.word, w.count]);
      const vector = f.vector.length > 0 ? row++ : null;
      if (f.topImageIndices === undefined) return { feature: f.feature, words, intensity: f.intensity, topImages: f.topImages, vector };
      f.topImageIndices.forEach((image, i) => prompts.set(image, f.topImages[i] as string));
      return { feature: f.feature, words, intensity: f.intensity, top: f.topImageIndices, vector };
    });
    const { block, time, branch, height, width, quality } = site;
    return { block, time, branch, file, k: site.sae.k, height, width, quality, features };
  });
  const thumbnails = dictionary.thumbnails ?? [];
  for (const t of thumbnails) write(join(THUMBNAILS, `${t.image}.webp`), t.data);
  const pictures = [...prompts].sort((a, b) => a[0] - b[0]).map(([image, prompt]) => ({ image, prompt }));
  write(SEED_INDEX, indexText({ format: SEED_FORMAT, modelHash: dictionary.modelHash, name: dictionary.name, build: dictionary.build, pictures, sites }));
  mkdirSync(dirname(target), { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(temporary, target);
  return { files: sites.length + thumbnails.length + 1, bytes };
}

/** The index as JSON with a line per picture and per feature: small, and a rebuild's diff reads feature by feature. */
function indexText({ pictures, sites, ...head }: SeedIndex): string {
  const members = (value: object) => JSON.stringify(value).slice(1, -1);
  const list = (items: readonly string[], indent: string) => `[\n${items.map((item) => indent + item).join(',\n')}\n${indent.slice(1)}]`;
  const siteTexts = sites.map(({ features, ...site }) => `{${members(site)},\n   "features": ${list(features.map((f) => JSON.stringify(f)), '    ')}}`);
  return `{${members(head)},\n "pictures": ${list(pictures.map((p) => JSON.stringify(p)), '  ')},\n "sites": ${list(siteTexts, '  ')}\n}\n`;
}

/** The seed's index (not its weights or pictures), or undefined when `dir` holds no seed. */
export function readSeedIndex(dir: string): SeedIndex | undefined {
  const path = join(dir, SEED_INDEX);
  if (!existsSync(path)) return undefined;
  const index = JSON.parse(readFileSync(path, 'utf8')) as Partial<SeedIndex>;
  if (index.format !== SEED_FORMAT) throw new SeedFormatError(`${path}: not a concept seed of format ${SEED_FORMAT} (format ${JSON.stringify(index.format)})`);
  return index as SeedIndex;
}

/** The whole dictionary a seed folder holds (its index as readSeedIndex() read it). */
export function readSeed(dir: string, index: SeedIndex): ConceptDictionary {
  const prompts = new Map(index.pictures.map((p) => [p.image, p.prompt]));
  const sites = index.sites.map((site): DictionarySite => {
    const fail = (reason: string) => new SeedFormatError(`${join(dir, site.file)} (site ${siteName(site)}): ${reason}`);
    const { tensors } = readSafetensors(join(dir, site.file));
    const sae = TopKSae.fromTensors(tensors, site.k);
    const stored = tensors.get(VECTORS);
    const vectors = stored && convertHost(stored, 'float32');
    const width = vectors?.shape[1] ?? 0;
    const features = site.features.map((f): FeatureMeaning => {
      const words = f.words.map(([word, count]) => ({ word, count }));
      let vector = new Float32Array(0);
      if (f.vector !== null) {
        if (!vectors || f.vector >= (vectors.shape[0] as number)) throw fail(`feature ${f.feature} names concept vector ${f.vector}, which the file lacks`);
        vector = (vectors.data as Float32Array).slice(f.vector * width, (f.vector + 1) * width);
      }
      if (!f.top) return { feature: f.feature, words, intensity: f.intensity, vector, topImages: f.topImages ?? [] };
      const topImages = f.top.map((image) => {
        const prompt = prompts.get(image);
        if (prompt === undefined) throw fail(`feature ${f.feature} names picture ${image}, which the seed's pictures lack`);
        return prompt;
      });
      return { feature: f.feature, words, intensity: f.intensity, vector, topImages, topImageIndices: f.top };
    });
    const { block, time, branch, height, width: mapWidth, quality } = site;
    return { block, time, branch, height, width: mapWidth, quality, sae, features };
  });
  const kept = new Set(readdirSync(join(dir, THUMBNAILS)));
  const thumbnails = [...prompts.keys()].map((image) => {
    const file = join(dir, THUMBNAILS, `${image}.webp`);
    if (!kept.has(`${image}.webp`)) throw new SeedFormatError(`${file}: the seed names picture ${image} but its thumbnail is missing`);
    return { image, data: new Uint8Array(readFileSync(file)) };
  });
  return { modelHash: index.modelHash, name: index.name, build: index.build, sites, thumbnails };
}

function concatenate(rows: readonly Float32Array[]): Float32Array {
  const width = (rows[0] as Float32Array).length;
  const out = new Float32Array(rows.length * width);
  for (const [i, row] of rows.entries()) {
    if (row.length !== width) throw new RangeError(`concept vectors differ in width: ${width} and ${row.length}`);
    out.set(row, i * width);
  }
  return out;
}
