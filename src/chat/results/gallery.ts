// A workspace's gallery: results saved by their owners (the Image row and its bytes, with the edit
// and plan that made it), listed by score or date, and voted on: one vote per person per entry,
// the entry's score always the sum of its Vote rows.
import { describePlan, EditPlan } from '../../plan/index.ts';
import type { PrismaClient } from '../../store/database.ts';
import { escapeMarkdown } from '../markdown.ts';
import type { Platform, Reply } from '../messages.ts';
import { recordParticipants } from '../participants.ts';
import { promptOf } from './store.ts';

export const GALLERY_VIEWS = ['top', 'recent', 'mine'] as const;
export type GalleryView = (typeof GALLERY_VIEWS)[number];

export type SaveOutcome =
  | { kind: 'saved'; entryId: string }
  | { kind: 'already-saved'; entryId: string }
  | { kind: 'missing' }
  | { kind: 'not-owner'; ownerName: string };

/** Saves the result of `editId` to the workspace's gallery, once; only its owner may. */
export async function saveToGallery(prisma: PrismaClient, request: { editId: string; userId: string; workspaceId: string }): Promise<SaveOutcome> {
  return prisma.$transaction(async (tx) => {
    const edit = await tx.edit.findUnique({
      where: { id: request.editId },
      select: { plan: true, resultImage: { select: { id: true, ownerId: true, owner: { select: { displayName: true } } } } },
    });
    const image = edit?.resultImage;
    if (!edit || !image) return { kind: 'missing' };
    if (image.ownerId !== request.userId) return { kind: 'not-owner', ownerName: image.owner.displayName };
    // Two presses at once must not make two entries: one saver per image and workspace at a time.
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`gallery:${request.workspaceId}:${image.id}`}))`;
    const existing = await tx.galleryEntry.findFirst({ where: { workspaceId: request.workspaceId, imageId: image.id }, select: { id: true } });
    if (existing) return { kind: 'already-saved', entryId: existing.id };
    const plan = EditPlan.safeParse(edit.plan);
    const title = (plan.success ? promptOf(plan.data) : undefined) ?? '';
    const entry = await tx.galleryEntry.create({
      data: { workspaceId: request.workspaceId, authorId: image.ownerId, imageId: image.id, editId: request.editId, title: title.slice(0, 200), plan: edit.plan ?? undefined },
      select: { id: true },
    });
    return { kind: 'saved', entryId: entry.id };
  });
}

export interface GalleryEntryView {
  id: string;
  workspaceId: string;
  imageId: string;
  title: string;
  score: number;
  authorName: string;
  plan: EditPlan | undefined;
}

const ENTRY_SELECT = {
  id: true,
  workspaceId: true,
  imageId: true,
  title: true,
  score: true,
  plan: true,
  author: { select: { displayName: true } },
} as const;

type EntryRow = { id: string; workspaceId: string; imageId: string; title: string; score: number; plan: unknown; author: { displayName: string } };

function view(row: EntryRow): GalleryEntryView {
  const plan = EditPlan.safeParse(row.plan);
  return { id: row.id, workspaceId: row.workspaceId, imageId: row.imageId, title: row.title, score: row.score, authorName: row.author.displayName, plan: plan.success ? plan.data : undefined };
}

export async function findEntry(prisma: PrismaClient, entryId: string): Promise<GalleryEntryView | undefined> {
  const row = await prisma.galleryEntry.findUnique({ where: { id: entryId }, select: ENTRY_SELECT });
  return row ? view(row) : undefined;
}

/** One page of the workspace's gallery: by score, newest first, or the user's own. */
export async function listEntries(
  prisma: PrismaClient,
  request: { workspaceId: string; userId: string; view: GalleryView; offset: number; limit: number },
): Promise<{ entries: GalleryEntryView[]; total: number }> {
  const where = { workspaceId: request.workspaceId, ...(request.view === 'mine' ? { authorId: request.userId } : {}) };
  const orderBy =
    request.view === 'top'
      ? [{ score: 'desc' as const }, { createdAt: 'desc' as const }, { id: 'asc' as const }]
      : [{ createdAt: 'desc' as const }, { id: 'asc' as const }];
  const [rows, total] = await Promise.all([
    prisma.galleryEntry.findMany({ where, orderBy, skip: request.offset, take: request.limit, select: ENTRY_SELECT }),
    prisma.galleryEntry.count({ where }),
  ]);
  return { entries: rows.map(view), total };
}

/** How an entry is shown: its image, title, author, score and plan, with 👍 and Remix buttons. */
export function entryReply(entry: GalleryEntryView): Reply {
  const title = entry.title ? `**${escapeMarkdown(entry.title)}**` : '**Untitled**';
  const lines = [`${title} by ${escapeMarkdown(entry.authorName)} · 👍 ${entry.score}`];
  if (entry.plan) lines.push('', describePlan(entry.plan));
  return {
    text: lines.join('\n'),
    images: [{ imageId: entry.imageId, alt: entry.title || 'gallery entry' }],
    // Browsing the gallery doesn't change what your /edit or Remix works on.
    browse: true,
    buttons: [
      { id: `gallery:vote:${entry.id}`, label: `👍 ${entry.score}` },
      { id: `gallery:remix:${entry.id}`, label: 'Remix' },
    ],
  };
}

export type VoteChange = 'toggle' | 'add' | 'remove';

export interface VoteOutcome {
  /** Whether the user's vote is on the entry now. */
  voted: boolean;
  /** Whether this call changed anything (adding a vote already there does not). */
  changed: boolean;
  score: number;
}

/**
 * Adds, removes or toggles the user's vote and sets the entry's score to the sum of its votes, in
 * one transaction holding the entry's row lock, so concurrent votes can't leave the score off.
 * Undefined when the entry doesn't exist.
 */
export async function changeVote(prisma: PrismaClient, entryId: string, userId: string, change: VoteChange): Promise<VoteOutcome | undefined> {
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM gallery_entries WHERE id = ${entryId}::uuid FOR UPDATE`;
    if (locked.length === 0) return undefined;
    const existing = await tx.vote.findUnique({ where: { entryId_userId: { entryId, userId } }, select: { value: true } });
    const voted = change === 'toggle' ? !existing : change === 'add';
    if (voted && !existing) await tx.vote.create({ data: { entryId, userId, value: 1 } });
    if (!voted && existing) await tx.vote.delete({ where: { entryId_userId: { entryId, userId } } });
    const [sum] = await tx.$queryRaw<Array<{ score: number }>>`SELECT COALESCE(SUM(value), 0)::int AS score FROM votes WHERE entry_id = ${entryId}::uuid`;
    const score = sum?.score ?? 0;
    await tx.galleryEntry.update({ where: { id: entryId }, data: { score } });
    return { voted, changed: voted !== Boolean(existing), score };
  });
}

