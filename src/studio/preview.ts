// Small pictures of work in progress: every few steps, the sampler's current guess of the finished
// image (its predicted x0) is decoded and shrunk to a thumbnail that fits in a job event (a
// Postgres notification, under 8000 bytes), so the chat can show it beside the progress bar.
import sharp from 'sharp';
import { tensorToRgb } from '../models/vae/image.ts';
import type { Diffusion } from '../pipeline/diffusion.ts';
import type { StepProgress } from '../pipeline/sampler.ts';
import { MAX_PREVIEW_BYTES } from '../jobs/records.ts';
import { LAYOUT_PREVIEW_PARAMETER } from './preview-kind.ts';

/** Longest side of a preview, in pixels. */
export const PREVIEW_SIDE = 96;
/** Previews per sampling run, at most (the last step is not previewed: the result follows). */
export const PREVIEWS_PER_RUN = 4;
/** Least time between two previews: decoding costs a VAE pass, and chat edits are rate-limited. */
export const MIN_PREVIEW_INTERVAL_MS = 1500;

/**
 * Decides after each step whether to make a preview, and makes it: a data URL (WebP) or undefined
 * when this step gets none. `predOriginal` holds one model-sized latent per branch; the last branch
 * is the one being made (an edit's, after its source's). `lead`, when it has a preview for a step
 * (/imagine's layout), is shown instead and counts as the last preview, so the next decoded one
 * leaves it up for MIN_PREVIEW_INTERVAL_MS.
 */
export function previewMaker(diffusion: Diffusion, now: () => number = () => performance.now(), lead?: () => string | undefined): (progress: StepProgress) => Promise<string | undefined> {
  const latentSize = diffusion.latentShape.reduce((a, b) => a * b, 1);
  let last = -Infinity;
  return async ({ step, total, predOriginal }) => {
    const led = lead?.();
    if (led !== undefined) {
      last = now();
      return led;
    }
    const every = Math.max(1, Math.ceil(total / (PREVIEWS_PER_RUN + 1)));
    if (step >= total || step % every !== 0 || now() - last < MIN_PREVIEW_INTERVAL_MS) return undefined;
    if (predOriginal.length < latentSize || predOriginal.length % latentSize !== 0) return undefined;
    last = now();
    const latent = predOriginal.subarray(predOriginal.length - latentSize);
    const { pixels, width, height } = tensorToRgb(await diffusion.decode(latent));
    return thumbnail(pixels, width, height);
  };
}

/**
 * A layout (flat colours on a coarse grid) → a lossless WebP data URL, marked as a layout, upscaled
 * by nearest neighbour to PREVIEW_SIDE; undefined if it doesn't fit a job event.
 */
export async function layoutThumbnail(rgb: Uint8Array, width: number, height: number): Promise<string | undefined> {
  const webp = await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside', kernel: 'nearest' }).webp({ lossless: true }).toBuffer();
  const url = `data:image/webp;${LAYOUT_PREVIEW_PARAMETER};base64,${webp.toString('base64')}`;
  return Buffer.byteLength(url) <= MAX_PREVIEW_BYTES ? url : undefined;
}

/** RGB pixels → a WebP data URL of at most PREVIEW_SIDE a side that fits a job event; undefined if none fits. */
export async function thumbnail(rgb: Uint8Array, width: number, height: number): Promise<string | undefined> {
  const resized = sharp(rgb, { raw: { width, height, channels: 3 } }).resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside', withoutEnlargement: true });
  for (const quality of [60, 35, 15]) {
    const webp = await resized.clone().webp({ quality }).toBuffer();
    const url = `data:image/webp;base64,${webp.toString('base64')}`;
    if (Buffer.byteLength(url) <= MAX_PREVIEW_BYTES) return url;
  }
  return undefined;
}
