// Images people upload: checked, decoded and normalised to PNG with sharp, then stored once per
// distinct content (a Blob keyed by sha256) plus an Image row owned by the uploader.
import { createHash } from 'node:crypto';
import sharp, { type Metadata } from 'sharp';
import type { PrismaClient } from '../store/database.ts';
import type { Attachment } from './messages.ts';

export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const MAX_SIDE_PIXELS = 4096;
const ACCEPTED_FORMATS: Record<string, string> = { png: 'PNG', jpeg: 'JPEG', webp: 'WebP', gif: 'GIF' };

export interface NormalisedImage {
  png: Buffer;
  width: number;
  height: number;
  /** What the upload was, e.g. "JPEG". */
  sourceFormat: string;
  /** Frames of an animation (a GIF or WebP); only the first is kept. 1 (or absent) for a still image. */
  frames?: number;
}

export type NormaliseResult = { ok: true; image: NormalisedImage } | { ok: false; reason: string };

export interface StoredImage {
  id: string;
  blobHash: string;
  width: number;
  height: number;
  /** Bytes of the stored PNG. */
  size: number;
  sourceFormat: string;
  /** Frames the upload had; only the first was kept. */
  frames?: number;
  /** True when this user had already stored the same picture; the earlier row is reused. */
  alreadyStored: boolean;
}

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

export async function storeImage(
  prisma: PrismaClient,
  image: NormalisedImage,
  owner: { userId: string; workspaceId: string },
): Promise<StoredImage> {
  const blobHash = createHash('sha256').update(image.png).digest('hex');
  // ON CONFLICT DO NOTHING: two uploads of the same picture may race; either may create the blob.
  await prisma.blob.createMany({
    data: [{ hash: blobHash, mediaType: 'image/png', size: image.png.length, data: new Uint8Array(image.png) }],
    skipDuplicates: true,
  });
  const described = { blobHash, width: image.width, height: image.height, size: image.png.length, sourceFormat: image.sourceFormat, frames: image.frames };
  const existing = await prisma.image.findFirst({
    where: { blobHash, ownerId: owner.userId },
    select: { id: true },
    orderBy: { createdAt: 'asc' },
  });
  if (existing) return { id: existing.id, ...described, alreadyStored: true };
  const created = await prisma.image.create({
    data: { blobHash, width: image.width, height: image.height, ownerId: owner.userId, workspaceId: owner.workspaceId },
    select: { id: true },
  });
  return { id: created.id, ...described, alreadyStored: false };
}

/** An image's bytes, for serving or attaching; undefined when there is no such image. */
export async function loadImage(
  prisma: PrismaClient,
  imageId: string,
): Promise<{ data: Buffer; mediaType: string } | undefined> {
  const image = await prisma.image.findUnique({
    where: { id: imageId },
    select: { blob: { select: { data: true, mediaType: true } } },
  });
  if (!image) return undefined;
  return { data: Buffer.from(image.blob.data), mediaType: image.blob.mediaType };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const [amount, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / (1024 * 1024), 'MB'];
  return `${amount.toFixed(1).replace(/\.0$/, '')} ${unit}`;
}
