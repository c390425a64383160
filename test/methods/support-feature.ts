// Test helpers for the feature- and attention-control methods (pnp, fpe, masactrl,
// paint-with-words, multidiffusion): a shipped Diffusion whose UNets capture what a test asks for on
// every step (self-attention maps included), structure and colour measures on images.
import type { HostTensor } from '../../src/engine/index.ts';
import { toFloat32 } from '../../src/engine/index.ts';
import { SHIPPED_MODEL_DIR } from '../../src/models/shipped.ts';
import { openStableDiffusion } from '../../src/models/stable-diffusion.ts';
import { CompiledUNet } from '../../src/models/unet/model.ts';
import { Diffusion, type UNetVariant } from '../../src/pipeline/diffusion.ts';
import type { RgbImage } from '../../src/support/image.ts';
import { POSITIONS, type Colour, type Position, type RenderedScene, type Scene } from '../../src/world/index.ts';
import { heldOutScenes } from './support.ts';

export type CaptureListener = (call: number, captures: Record<string, HostTensor>, unet: CompiledUNet) => void;

/**
 * The shipped model with hooks whose UNets also capture head-averaged self-attention maps
 * (every layer) and hand the captures `names(unet)` picks to `listener` after every UNet call.
 */
export class RecordingDiffusion extends Diffusion {
  private readonly compiled = new Map<string, Promise<CompiledUNet>>();
  listener?: CaptureListener;
  names?: (unet: CompiledUNet) => readonly string[];
  calls = 0;

  constructor() {
    super(openStableDiffusion(SHIPPED_MODEL_DIR), { hooks: true });
  }

  override unet(batch: number, variant: UNetVariant = {}): Promise<CompiledUNet> {
    const key = `${batch}:${variant.keyRegions ? 'regions' : ''}`;
    let cached = this.compiled.get(key);
    if (!cached) {
      const [, , height, width] = this.latentShape;
      cached = CompiledUNet.compile(this.model.unet.config, this.model.unet.weights, {
        batch, height, width, textLength: this.textLength, dtype: 'float32', hooks: true, selfMapTokens: height * width, keyRegions: variant.keyRegions ?? false,
      }).then((unet) => {
        const step = unet.step.bind(unet);
        const wrapped = Object.create(unet) as CompiledUNet;
        wrapped.step = async (input, options = {}) => {
          const extra = this.listener && this.names ? this.names(unet) : [];
          const result = await step(input, { ...options, capture: [...(options.capture ?? []), ...extra] });
          if (this.listener) this.listener(this.calls, result.captures, unet);
          this.calls++;
          return result;
        };
        return wrapped;
      });
      this.compiled.set(key, cached);
    }
    return cached;
  }

  override async release(): Promise<void> {
    for (const pending of this.compiled.values()) await (await pending.catch(() => undefined))?.release();
    this.compiled.clear();
    await super.release();
  }
}

/** Element `element` of a captured [B, …] tensor as float32. */
export function elementOf(tensor: HostTensor, element: number): Float32Array {
  const all = toFloat32(tensor.dtype, tensor.data);
  const size = all.length / (tensor.shape[0] as number);
  return all.subarray(element * size, (element + 1) * size);
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Luminance gradient magnitude (central differences), per pixel. */
export function gradientMagnitude(image: RgbImage): Float32Array {
  const { width, height, rgb } = image;
  const lum = new Float32Array(width * height);
  for (let p = 0; p < lum.length; p++) lum[p] = 0.299 * rgb[3 * p]! + 0.587 * rgb[3 * p + 1]! + 0.114 * rgb[3 * p + 2]!;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = lum[y * width + Math.min(width - 1, x + 1)]! - lum[y * width + Math.max(0, x - 1)]!;
      const gy = lum[Math.min(height - 1, y + 1) * width + x]! - lum[Math.max(0, y - 1) * width + x]!;
      out[y * width + x] = Math.hypot(gx, gy) / 2;
    }
  }
  return out;
}

