// Which images a chat message showed (table message_images): an upload's stored images under the
// message's id, a reply of the bot's under the id ReplyChannel.send returned. A later reply to that
// message then knows which image it is about.
import type { PrismaClient } from '../store/database.ts';
import type { Platform } from './messages.ts';

/** Records the images `messageId` shows, in order; replaces what was recorded for it before (an edited reply). */
export async function recordShownImages(prisma: PrismaClient, platform: Platform, messageId: string, imageIds: readonly string[]): Promise<void> {
  await prisma.$transaction([
    prisma.messageImage.deleteMany({ where: { platform, messageId } }),
    prisma.messageImage.createMany({ data: imageIds.map((imageId, position) => ({ platform, messageId, position, imageId })) }),
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
