// Measurements the noise-and-mask method tests share: the VAE round trip of a source image,
// differences outside a (dilated) mask, block low-pass / high-pass distances, IoU; and a masked
// edit case for RePaint / Blended: a held-out one-object scene, the object's box rounded out to the
// latent grid (so the latent mask is exactly the box), a target caption with the object's colour
// changed.
import { rgbToTensor, tensorToRgb } from '../../src/models/vae/index.ts';
import type { Diffusion } from '../../src/pipeline/diffusion.ts';
import { applyEdit, COLOURS, type RenderedScene } from '../../src/world/index.ts';
import type { RgbImage } from '../../src/support/image.ts';
import { heldOutScenes } from './support.ts';

/** decode(encode(image)): the best any latent-space method can keep of the source. */
export async function vaeRoundTrip(diffusion: Diffusion, image: RgbImage): Promise<RgbImage> {
  const latent = await diffusion.encode(rgbToTensor(image.rgb, image.width, image.height));
  const { pixels, width, height } = tensorToRgb(await diffusion.decode(latent));
  return { rgb: pixels, width, height };
}

/** The mask (bytes, > 127 = set) grown by `radius` pixels (square neighbourhood). */
export function dilate(mask: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((mask[y * width + x] as number) <= 127) continue;
      for (let dy = -radius; dy <= radius; dy++) {
        for (let dx = -radius; dx <= radius; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy >= 0 && yy < height && xx >= 0 && xx < width) out[yy * width + xx] = 255;
        }
      }
    }
  }
  return out;
}

/** Mean and max absolute byte difference over the pixels where `include` holds. */
export function differenceWhere(a: RgbImage, b: RgbImage, include: (pixel: number) => boolean): { mean: number; max: number; pixels: number } {
  let sum = 0;
  let max = 0;
  let count = 0;
  for (let p = 0; p < a.width * a.height; p++) {
    if (!include(p)) continue;
    count++;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs((a.rgb[p * 3 + c] as number) - (b.rgb[p * 3 + c] as number));
      sum += d;
      if (d > max) max = d;
    }
  }
  return { mean: count ? sum / (3 * count) : 0, max, pixels: count };
}

/** Per-channel means over block×block squares: [blocksY × blocksX × 3]. */
export function blockMeans(image: RgbImage, block: number): Float64Array {
  const bw = image.width / block;
  const bh = image.height / block;
  const out = new Float64Array(bw * bh * 3);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const cell = Math.floor(y / block) * bw + Math.floor(x / block);
      for (let c = 0; c < 3; c++) out[cell * 3 + c]! += (image.rgb[(y * image.width + x) * 3 + c] as number) / (block * block);
    }
  }
  return out;
}

/** Mean absolute difference of the block means (the low frequencies), in /255 units. */
export function lowPassDistance(a: RgbImage, b: RgbImage, block: number): number {
  const ma = blockMeans(a, block);
  const mb = blockMeans(b, block);
  let sum = 0;
  for (let i = 0; i < ma.length; i++) sum += Math.abs((ma[i] as number) - (mb[i] as number));
  return sum / ma.length;
}

/** The image minus its block means (the high frequencies), per byte. */
export function highPass(image: RgbImage, block: number): Float64Array {
  const means = blockMeans(image, block);
  const bw = image.width / block;
  const out = new Float64Array(image.rgb.length);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const cell = Math.floor(y / block) * bw + Math.floor(x / block);
      for (let c = 0; c < 3; c++) out[(y * image.width + x) * 3 + c] = (image.rgb[(y * image.width + x) * 3 + c] as number) - (means[cell * 3 + c] as number);
    }
  }
  return out;
}

/** Mean absolute difference of the high-pass parts, in /255 units. */
export function highPassDistance(a: RgbImage, b: RgbImage, block: number): number {
  const ha = highPass(a, block);
  const hb = highPass(b, block);
  let sum = 0;
  for (let i = 0; i < ha.length; i++) sum += Math.abs((ha[i] as number) - (hb[i] as number));
  return sum / ha.length;
}

/** Mean absolute high-pass value (detail energy), in /255 units. */
export function highPassEnergy(a: RgbImage, block: number): number {
  const h = highPass(a, block);
  let sum = 0;
  for (const v of h) sum += Math.abs(v);
  return sum / h.length;
}

/** Intersection over union of two binary masks (values > 0.5 set). */
export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = (a[i] as number) > 0.5;
    const y = (b[i] as number) > 0.5;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/** An image-size byte mask covering the axis-aligned box [x0, x1) × [y0, y1). */
export function boxMask(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) out[y * width + x] = 255;
  return out;
}

