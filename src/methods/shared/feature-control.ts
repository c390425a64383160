// What the feature- and attention-control methods (PnP, FPE, MasaCtrl, paint-with-words,
// MultiDiffusion) share: step windows, the batch elements of source and edit branches, SD layer
// choices mapped onto any UNet by resolution, a word's token positions, region masks.
import { z } from 'zod';
import type { AttentionSite, FeatureSite, UNetLayout } from '../../models/unet/hooks.ts';
import type { UNetControls } from '../../models/unet/controls.ts';
import type { Diffusion, UNetVariant } from '../../pipeline/diffusion.ts';
import type { CompiledUNet } from '../../models/unet/model.ts';
import { branchElements, sampleBranches } from '../../pipeline/sampler.ts';
import type { HostTensor } from '../../engine/index.ts';
import { EditRequestError, type EditInput } from '../types.ts';
import { invertedBranches } from './inverted-branches.ts';
import { aboveBottleneck } from './layers.ts';

/** Steps [0, n) with n = ⌊steps·fraction⌋: the official codes' `int(T · fraction)` injection windows. */
export function leadingSteps(steps: number, fraction: number): number {
  return Math.floor(steps * fraction + 1e-9);
}

/** The UNet batch elements of branch `b`: [uncond, cond] with guidance, [cond] without. */
export function elementsOf(branches: number, guided: boolean, b: number): number[] {
  const layout = branchElements(branches, guided);
  return guided ? [layout.uncond(b), layout.cond(b)] : [layout.cond(b)];
}

/**
 * The decoder resnets `levels` resolutions above the decoder's coarsest (its bottleneck), in forward
 * order. Counted from the bottleneck rather than as a fraction of the latent, so that a UNet with
 * fewer levels than SD keeps the same place in its hierarchy: PnP's "decoder block 4" is SD's
 * `up_blocks[1].resnets[1]`, the second resnet one level above SD's 8×8 bottleneck (16×16 of a 64-wide
 * latent); on the shipped model (16×16 latent, 4×4 bottleneck) that is 8×8, `up_blocks.1.resnets.1`.
 */
export function decoderResnetsAboveBottleneck(layout: UNetLayout, levels: number): FeatureSite[] {
  const decoder = layout.resnets.filter((site) => site.place === 'up');
  const size = aboveBottleneck(decoder, levels);
  if (!size) throw new EditRequestError(`this UNet's decoder has no resolution ${levels} above its coarsest`);
  return decoder.filter((site) => site.height === size.height && site.width === size.width);
}

/** Token positions (in the padded row: start token at 0) of `word` in `prompt`; an error names a missing word. */
export function wordTokens(diffusion: Diffusion, prompt: string, word: string): number[] {
  const tokenizer = diffusion.model.tokenizer;
  const words = tokenizer.words(prompt);
  const wanted = tokenizer.encode(word.trim());
  if (wanted.length === 0) throw new EditRequestError(`the word '${word}' is empty`);
  const ids = tokenizer.encode(prompt);
  for (let start = 0; start + wanted.length <= ids.length; start++) {
    if (wanted.every((id, i) => ids[start + i] === id)) {
      const positions = wanted.map((_, i) => start + i + 1);
      if (positions[positions.length - 1]! >= diffusion.textLength - 1) throw new EditRequestError(`the word '${word}' falls beyond the text encoder's ${diffusion.textLength} tokens`);
      return positions;
    }
  }
  throw new EditRequestError(`the word '${word}' is not in the prompt '${prompt}' (its words: ${words.map((w) => w.word).join(', ')})`);
}

/** A rectangle in fractions of the canvas: x0 < x1 and y0 < y1 in [0, 1]. */
export const boxSchema = z
  .strictObject({ x0: z.number().min(0).max(1), y0: z.number().min(0).max(1), x1: z.number().min(0).max(1), y1: z.number().min(0).max(1) })
  .refine((b) => b.x1 > b.x0 && b.y1 > b.y0, { message: 'a box needs x0 < x1 and y0 < y1' });
