// Collecting what the SAEs learn from: for each prompt, an image is sampled and the residual delta
// (output − input) of each chosen transformer block is captured at the chosen points of the schedule,
// for the unconditional and the conditional branch; each spatial position's vector is one row. Rows
// are appended to one float32 file per site, and the decoded image beside them (the labels are read
// from it), so memory stays bounded by one image; a restarted collection continues after the last
// complete image.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HostTensor } from '../engine/index.ts';
import { toFloat32 } from '../engine/index.ts';
import { siteFileStem, siteName, type SiteKey } from '../models/sae/dictionary.ts';
import { tensorToRgb } from '../models/vae/index.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import { sampleBranches, SamplingCancelled } from '../pipeline/sampler.ts';
import type { VectorSource } from './train.ts';
import { positionVectors } from '../models/sae/positions.ts';
import { CONCEPT_TIMES, conceptBlocks, stepAt } from './sites.ts';

export interface CollectOptions {
  prompts: readonly string[];
  /** Transformer module paths (default: the paper's three, `conceptBlocks`). */
  blocks?: readonly string[];
  /** Points of the schedule (default 1, 0.5, 0). */
  times?: readonly number[];
  steps?: number;
  guidance?: number;
  /** Image i is sampled with seed `seed + i`. */
  seed?: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface CollectedSite extends SiteKey {
  channels: number;
  height: number;
  width: number;
  /** File of rows (float32, `channels` each), relative to the collection folder. */
  file: string;
}

/** collection.json: what a collection folder holds. */
export interface CollectionManifest {
  prompts: string[];
  steps: number;
  guidance: number;
  seed: number;
  sites: CollectedSite[];
  imageWidth: number;
  imageHeight: number;
  /** Images complete in every file (rows of image i are i·positions … (i+1)·positions − 1). */
  images: number;
}

const MANIFEST = 'collection.json';
const IMAGES = 'images.rgb';

export function readManifest(dir: string): CollectionManifest | undefined {
  const path = join(dir, MANIFEST);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as CollectionManifest) : undefined;
}

/** Samples every prompt and appends its sites' vectors; resumes a collection of the same prompts. */
export async function collect(diffusion: Diffusion, dir: string, options: CollectOptions): Promise<CollectionManifest> {
  const steps = options.steps ?? 25;
  const guidance = options.guidance ?? 7.5;
  if (guidance === 1) throw new RangeError('concepts collect: guidance must not be 1 (the unconditional branch is collected too)');
  const seed = options.seed ?? 0;
  const times = options.times ?? CONCEPT_TIMES;
  const unet = await diffusion.unet(2);
  const transformers = unet.layout.transformers;
  const blocks = options.blocks ? options.blocks.map((path) => {
    const found = transformers.find((t) => t.path === path);
    if (!found) throw new RangeError(`concepts collect: no transformer block '${path}'; this UNet has ${transformers.map((t) => t.path).join(', ')}`);
    return found;
  }) : conceptBlocks(unet.layout);

  mkdirSync(dir, { recursive: true });
  const sites: CollectedSite[] = blocks.flatMap((b) => times.flatMap((time) => (['uncond', 'cond'] as const).map((branch) => {
    const key = { block: b.path, time, branch };
    return { ...key, channels: b.channels, height: b.height, width: b.width, file: `${siteFileStem(key)}.f32` };
  })));
  const previous = readManifest(dir);
  let manifest: CollectionManifest = { prompts: [...options.prompts], steps, guidance, seed, sites, imageWidth: diffusion.width, imageHeight: diffusion.height, images: 0 };
  if (previous) {
    const same = JSON.stringify({ ...previous, images: 0 }) === JSON.stringify(manifest);
    if (!same) throw new Error(`concepts collect: ${dir} holds a collection of other prompts or settings; use another folder or delete it`);
    manifest = previous;
  }
  // Cut every file to the images complete in all of them (a crash may have left part of one).
  const imageBytes = diffusion.width * diffusion.height * 3;
  const rowBytes = (s: CollectedSite) => s.channels * s.height * s.width * 4;
  for (const s of sites) fitFile(join(dir, s.file), manifest.images * rowBytes(s));
  fitFile(join(dir, IMAGES), manifest.images * imageBytes);

  const captureSteps = new Map<number, number[]>(); // step → indices into `times`
  for (const [i, time] of times.entries()) {
    const step = stepAt(time, steps);
    captureSteps.set(step, [...(captureSteps.get(step) ?? []), i]);
  }
  const names = blocks.map((b) => `capture.${b.path}.delta`);
  const uncond = await diffusion.encodePrompt('');
  const scheduler = diffusion.scheduler('ddim');
  for (let i = manifest.images; i < manifest.prompts.length; i++) {
    if (options.signal?.aborted) throw new SamplingCancelled(`concepts collect: cancelled after ${i} of ${manifest.prompts.length} images`);
    const prompt = manifest.prompts[i] as string;
    const rows = new Map<string, Float32Array>();
    const { latents } = await sampleBranches({
      unet,
      scheduler,
      steps,
      guidance,
      seed: seed + i,
      branches: [{ cond: await diffusion.encodePrompt(prompt), uncond }],
      captures: (step) => (captureSteps.has(step) ? names : undefined),
      onCaptures: (step, captures) => {
        for (const t of captureSteps.get(step) ?? []) {
          for (const [b, block] of blocks.entries()) {
            const delta = toFloat32Data(captures[names[b] as string] as HostTensor);
            const positions = block.height * block.width;
            for (const [element, branch] of [[0, 'uncond'], [1, 'cond']] as const) {
              rows.set(siteName({ block: block.path, time: times[t] as number, branch }), positionVectors(delta, element, block.channels, positions));
            }
          }
        }
      },
      signal: options.signal,
    });
    const { pixels } = tensorToRgb(await diffusion.decode(latents[0] as Float32Array));
    for (const s of sites) appendFile(join(dir, s.file), rows.get(siteName(s)) as Float32Array);
    appendFile(join(dir, IMAGES), pixels);
    manifest.images = i + 1;
    writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 1));
    await options.onProgress?.(i + 1, manifest.prompts.length);
  }
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 1));
  return manifest;
}