/** The smallest box (pixels) around a byte mask's set pixels, grown by `margin`. */
export function boundingBox(mask: Uint8Array, width: number, height: number, margin = 0): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((mask[y * width + x] as number) > 127) {
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
      }
    }
  }
  return { x0: Math.max(0, x0 - margin), y0: Math.max(0, y0 - margin), x1: Math.min(width, x1 + margin), y1: Math.min(height, y1 + margin) };
}

export interface MaskCase {
  rendered: RenderedScene;
  targetPrompt: string;
  /** The edit area, a box on the latent grid, bytes at image size. */
  mask: Uint8Array;
  /** The source through the VAE (what a latent method can keep at best). */
  roundTrip: RenderedScene;
  /** The source's latent and the mask's latent cells (1 = edit). */
  sourceLatent: Float32Array;
  latentMask: Float32Array;
}

export async function maskCase(diffusion: Diffusion, index = 0): Promise<MaskCase> {
  const { scene, rendered } = heldOutScenes(index + 1)[index]!;
  const object = scene.objects[0]!;
  const colour = COLOURS.find((c) => c !== object.colour)!;
  const targetPrompt = applyEdit(scene, { type: 'colour', target: object.shape, colour }).caption;
  const cell = diffusion.width / diffusion.latentShape[3];
  const box = boundingBox(rendered.masks[0]!, rendered.width, rendered.height, 2);
  const snap = (v: number, up: boolean) => Math.min(rendered.width, Math.max(0, (up ? Math.ceil(v / cell) : Math.floor(v / cell)) * cell));
  const mask = boxMask(rendered.width, rendered.height, snap(box.x0, false), snap(box.y0, false), snap(box.x1, true), snap(box.y1, true));
  const sourceLatent = await diffusion.encode(rgbToTensor(rendered.rgb, rendered.width, rendered.height));
  const trip = await vaeRoundTrip(diffusion, rendered);
  const latentMask = new Float32Array(diffusion.latentShape[2] * diffusion.latentShape[3]);
  for (let y = 0; y < rendered.height; y++) for (let x = 0; x < rendered.width; x++) if ((mask[y * rendered.width + x] as number) > 127) latentMask[Math.floor(y / cell) * diffusion.latentShape[3] + Math.floor(x / cell)] = 1;
  return { rendered, targetPrompt, mask, roundTrip: { ...rendered, rgb: trip.rgb }, sourceLatent, latentMask };
}

/** Largest |result − source| over latent cells outside the latent mask (all channels). */
export function latentChangeOutside(c: MaskCase, latent: Float32Array): number {
  const plane = c.latentMask.length;
  let max = 0;
  for (let i = 0; i < latent.length; i++) {
    if ((c.latentMask[i % plane] as number) > 0.5) continue;
    max = Math.max(max, Math.abs((latent[i] as number) - (c.sourceLatent[i] as number)));
  }
  return max;
}

export interface MaskFigures {
  /** Outside the mask grown by 0 / 8 / 16 px: mean and max |result − VAE round trip| in /255. */
  outside: { grow: number; mean: number; max: number }[];
  /** Inside the mask: mean |result − round trip| in /255. */
  inside: number;
}

export function maskFigures(c: MaskCase, image: { rgb: Uint8Array; width: number; height: number }): MaskFigures {
  const { width, height } = c.rendered;
  const outside = [0, 8, 16].map((grow) => {
    const grown = grow ? dilate(c.mask, width, height, grow) : c.mask;
    const d = differenceWhere(image, c.roundTrip, (p) => (grown[p] as number) <= 127);
    return { grow, mean: d.mean, max: d.max };
  });
  const inside = differenceWhere(image, c.roundTrip, (p) => (c.mask[p] as number) > 127).mean;
  return { outside, inside };
}

export function describeFigures(name: string, f: MaskFigures): string {
  return `${name}: outside the mask (grown 0/8/16 px) mean ${f.outside.map((o) => o.mean.toFixed(2)).join('/')} max ${f.outside.map((o) => o.max).join('/')} /255 from the VAE round trip; inside mean change ${f.inside.toFixed(1)} /255`;
}


/**
 * Seam strength: mean |a − b| (/255, over channels) of adjacent pixel pairs that straddle the mask's
 * edge (one set, one not). A fill that continues its surroundings has a small jump.
 */
export function edgeJump(image: RgbImage, mask: Uint8Array): number {
  const { width, height } = image;
  let sum = 0;
  let count = 0;
  const pair = (p: number, q: number) => {
    if (((mask[p] as number) > 127) === ((mask[q] as number) > 127)) return;
    for (let c = 0; c < 3; c++) sum += Math.abs((image.rgb[p * 3 + c] as number) - (image.rgb[q * 3 + c] as number));
    count += 3;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x + 1 < width) pair(y * width + x, y * width + x + 1);
      if (y + 1 < height) pair(y * width + x, (y + 1) * width + x);
    }
  }
  return count ? sum / count : 0;
}
