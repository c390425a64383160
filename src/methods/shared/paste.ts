// Paste-back: a local edit's decoded image with the source's own pixels put back outside the edited
// area. The latents outside a local edit's mask are the source's, but the VAE decoder's mid-block
// attention sees the whole latent, so removing or repainting one object shifts the colours of others
// it never touched (a red heart decoded pink beside a removed triangle). Inpainting front-ends do the
// same (diffusers' apply_overlay, A1111's "mask blur"): keep the original where nothing was asked.
import type { RgbImage } from '../../support/image.ts';
import { distanceToArea } from '../../pipeline/mask-morphology.ts';
import { upsample } from './mask.ts';

export interface PasteOptions {
  /** Pixels the edited area is grown by before blending, so the edit's own edge stays the edit's. */
  grow: number;
  /** Width in pixels of the ramp from edit to source past the grown edge (a seamless join). */
  feather: number;
}

export const PASTE_DEFAULTS: PasteOptions = { grow: 4, feather: 4 };

/**
 * The edited image where the (latent-resolution) mask was set, grown and feathered; the source's
 * pixels elsewhere. Returns the image and the fraction of pixels left exactly the source's.
 */
export function pasteOutside(edited: RgbImage, source: RgbImage, latentMask: Float32Array, latentWidth: number, latentHeight: number, options: PasteOptions = PASTE_DEFAULTS): { image: RgbImage; keptFraction: number } {
  const area = upsample(Float32Array.from(latentMask, (v) => (v > 0.01 ? 1 : 0)), latentWidth, latentHeight, edited.width, edited.height);
  return pasteOutsideArea(edited, source, area, options);
}

/** The same for an area given per pixel (> 0: edited), at the images' size. */
export function pasteOutsideArea(edited: RgbImage, source: RgbImage, area: Float32Array | Uint8Array, options: PasteOptions = PASTE_DEFAULTS): { image: RgbImage; keptFraction: number } {
  const { width, height } = edited;
  const alpha = feathered(distanceToArea(area, width, height), options);
  const rgb = new Uint8Array(edited.rgb.length);
  let kept = 0;
  for (let p = 0; p < width * height; p++) {
    const a = alpha[p]!;
    if (a === 0) kept++;
    for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.round(a * edited.rgb[p * 3 + c]! + (1 - a) * source.rgb[p * 3 + c]!);
  }
  return { image: { rgb, width, height }, keptFraction: kept / (width * height) };
}

/** 1 within `grow` of the area, falling linearly to 0 over the next `feather` pixels. */
function feathered(distance: Uint8Array, { grow, feather }: PasteOptions): Float32Array {
  return Float32Array.from(distance, (d) => (d <= grow ? 1 : d >= grow + feather + 1 ? 0 : 1 - (d - grow) / (feather + 1)));
}
