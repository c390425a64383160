import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { z } from 'zod';
import * as E from '../../engine/index.ts';
import { ModelLoadError } from '../weights.ts';
import { parseConfig } from './config.ts';

/**
 * transformers' CLIPImageProcessor: RGB, resize so the shorter side is `size` (bicubic), center
 * crop to `crop`, x / 255, (x - mean) / std, NCHW float32. Resizing is sharp's (libvips) cubic
 * kernel, not PIL's: results agree with transformers to a few 1/255 steps, not bit for bit.
 *
 * `clipPixelsFromTensor` is the same in-graph (bilinear, differentiable) for guidance and rewards.
 */

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

export interface ClipImageProcessorConfig {
  /** Shorter side after resizing. */
  size: number;
  crop: { height: number; width: number };
  mean: readonly number[];
  std: readonly number[];
  doResize: boolean;
  doCenterCrop: boolean;
  doNormalize: boolean;
  rescaleFactor: number;
}

export const DEFAULT_CLIP_PROCESSOR: ClipImageProcessorConfig = {
  size: 224,
  crop: { height: 224, width: 224 },
  mean: CLIP_MEAN,
  std: CLIP_STD,
  doResize: true,
  doCenterCrop: true,
  doNormalize: true,
  rescaleFactor: 1 / 255,
};

const sizeSchema = z.union([z.number().int().positive(), z.object({ shortest_edge: z.number().int().positive() }), z.object({ height: z.number().int().positive(), width: z.number().int().positive() })]);
const preprocessorSchema = z.object({
  size: sizeSchema.optional(),
  crop_size: z.union([z.number().int().positive(), z.object({ height: z.number().int().positive(), width: z.number().int().positive() })]).optional(),
  image_mean: z.array(z.number()).length(3).optional(),
  image_std: z.array(z.number().positive()).length(3).optional(),
  do_resize: z.boolean().optional(),
  do_center_crop: z.boolean().optional(),
  do_normalize: z.boolean().optional(),
  rescale_factor: z.number().optional(),
});

/** Reads preprocessor_config.json (a file or the folder holding it); a folder without one gets the defaults. */
export function readClipProcessorConfig(path: string): ClipImageProcessorConfig {
  const file = existsSync(join(path, 'preprocessor_config.json')) ? join(path, 'preprocessor_config.json') : path;
  if (!existsSync(file) || statSync(file).isDirectory()) return { ...DEFAULT_CLIP_PROCESSOR };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new ModelLoadError(`cannot read preprocessor config ${file}: ${(error as Error).message}`);
  }
  const c = parseConfig(raw, preprocessorSchema, file);
  const size = c.size === undefined ? DEFAULT_CLIP_PROCESSOR.size : typeof c.size === 'number' ? c.size : 'shortest_edge' in c.size ? c.size.shortest_edge : Math.min(c.size.height, c.size.width);
  const crop = c.crop_size === undefined ? { height: size, width: size } : typeof c.crop_size === 'number' ? { height: c.crop_size, width: c.crop_size } : c.crop_size;
  return {
    size,
    crop,
    mean: c.image_mean ?? CLIP_MEAN,
    std: c.image_std ?? CLIP_STD,
    doResize: c.do_resize ?? true,
    doCenterCrop: c.do_center_crop ?? true,
    doNormalize: c.do_normalize ?? true,
    rescaleFactor: c.rescale_factor ?? 1 / 255,
  };
}

/**
 * An image: interleaved (HWC) raw pixels, RGB or RGBA (alpha is dropped, as PIL's convert("RGB")),
 * uint8 or float in [0, 1] (quantised to uint8 first, as transformers does through PIL); or
 * anything sharp reads (an encoded file's bytes or its path).
 */
export type ClipImageInput =
  | { data: Uint8Array | Uint8ClampedArray | Float32Array | Float64Array; width: number; height: number; channels: 3 | 4 }
  | Buffer
  | string;

/** transformers' shortest-edge rule: the shorter side becomes `size`, the longer int(size * long / short). */
export function resizedSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.floor((size * height) / width) };
  return { width: Math.floor((size * width) / height), height: size };
}

