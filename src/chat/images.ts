// Images people upload: checked, decoded and normalised to PNG with sharp (src/store/images.ts
// keeps them).
import sharp, { type Metadata } from 'sharp';
import type { NormalisedImage } from '../store/images.ts';
import type { Attachment } from './messages.ts';

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const MAX_SIDE_PIXELS = 4096;
const ACCEPTED_FORMATS: Record<string, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', gif: 'GIF' };

export type NormaliseResult = { ok: true; image: NormalisedImage } | { ok: false; reason: string };

/** Validates an upload and turns it into a PNG (first frame of a GIF, EXIF rotation applied). */
export async function normaliseUpload(attachment: Attachment): Promise<NormaliseResult> {
  const { data } = attachment;
  if (data.length === 0) return { ok: false, reason: 'the file is empty' };
  if (data.length > MAX_UPLOAD_BYTES) {
    return { ok: false, reason: `it is larger than the ${formatBytes(MAX_UPLOAD_BYTES)} limit (${formatBytes(data.length)})` };
  }
  let metadata: Metadata;
  try {
    metadata = await sharp(data).metadata();
  } catch {
    return { ok: false, reason: 'it is not an image (send a PNG, JPEG, WebP or GIF)' };
  }
  const sourceFormat = ACCEPTED_FORMATS[metadata.format];
  if (sourceFormat === undefined) {
    return { ok: false, reason: `${metadata.format.toUpperCase()} images are not supported (send a PNG, JPEG, WebP or GIF)` };
  }
  const { width, height } = metadata.autoOrient;
  if (width > MAX_SIDE_PIXELS || height > MAX_SIDE_PIXELS) {
    return { ok: false, reason: `it is ${width}×${height} pixels; the limit is ${MAX_SIDE_PIXELS} pixels per side` };
  }
  try {
    const { data: png, info } = await sharp(data, { pages: 1 }).autoOrient().png().toBuffer({ resolveWithObject: true });
    return { ok: true, image: { png, width: info.width, height: info.height, sourceFormat, frames: metadata.pages ?? 1 } };
  } catch {
    return { ok: false, reason: `the ${sourceFormat} file is damaged and cannot be decoded` };
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [amount, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${amount.toFixed(1).replace(/\.0$/, '')} ${unit}`;
}