export type Box = z.output<typeof boxSchema>;

/** A box as a soft mask on a width×height grid: each cell's covered fraction. */
export function boxMask(box: Box, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const cy = Math.max(0, Math.min(y + 1, box.y1 * height) - Math.max(y, box.y0 * height));
    for (let x = 0; x < width; x++) {
      const cx = Math.max(0, Math.min(x + 1, box.x1 * width) - Math.max(x, box.x0 * width));
      out[y * width + x] = cx * cy;
    }
  }
  return out;
}

/** A mask on one grid resampled to another by area averaging (any sizes: fractional cell overlaps). */
export function resampleMask(mask: Float32Array, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  if (width === toWidth && height === toHeight) return mask;
  const out = new Float32Array(toWidth * toHeight);
  const fx = width / toWidth;
  const fy = height / toHeight;
  for (let ty = 0; ty < toHeight; ty++) {
    for (let tx = 0; tx < toWidth; tx++) {
      let sum = 0;
      let area = 0;
      for (let y = Math.floor(ty * fy); y < Math.min(height, Math.ceil((ty + 1) * fy)); y++) {
        const oy = Math.min(y + 1, (ty + 1) * fy) - Math.max(y, ty * fy);
        for (let x = Math.floor(tx * fx); x < Math.min(width, Math.ceil((tx + 1) * fx)); x++) {
          const ox = Math.min(x + 1, (tx + 1) * fx) - Math.max(x, tx * fx);
          sum += ox * oy * (mask[y * width + x] as number);
          area += ox * oy;
        }
      }
      out[ty * toWidth + tx] = area > 0 ? sum / area : 0;
    }
  }
  return out;
}

/** A latent-resolution mask at an attention layer's resolution. */
export function maskAtSite(mask: Float32Array, latentWidth: number, latentHeight: number, site: Pick<AttentionSite, 'width' | 'height'>): Float32Array {
  return resampleMask(mask, latentWidth, latentHeight, site.width, site.height);
}

/** DDIM's σ_t = √((1 − ᾱ_t)/ᾱ_t), the noise level k-diffusion samplers (and eDiff-I) speak of. */
export function sigmaAt(diffusion: Diffusion, timestep: number): number {
  const abar = diffusion.scheduler('ddim').alphaBar(Math.round(timestep));
  return Math.sqrt((1 - abar) / abar);
}

/**
 * Samples the source branch on the inversion's path (branch 0) beside one edit branch per target
 * embedding, with per-step controls built on a fresh `UNetControls` (undefined: none this step).
 * Returns the clean latents, source first.
 */
export async function sampleWithSource(
  input: EditInput,
  targets: readonly HostTensor[],
  control: (c: UNetControls, step: number, timestep: number) => boolean,
  extra: {
    afterStep?: (step: number, latent: Float32Array) => Float32Array;
    unet?: UNetVariant;
    /** Capture outputs to fetch every step (names from the UNet's layout), handed to `onCaptures`. */
    captures?: (unet: CompiledUNet) => readonly string[];
    onCaptures?: (step: number, captures: Record<string, HostTensor>) => void;
  } = {},
): Promise<Float32Array[]> {
  const run = await invertedBranches(input, targets);
  const guided = run.guidance !== 1;
  const unet = await input.diffusion.unet((guided ? 2 : 1) * (1 + targets.length), extra.unet);
  const afterStep = run.afterStep && extra.afterStep
    ? (step: number, latent: Float32Array) => extra.afterStep!(step, run.afterStep!(step, latent))
    : (run.afterStep ?? extra.afterStep);
  const { latents } = await sampleBranches({
    ...run,
    unet,
    afterStep,
    controls: (step, t) => {
      const controls = unet.controls();
      return control(controls, step, t) ? controls : undefined;
    },
    captures: extra.captures && (() => extra.captures!(unet)),
    onCaptures: extra.onCaptures,
    onStep: input.onStep,
    signal: input.signal,
  });
  return latents;
}
