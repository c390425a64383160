// Test helpers for the prompt-to-prompt family and prompt switching: an EditInput built as runEdit
// builds it (so a test can call the methods' run functions with an observer), decoding, background
// weights and latent distances.
import { rgbToTensor, tensorToRgb } from '../../src/models/vae/index.ts';
import type { EditInput } from '../../src/methods/types.ts';
import type { Diffusion } from '../../src/pipeline/diffusion.ts';
import { invert, type InversionMethod } from '../../src/pipeline/inversion/index.ts';
import { COLOURS } from '../../src/world/index.ts';
import type { RenderedScene } from '../../src/world/index.ts';
import type { RgbImage } from '../../src/support/image.ts';
import { heldOutScenes, SHORT_RUN_GUIDANCE } from './support.ts';

export const P2P_STEPS = 12;

/** A one-object held-out scene and a target prompt that swaps its colour word for another single-token colour. */
export function colourSwap(seed = 9_100_001): { rendered: RenderedScene; source: string; target: string; from: string; to: string } {
  const { scene, rendered } = heldOutScenes(1, 1, seed)[0]!;
  const from = scene.objects[0]!.colour;
  const to = COLOURS.find((c) => c !== from && !rendered.caption.includes(c) && ['red', 'green', 'blue', 'yellow', 'pink'].includes(c))!;
  return { rendered, source: rendered.caption, target: rendered.caption.replace(from, to), from, to };
}

/** The EditInput runEdit would hand a method: encoded source, its inversion at these steps and guidance. */
export async function editInput(
  diffusion: Diffusion,
  image: RgbImage,
  prompts: { source: string; target: string },
  options: { inversion: InversionMethod; steps?: number; guidance?: number; seed?: number },
): Promise<EditInput> {
  const steps = options.steps ?? P2P_STEPS;
  const guidance = options.guidance ?? SHORT_RUN_GUIDANCE;
  const latent = await diffusion.encode(rgbToTensor(image.rgb, image.width, image.height));
  const inversion = await invert(diffusion, options.inversion, { latent, prompt: prompts.source, steps, guidance });
  return { diffusion, source: { latent, prompt: prompts.source }, target: { prompt: prompts.target }, scheduler: 'ddim', steps, guidance, seed: options.seed ?? 0, inversion };
}

export async function decodeImage(diffusion: Diffusion, latent: Float32Array): Promise<RgbImage> {
  const { pixels, width, height } = tensorToRgb(await diffusion.decode(latent));
  return { rgb: pixels, width, height };
}

/** 1 where no object of the scene covers the pixel (the background), else 0. */
export function backgroundWeight(rendered: RenderedScene): (pixel: number) => number {
  return (p) => (rendered.masks.every((m) => (m[p] as number) === 0) ? 1 : 0);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export function rms(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s / a.length);
}
