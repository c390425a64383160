// Results of GPU work as the product keeps them: the PNG as a stored Image of its requester, and an
// Edit row holding the plan that made it and its parent, so every result knows where it came from.
import type { EditPlan } from '../plan/index.ts';
import { PLAN_VERSION } from '../plan/index.ts';
import type { PrismaClient } from '../store/database.ts';
import { storeImage } from '../store/images.ts';
import { fromImageFile, toPng, type RgbImage } from '../support/image.ts';

export interface Owner {
  userId: string;
  workspaceId: string;
}

export interface SavedResult {
  imageId: string;
  editId: string;
}

export async function saveResult(
  prisma: PrismaClient,
  image: RgbImage,
  owner: Owner,
  record: { plan: EditPlan; methods: string[]; sourceImageId?: string; parentEditId?: string },
): Promise<SavedResult> {
  const png = await toPng(image);
  const stored = await storeImage(prisma, { png, width: image.width, height: image.height, sourceFormat: 'PNG' }, owner);
  const edit = await prisma.edit.create({
    data: {
      userId: owner.userId,
      workspaceId: owner.workspaceId,
      sourceImageId: record.sourceImageId ?? null,
      resultImageId: stored.id,
      parentId: record.parentEditId ?? null,
      plan: record.plan as object,
      planVersion: PLAN_VERSION,
      methods: record.methods,
    },
    select: { id: true },
  });
  return { imageId: stored.id, editId: edit.id };
}

/** What we know of an image: the plan that made it (its prompt), or nothing for an upload. */
export async function originOf(prisma: PrismaClient, imageId: string): Promise<{ editId: string; plan: EditPlan; sourceImageId?: string; parentEditId?: string } | undefined> {
  const edit = await prisma.edit.findFirst({ where: { resultImageId: imageId }, orderBy: { createdAt: 'desc' }, select: { id: true, plan: true, sourceImageId: true, parentId: true } });
  if (!edit) return undefined;
  return {
    editId: edit.id,
    plan: edit.plan as unknown as EditPlan,
    ...(edit.sourceImageId ? { sourceImageId: edit.sourceImageId } : {}),
    ...(edit.parentId ? { parentEditId: edit.parentId } : {}),
  };
}

/** The image's pixels as RGB, and its Blob hash (what the user's stored inversions of it are keyed by). */
export async function loadRgb(prisma: PrismaClient, imageId: string): Promise<{ image: RgbImage; png: Buffer; blobHash: string } | undefined> {
  const row = await prisma.image.findUnique({ where: { id: imageId }, select: { blobHash: true, blob: { select: { data: true } } } });
  if (!row) return undefined;
  const png = Buffer.from(row.blob.data);
  return { image: await fromImageFile(png), png, blobHash: row.blobHash };
}
