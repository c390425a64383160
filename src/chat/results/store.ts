// Results as the buttons under them find them: the Edit row a button names (its plan, source and
// parent), and a user's latest image.
import { EditPlan } from '../../plan/index.ts';
import type { PrismaClient } from '../../store/database.ts';
import { lastOwnImageShownTo } from '../shown-images.ts';

export interface StoredResult {
  editId: string;
  /** Who asked for it. */
  userId: string;
  plan: EditPlan;
  /** The image it was made from (undefined for a drawing, or when that image was deleted). */
  sourceImageId: string | undefined;
  /** The edit that made the source image. */
  parentEditId: string | undefined;
  /** The result image and its owner. */
  image: { id: string; ownerId: string; ownerName: string };
}

export type ResultLookup =
  | { kind: 'found'; result: StoredResult }
  | { kind: 'missing' | 'deleted' | 'outdated' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/** The result an Edit row describes, or why there is none to act on. */
export async function findResult(prisma: PrismaClient, editId: string): Promise<ResultLookup> {
  const edit = await prisma.edit.findUnique({
    where: { id: editId },
    select: {
      userId: true,
      plan: true,
      sourceImageId: true,
      parentId: true,
      resultImage: { select: { id: true, ownerId: true, owner: { select: { displayName: true } } } },
    },
  });
  if (!edit) return { kind: 'missing' };
  if (!edit.resultImage) return { kind: 'deleted' };
  const plan = EditPlan.safeParse(edit.plan);
  if (!plan.success) return { kind: 'outdated' };
  return {
    kind: 'found',
    result: {
      editId,
      userId: edit.userId,
      plan: plan.data,
      sourceImageId: edit.sourceImageId ?? undefined,
      parentEditId: edit.parentId ?? undefined,
      image: { id: edit.resultImage.id, ownerId: edit.resultImage.ownerId, ownerName: edit.resultImage.owner.displayName },
    },
  };
}

/**
 * The user's latest image: the newer of their newest image (an upload or a result of the bot) and
 * the image of theirs the bot last showed them in answer to them (Undo brings back the parent, and
 * that is what they go on editing, not the result they undid).
 */
export async function latestImageOf(prisma: PrismaClient, userId: string): Promise<string | undefined> {
  const [newest, shown] = await Promise.all([
    prisma.image.findFirst({ where: { ownerId: userId }, orderBy: { createdAt: 'desc' }, select: { id: true, createdAt: true } }),
    lastOwnImageShownTo(prisma, userId),
  ]);
  if (shown && (!newest || shown.shownAt >= newest.createdAt)) return shown.imageId;
  return newest?.id;
}

/** The image a command works on: the one attached to the message (or replied to), else the user's latest. */
export async function attachedOrLatestImage(context: { images: readonly { id: string }[]; prisma: PrismaClient; user: { id: string } }): Promise<string | undefined> {
  return context.images[0]?.id ?? (await latestImageOf(context.prisma, context.user.id));
}

/** What an image the bot made shows: its plan's last full prompt, else the caption it started from. */
export function promptOf(plan: EditPlan): string | undefined {
  for (const step of [...plan.steps].reverse()) if (step.params.prompt) return step.params.prompt;
  return plan.source.caption;
}

/** Whether the plan draws a new image (/imagine) rather than editing one. */
export function isDrawing(plan: EditPlan): boolean {
  return plan.steps[0]?.edit === 'generate';
}
