// Pictures in Postgres: stored once per distinct content (a Blob keyed by sha256) plus an Image row
// owned by whoever sent or asked for it, uploads and results alike.
import { createHash } from 'node:crypto';
import type { PrismaClient } from './database.ts';

/** A picture as PNG, ready to keep: an upload after src/chat/images.ts checked it, or a result. */
export interface NormalisedImage {
  png: Buffer;
  width: number;
  height: number;
  /** What the upload was, e.g. "JPEG". */
  sourceFormat: string;
  /** Frames of an animation (a GIF or WebP); only the first is kept. 1 (or absent) for a still image. */
  frames?: number;
}

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