function toSharp(image: ClipImageInput): Sharp {
  if (typeof image === 'string' || Buffer.isBuffer(image)) return sharp(image);
  const { data, width, height, channels } = image;
  if (data.length !== width * height * channels) {
    throw new RangeError(`image data has ${data.length} values, ${width}x${height}x${channels} needs ${width * height * channels}`);
  }
  let bytes: Uint8Array;
  if (data instanceof Float32Array || data instanceof Float64Array) {
    bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) bytes[i] = Math.min(255, Math.max(0, Math.round((data[i] as number) * 255)));
  } else {
    bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
  }
  return sharp(bytes, { raw: { width, height, channels } });
}

/** One image as uint8 RGB HWC, resized and center-cropped as the processor says. */
export async function resizeAndCrop(image: ClipImageInput, config: ClipImageProcessorConfig = DEFAULT_CLIP_PROCESSOR): Promise<{ data: Uint8Array; width: number; height: number }> {
  let pipeline = toSharp(image).removeAlpha().toColourspace('srgb');
  const meta = await toSharp(image).metadata();
  let width = meta.width;
  let height = meta.height;
  if (!width || !height) throw new RangeError('cannot tell the image size');
  if (config.doResize) {
    ({ width, height } = resizedSize(width, height, config.size));
    pipeline = pipeline.resize({ width, height, kernel: 'cubic', fit: 'fill' });
  }
  if (config.doCenterCrop) {
    const { height: ch, width: cw } = config.crop;
    // transformers pads with zeros when the crop is larger than the image; not supported here.
    if (ch > height || cw > width) throw new RangeError(`crop ${cw}x${ch} is larger than the ${width}x${height} image`);
    pipeline = pipeline.extract({ left: Math.floor((width - cw) / 2), top: Math.floor((height - ch) / 2), width: cw, height: ch });
    width = cw;
    height = ch;
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw new Error(`sharp returned ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/** `pixel_values` [images, 3, height, width] float32 for the vision tower. */
export async function preprocessImages(images: readonly ClipImageInput[], config: ClipImageProcessorConfig = DEFAULT_CLIP_PROCESSOR): Promise<E.HostTensor> {
  const processed = await Promise.all(images.map((image) => resizeAndCrop(image, config)));
  const first = processed[0];
  if (!first) throw new RangeError('no images');
  const { width, height } = first;
  if (processed.some((p) => p.width !== width || p.height !== height)) throw new RangeError('images come out in different sizes (no center crop?)');
  const plane = width * height;
  const out = new Float32Array(images.length * 3 * plane);
  processed.forEach(({ data }, n) => {
    for (let c = 0; c < 3; c++) {
      const mean = config.doNormalize ? (config.mean[c] as number) : 0;
      const std = config.doNormalize ? (config.std[c] as number) : 1;
      const base = (n * 3 + c) * plane;
      for (let i = 0; i < plane; i++) out[base + i] = ((data[i * 3 + c] as number) * config.rescaleFactor - mean) / std;
    }
  });
  return { dtype: 'float32', shape: [images.length, 3, height, width], data: out };
}

/**
 * In-graph CLIP preprocessing of images x [batch, 3, H, W] (differentiable, for guidance): values in
 * `range` ([-1, 1] by default, a VAE's output) to [0, 1], the shorter side resized bilinearly to
 * `size`, center crop to size x size, normalised with mean/std.
 */
export function clipPixelsFromTensor(
  x: E.Tensor,
  options: { size?: number; mean?: readonly number[]; std?: readonly number[]; range?: readonly [number, number] } = {},
): E.Tensor {
  const size = options.size ?? 224;
  const [low, high] = options.range ?? [-1, 1];
  const [, channels, h, w] = x.shape as [number, number, number, number];
  if (x.rank !== 4 || channels !== 3) throw new E.GraphError(`clip preprocessing: needs [batch, 3, H, W], got ${E.formatShape(x.shape)}`);
  let y = low === 0 && high === 1 ? x : E.div(E.sub(x, low), high - low);
  const target = resizedSize(w, h, size);
  if (target.width !== w || target.height !== h) y = E.resizeBilinear(y, target.height, target.width);
  const top = Math.floor((target.height - size) / 2);
  const left = Math.floor((target.width - size) / 2);
  y = E.slice(y, [{ axis: 2, start: top, end: top + size }, { axis: 3, start: left, end: left + size }]);
  const dtype = x.dtype;
  const column = (values: readonly number[]) =>
    E.reshape(dtype === 'float64' ? E.constant([...values], [3], 'float64') : E.cast(E.constant([...values], [3], 'float32'), dtype), [1, 3, 1, 1]);
  return E.div(E.sub(y, column(options.mean ?? CLIP_MEAN)), column(options.std ?? CLIP_STD));
}