function toFloat32Data(tensor: HostTensor): Float32Array {
  return tensor.dtype === 'float32' ? (tensor.data as Float32Array) : toFloat32(tensor.dtype, tensor.data);
}

function fitFile(path: string, bytes: number): void {
  if (!existsSync(path)) {
    if (bytes > 0) throw new Error(`concepts collect: ${path} is missing but the collection says it holds ${bytes} bytes`);
    writeFileSync(path, new Uint8Array(0));
    return;
  }
  const size = statSync(path).size;
  if (size < bytes) throw new Error(`concepts collect: ${path} has ${size} bytes, the collection says ${bytes}`);
  if (size > bytes) truncateSync(path, bytes);
}

function appendFile(path: string, data: Float32Array | Uint8Array): void {
  const fd = openSync(path, 'a');
  try {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  } finally {
    closeSync(fd);
  }
}

/** One site's rows, read from its file a block at a time (a VectorSource for training). */
export function siteSource(dir: string, manifest: CollectionManifest, site: SiteKey, images = manifest.images, firstImage = 0): VectorSource {
  const s = manifest.sites.find((c) => c.block === site.block && c.time === site.time && c.branch === site.branch);
  if (!s) throw new RangeError(`concepts: the collection in ${dir} has no site ${siteName(site)}`);
  const positions = s.height * s.width;
  const width = s.channels;
  const path = join(dir, s.file);
  const offset = firstImage * positions;
  return {
    rows: images * positions,
    width,
    read(start, count) {
      const out = new Float32Array(count * width);
      const fd = openSync(path, 'r');
      try {
        const bytes = new Uint8Array(out.buffer);
        let done = 0;
        while (done < bytes.length) {
          const n = readSync(fd, bytes, done, bytes.length - done, (offset + start) * width * 4 + done);
          if (n === 0) throw new Error(`concepts: ${path} ends before row ${offset + start + count}`);
          done += n;
        }
      } finally {
        closeSync(fd);
      }
      return out;
    },
  };
}

/** Image i of a collection as RGB bytes. */
export function collectedImage(dir: string, manifest: CollectionManifest, index: number): { pixels: Uint8Array; width: number; height: number } {
  const { imageWidth: width, imageHeight: height } = manifest;
  const size = width * height * 3;
  const pixels = new Uint8Array(size);
  const fd = openSync(join(dir, IMAGES), 'r');
  try {
    readSync(fd, pixels, 0, size, index * size);
  } finally {
    closeSync(fd);
  }
  return { pixels, width, height };
}
