// Which images a chat message showed (table message_images): an upload's stored images under the
// message's id, a reply of the bot's under the id ReplyChannel.send returned. A later reply to that
// message then knows which image it is about. Each record also names the user it was shown to (the
// uploader, or the person whose message or button press the reply answered), which makes the image
// a reply showed them last their latest image.
import type { PrismaClient } from '../store/database.ts';
import type { Platform } from './messages.ts';

/**
 * Records the images `messageId` shows, in order, as shown to `userId` (when the message answers
 * someone); replaces what was recorded for it before (an edited reply).
 */
export async function recordShownImages(
  prisma: PrismaClient,
  platform: Platform,
  messageId: string,
  imageIds: readonly string[],
  userId?: string | undefined,
): Promise<void> {
  await prisma.$transaction([
    prisma.messageImage.deleteMany({ where: { platform, messageId } }),
    prisma.messageImage.createMany({ data: imageIds.map((imageId, position) => ({ platform, messageId, position, imageId, userId: userId ?? null })) }),
  ]);
}

/** The last image the message showed (the "after" of a before/after reply), or undefined. */
export async function lastShownImage(prisma: PrismaClient, platform: Platform, messageId: string): Promise<string | undefined> {
  const row = await prisma.messageImage.findFirst({
    where: { platform, messageId },
    orderBy: { position: 'desc' },
    select: { imageId: true },
  });
  return row?.imageId;
}

/**
 * The image of their own a message showed `userId` most recently, and when: only the last image of
 * each message counts (the "after" of a before/after reply, not the "before").
 */
export async function lastOwnImageShownTo(prisma: PrismaClient, userId: string): Promise<{ imageId: string; shownAt: Date } | undefined> {
  const [row] = await prisma.$queryRaw<Array<{ imageId: string; shownAt: Date }>>`
    SELECT shown.image_id AS "imageId", shown.created_at AS "shownAt"
    FROM message_images shown
    JOIN images ON images.id = shown.image_id
    WHERE shown.user_id = ${userId}::uuid
      AND images.owner_id = ${userId}::uuid
      AND shown.position = (
        SELECT max(other.position) FROM message_images other
        WHERE other.platform = shown.platform AND other.message_id = shown.message_id
      )
    ORDER BY shown.created_at DESC
    LIMIT 1`;
  return row;
}