export type ReactionVote =
  | ({ kind: 'voted'; entryId: string } & VoteOutcome)
  /** The message shows no gallery entry of this workspace (or the entry is gone). */
  | { kind: 'no-entry' }
  /** The message shows several entries; a reaction can't say which one it means. */
  | { kind: 'ambiguous'; entryIds: string[] };

/**
 * For adapters: a 👍 reaction added to (or removed from) a message of the bot counts as a vote for
 * the gallery entry that message shows. The message's images come from message_images (recorded
 * when the message was sent); the entry is the one of those images saved in this workspace.
 */
export async function voteFromReaction(
  prisma: PrismaClient,
  reaction: {
    platform: Platform;
    workspace: { externalId: string; name: string };
    /** The platform's id of the message reacted to. */
    messageId: string;
    user: { externalId: string; displayName: string };
    action: 'add' | 'remove';
  },
): Promise<ReactionVote> {
  const shown = await prisma.messageImage.findMany({ where: { platform: reaction.platform, messageId: reaction.messageId }, select: { imageId: true } });
  if (shown.length === 0) return { kind: 'no-entry' };
  const { workspace, user } = await recordParticipants(prisma, reaction);
  const entries = await prisma.galleryEntry.findMany({ where: { workspaceId: workspace.id, imageId: { in: shown.map((s) => s.imageId) } }, select: { id: true } });
  if (entries.length === 0) return { kind: 'no-entry' };
  if (entries.length > 1) return { kind: 'ambiguous', entryIds: entries.map((e) => e.id) };
  const entryId = entries[0]!.id;
  const outcome = await changeVote(prisma, entryId, user.id, reaction.action);
  return outcome ? { kind: 'voted', entryId, ...outcome } : { kind: 'no-entry' };
}