/** Pearson correlation of two equally long arrays. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] as number;
    mb += b[i] as number;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb || 1);
}

/** Structure similarity: correlation of the two images' gradient magnitudes (edges in the same places). */
export function edgeCorrelation(a: RgbImage, b: RgbImage): number {
  return correlation(gradientMagnitude(a), gradientMagnitude(b));
}

/** Mean colour and per-channel standard deviation of the pixels where `weight` > 0.5. */
export function colourStats(image: RgbImage, weight: (pixel: number) => number): { mean: number[]; std: number[] } {
  const sum = [0, 0, 0];
  const sq = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    if (weight(p) <= 0.5) continue;
    n++;
    for (let c = 0; c < 3; c++) {
      const v = image.rgb[3 * p + c]!;
      sum[c]! += v;
      sq[c]! += v * v;
    }
  }
  const mean = sum.map((s) => s / Math.max(1, n));
  return { mean, std: sq.map((s, c) => Math.sqrt(Math.max(0, s / Math.max(1, n) - mean[c]! ** 2))) };
}

/**
 * Layout similarity of two latents [1, C, h, w]: the correlation of their spatial patterns with each
 * channel's mean removed (a global colour change does not count, moved or lost shapes do).
 */
export function latentStructure(a: Float32Array, b: Float32Array, channels = 4): number {
  const centred = (l: Float32Array) => {
    const out = l.slice();
    const n = l.length / channels;
    for (let c = 0; c < channels; c++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += l[c * n + i]!;
      m /= n;
      for (let i = 0; i < n; i++) out[c * n + i]! -= m;
    }
    return out;
  };
  return correlation(centred(a), centred(b));
}

/** The grid cell mirrored through the centre; the centre itself goes to the top right. */
function mirrored(place: Position): Position {
  return place === 'center' ? 'top right' : POSITIONS[POSITIONS.length - 1 - POSITIONS.indexOf(place)]!;
}

/**
 * Held-out two-object scenes, each with a target prompt that swaps its background and names every
 * object at the mirrored place. From the source's inverted noise a plain run follows the prompt and
 * moves the objects; a method that carries the source's structure keeps them where they are. (A
 * background swap alone does not tell them apart: the trained model keeps the layout from the inverted
 * noise alone.)
 */
export function layoutsAgainstPrompt(count: number, seed = 9_100_077): { scene: Scene; rendered: RenderedScene; targetPrompt: string }[] {
  const places = new RegExp(`in the (${POSITIONS.join('|')})`, 'g');
  return heldOutScenes(count, 2, seed).map(({ scene, rendered }) => ({
    scene,
    rendered,
    targetPrompt: withOtherBackground(rendered.caption).replace(places, (_all, place: Position) => `in the ${mirrored(place)}`),
  }));
}

/** The first of those scenes. */
export function layoutAgainstPrompt(seed = 9_100_077): { rendered: RenderedScene; targetPrompt: string } {
  return layoutsAgainstPrompt(1, seed)[0]!;
}

/**
 * Held-out two-object scenes, each with a target prompt that names no places and gives every object
 * another colour (red → blue, blue → yellow, any other → red), and those colours in the scene's order.
 */
export function recolourWithoutPlaces(count: number, seed = 9_100_077): { scene: Scene; rendered: RenderedScene; targetPrompt: string; colours: Colour[] }[] {
  const recolour = (c: Colour): Colour => (c === 'red' ? 'blue' : c === 'blue' ? 'yellow' : 'red');
  const places = new RegExp(` in the (${POSITIONS.join('|')})`, 'g');
  return heldOutScenes(count, 2, seed).map(({ scene, rendered }) => ({
    scene,
    rendered,
    targetPrompt: scene.objects.reduce((t, o) => t.replace(` ${o.colour} ${o.shape}`, ` ${recolour(o.colour)} ${o.shape}`), rendered.caption.replace(places, '')),
    colours: scene.objects.map((o) => recolour(o.colour)),
  }));
}

/** A world caption on another background: night, or sand when it was night. */
function withOtherBackground(caption: string): string {
  const background = caption.split(' on ').pop()!;
  return `${caption.slice(0, caption.length - background.length)}${background === 'night' ? 'sand' : 'night'}`;
}
