// A message that answers another one ("make it blue" as a reply to a picture) is about that
// message's image: the last one the bot recorded it showing (the "after" of a before/after reply),
// else the first readable image the platform could download from it.
import type { PrismaClient } from '../store/database.ts';
import { escapeMarkdown } from './markdown.ts';
import { normaliseUpload } from './images.ts';
import type { NormalisedImage, StoredImage } from '../store/images.ts';
import type { Platform, ReferencedMessage } from './messages.ts';
import { lastShownImage } from './shown-images.ts';

export type RepliedImage =
  | { kind: 'recorded'; image: StoredImage }
  /** Not stored yet: store it only once the instruction turns out to be usable. */
  | { kind: 'attachment'; image: NormalisedImage; filename: string }
  | { kind: 'missing' }
  | { kind: 'none'; problems: string[] };

export const REPLIED_MESSAGE_DELETED =
  'The message you replied to has been deleted, so I can no longer see its image. Reply to a message that still shows one, or attach the image to `/edit`.';

export function noImageReply(problems: readonly string[]): string {
  const why = problems.length > 0 ? ` (I could not read its files: ${problems.join('; ')})` : '';
  return `The message you replied to has no image I can edit${why}. Reply to a message that shows an image with what to change, or type \`/help\` to see the commands.`;
}

export const ASK_WHAT_TO_CHANGE =
  'What should I change in that image? Reply to it again with an instruction, e.g. "make the star blue".';

/** Finds the image a reply is about; reads only (nothing is stored here). */
export async function findRepliedImage(prisma: PrismaClient, platform: Platform, replyTo: ReferencedMessage): Promise<RepliedImage> {
  if (replyTo.missing) return { kind: 'missing' };
  const recordedId = await lastShownImage(prisma, platform, replyTo.messageId);
  if (recordedId !== undefined) {
    const row = await prisma.image.findUnique({
      where: { id: recordedId },
      select: { id: true, blobHash: true, width: true, height: true, blob: { select: { size: true } } },
    });
    if (row) {
      const image: StoredImage = { id: row.id, blobHash: row.blobHash, width: row.width, height: row.height, size: row.blob.size, sourceFormat: 'PNG', alreadyStored: true };
      return { kind: 'recorded', image };
    }
  }
  const problems: string[] = [];
  for (const attachment of replyTo.attachments) {
    const result = await normaliseUpload(attachment);
    if (result.ok) return { kind: 'attachment', image: result.image, filename: attachment.filename };
    problems.push(`**${escapeMarkdown(attachment.filename)}**: ${result.reason}`);
  }
  return { kind: 'none', problems };
}
