// What a concept looks like, as pictures (sharp): the small thumbnails a dictionary keeps of its
// build's pictures, a grid of a search's features' top images, and a heat map drawn over a picture.
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { CONCEPT_PICTURES } from '../config/limits.ts';
import type { RgbImage } from '../support/image.ts';

const GAP = 4;
const BACKGROUND = { r: 255, g: 255, b: 255, alpha: 1 };
/** Opacity of the hottest cell: the picture stays visible under it. */
const HEAT_OPACITY = 0.8;

/** One picture as a stored thumbnail: WebP, `thumbnailSide` square. */
export async function thumbnail(image: RgbImage, side: number = CONCEPT_PICTURES.thumbnailSide): Promise<Uint8Array> {
  const webp = await raw(image).resize(side, side, { fit: 'fill' }).webp({ quality: 85 }).toBuffer();
  return new Uint8Array(webp);
}

export interface Picture {
  png: Buffer;
  width: number;
  height: number;
}

/** Rows of thumbnails (one row per feature) as one PNG, each thumbnail drawn at `side`; a missing one is left blank. */
export async function thumbnailGrid(rows: readonly (readonly (Uint8Array | undefined)[])[], side: number = CONCEPT_PICTURES.shownSide): Promise<Picture> {
  const columns = Math.max(1, ...rows.map((r) => r.length));
  const width = columns * side + (columns + 1) * GAP;
  const height = Math.max(1, rows.length) * side + (Math.max(1, rows.length) + 1) * GAP;
  const tiles: OverlayOptions[] = [];
  for (const [y, row] of rows.entries()) {
    for (const [x, picture] of row.entries()) {
      if (!picture) continue;
      const input = await sharp(picture).resize(side, side, { fit: 'fill', kernel: 'nearest' }).png().toBuffer();
      tiles.push({ input, left: GAP + x * (side + GAP), top: GAP + y * (side + GAP) });
    }
  }
  const png = await sharp({ create: { width, height, channels: 4, background: BACKGROUND } }).composite(tiles).png().toBuffer();
  return { png, width, height };
}

/**
 * `heat` (`height`×`width` cells in [0, 1]) drawn over the picture: transparent where cold, red where
 * hot, smoothly upscaled; the picture scaled up to at least `minSide` so a small one stays legible.
 */
export async function heatOverlay(image: RgbImage, heat: Float32Array, height: number, width: number, minSide: number = CONCEPT_PICTURES.heatmapSide): Promise<Picture> {
  if (heat.length !== height * width) throw new RangeError(`heatOverlay: a ${width}×${height} map has ${width * height} cells, got ${heat.length}`);
  const scale = Math.max(1, Math.ceil(minSide / Math.max(image.width, image.height)));
  const outWidth = image.width * scale, outHeight = image.height * scale;
  const rgba = new Uint8Array(height * width * 4);
  for (let i = 0; i < heat.length; i++) {
    rgba[i * 4] = 255;
    rgba[i * 4 + 3] = Math.round(Math.min(1, Math.max(0, heat[i] as number)) * HEAT_OPACITY * 255);
  }
  const layer = await sharp(rgba, { raw: { width, height, channels: 4 } }).resize(outWidth, outHeight, { fit: 'fill', kernel: 'cubic' }).png().toBuffer();
  const png = await raw(image).resize(outWidth, outHeight, { fit: 'fill', kernel: 'nearest' }).composite([{ input: layer }]).png().toBuffer();
  return { png, width: outWidth, height: outHeight };
}

function raw(image: RgbImage): Sharp {
  return sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength), { raw: { width: image.width, height: image.height, channels: 3 } });
}
