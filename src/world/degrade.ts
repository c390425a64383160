// Seeded image degradations that imitate a generator's imperfections; used to test the analysis
// honestly (and usable as training augmentation).
import { clampByte } from './backgrounds.ts';
import type { RgbImage } from '../support/image.ts';
import { createRandom } from '../support/random.ts';

function gaussian(random: { next(): number }): number {
  const u = Math.max(random.next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.next());
}

/** Adds independent Gaussian noise (sigma in 0–255 units) to every channel. */
export function addGaussianNoise(image: RgbImage, sigma: number, seed: number): RgbImage {
  const random = createRandom(seed);
  const rgb = new Uint8Array(image.rgb.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = clampByte((image.rgb[i] as number) + sigma * gaussian(random));
  return { ...image, rgb };
}

/** Separable Gaussian blur with the given sigma in pixels (edges clamp). */
export function gaussianBlur(image: RgbImage, sigma: number): RgbImage {
  const radius = Math.max(1, Math.ceil(sigma * 3));
  const weights = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    weights[k + radius] = w;
    total += w;
  }
  for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) / total;
  const { width, height } = image;
  const horizontal = blurPass(Float32Array.from(image.rgb), width, height, weights, radius, 3, 1, width);
  const vertical = blurPass(horizontal, width, height, weights, radius, 3 * width, width, height);
  const rgb = new Uint8Array(vertical.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = clampByte(vertical[i] as number);
  return { ...image, rgb };
}

/** One 1-D pass: neighbours are `step` bytes apart; floor(p / divisor) % limit is the coordinate along the pass. */
function blurPass(source: Float32Array, width: number, height: number, weights: Float64Array, radius: number, step: number, divisor: number, limit: number): Float32Array {
  const out = new Float32Array(source.length);
  const pixels = width * height;
  for (let p = 0; p < pixels; p++) {
    const along = Math.floor(p / divisor) % limit;
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        const clamped = along + k < 0 ? -along : along + k >= limit ? limit - 1 - along : k;
        sum += (weights[k + radius] as number) * (source[p * 3 + c + clamped * step] as number);
      }
      out[p * 3 + c] = sum;
    }
  }
  return out;
}

/** Multiplies each channel by a random gain in [1 - amount, 1 + amount]. */
export function colourJitter(image: RgbImage, amount: number, seed: number): RgbImage {
  const random = createRandom(seed);
  const gains = [0, 1, 2].map(() => 1 + amount * (2 * random.next() - 1));
  const rgb = new Uint8Array(image.rgb.length);
  for (let i = 0; i < rgb.length; i++) rgb[i] = clampByte((image.rgb[i] as number) * (gains[i % 3] as number));
  return { ...image, rgb };
}

/** Box-downscales by an integer factor and scales back up bilinearly (loses fine detail). */
export function downUpScale(image: RgbImage, factor: number): RgbImage {
  const { width, height } = image;
  const smallWidth = Math.floor(width / factor);
  const smallHeight = Math.floor(height / factor);
  const small = new Float32Array(smallWidth * smallHeight * 3);
  for (let y = 0; y < smallHeight; y++) {
    for (let x = 0; x < smallWidth; x++) {
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let j = 0; j < factor; j++) {
          for (let i = 0; i < factor; i++) sum += image.rgb[((y * factor + j) * width + x * factor + i) * 3 + c] as number;
        }
        small[(y * smallWidth + x) * 3 + c] = sum / (factor * factor);
      }
    }
  }
  const rgb = new Uint8Array(image.rgb.length);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(smallHeight - 1, Math.max(0, (y + 0.5) / factor - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(smallHeight - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = Math.min(smallWidth - 1, Math.max(0, (x + 0.5) / factor - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(smallWidth - 1, x0 + 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const top = (small[(y0 * smallWidth + x0) * 3 + c] as number) * (1 - fx) + (small[(y0 * smallWidth + x1) * 3 + c] as number) * fx;
        const bottom = (small[(y1 * smallWidth + x0) * 3 + c] as number) * (1 - fx) + (small[(y1 * smallWidth + x1) * 3 + c] as number) * fx;
        rgb[(y * width + x) * 3 + c] = clampByte(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { ...image, rgb };
}

export interface DegradeOptions {
  /** Gaussian noise sigma in 0–255 units. Default 10. */
  noiseSigma?: number;
  /** Blur sigma in pixels; drawn uniformly from this range. Default [1, 2]. */
  blurSigma?: readonly [number, number];
  /** Per-channel gain jitter. Default 0.05. */
  colourJitter?: number;
  /** Down- and up-scaling factor (1 = none). Default 2. */
  rescale?: number;
}

/** Every degradation at once, in the order a generator's output would suffer them. */
export function degrade(image: RgbImage, seed: number, options: DegradeOptions = {}): RgbImage {
  const random = createRandom(seed);
  const [blurLow, blurHigh] = options.blurSigma ?? [1, 2];
  let out = gaussianBlur(image, blurLow + (blurHigh - blurLow) * random.next());
  const rescale = options.rescale ?? 2;
  if (rescale > 1) out = downUpScale(out, rescale);
  out = colourJitter(out, options.colourJitter ?? 0.05, random.int(0x7fffffff));
  return addGaussianNoise(out, options.noiseSigma ?? 10, random.int(0x7fffffff));
}

/**
 * Bends the image with a smooth random displacement field of up to `amplitude` pixels (a few long
 * waves per axis), like a generator that draws shapes slightly wrong: edges wobble, corners move.
 */
export function warp(image: RgbImage, amplitude: number, seed: number): RgbImage {
  const random = createRandom(seed);
  const { width, height } = image;
  const waves = Array.from({ length: 4 }, () => ({
    fx: (2 * Math.PI * (0.5 + 1.5 * random.next())) / width,
    fy: (2 * Math.PI * (0.5 + 1.5 * random.next())) / height,
    phase: 2 * Math.PI * random.next(),
  }));
  const shift = (wave: (typeof waves)[number], x: number, y: number): number => Math.sin(wave.fx * x + wave.fy * y + wave.phase);
  const rgb = new Uint8Array(image.rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = Math.min(width - 1, Math.max(0, x + (amplitude / 2) * (shift(waves[0] as (typeof waves)[number], x, y) + shift(waves[1] as (typeof waves)[number], x, y))));
      const sy = Math.min(height - 1, Math.max(0, y + (amplitude / 2) * (shift(waves[2] as (typeof waves)[number], x, y) + shift(waves[3] as (typeof waves)[number], x, y))));
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(width - 1, x0 + 1);
      const y1 = Math.min(height - 1, y0 + 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const top = (image.rgb[(y0 * width + x0) * 3 + c] as number) * (1 - fx) + (image.rgb[(y0 * width + x1) * 3 + c] as number) * fx;
        const bottom = (image.rgb[(y1 * width + x0) * 3 + c] as number) * (1 - fx) + (image.rgb[(y1 * width + x1) * 3 + c] as number) * fx;
        rgb[(y * width + x) * 3 + c] = clampByte(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { ...image, rgb };
}
