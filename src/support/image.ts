// A plain RGB image value, PNG encoding/decoding through sharp, and pixel comparisons.
import sharp from 'sharp';

export interface RgbImage {
  width: number;
  height: number;
  /** HWC, 3 bytes per pixel. */
  rgb: Uint8Array;
}

export async function toPng(image: RgbImage): Promise<Buffer> {
  return sharp(Buffer.from(image.rgb.buffer, image.rgb.byteOffset, image.rgb.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .png()
    .toBuffer();
}

/** A single-channel mask (0–255) as a greyscale PNG. */
export async function maskToPng(mask: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(mask.buffer, mask.byteOffset, mask.byteLength), { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

/** Decodes any image sharp reads into RGB (alpha dropped), optionally resized to a square size. */
export async function fromImageFile(input: Buffer | string, size?: number): Promise<RgbImage> {
  let pipeline = sharp(input).removeAlpha().toColourspace('srgb');
  if (size !== undefined) pipeline = pipeline.resize(size, size, { fit: 'fill' });
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { width: info.width, height: info.height, rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/**
 * Peak signal-to-noise ratio (dB) between two images of the same size over the pixels where
 * `include(pixelIndex)` is true; Infinity when they are identical there, NaN when no pixel counts.
 */
export function psnr(a: RgbImage, b: RgbImage, include: (pixel: number) => boolean = () => true): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error('psnr: images differ in size');
  let sum = 0;
  let count = 0;
  const pixels = a.width * a.height;
  for (let p = 0; p < pixels; p++) {
    if (!include(p)) continue;
    for (let c = 0; c < 3; c++) {
      const d = (a.rgb[p * 3 + c] as number) - (b.rgb[p * 3 + c] as number);
      sum += d * d;
    }
    count += 3;
  }
  if (count === 0) return Number.NaN;
  if (sum === 0) return Infinity;
  return 10 * Math.log10((255 * 255) / (sum / count));
}
