// The web chat's conversations in Postgres (web_chat_messages), one per browser: what the person
// sent and every reply as last shown, so a reload or a restart brings them back, and the ids stay
// those message_images knows, so an old picture can still be replied to and its buttons pressed.
import type { Reply } from '../chat/messages.ts';
import type { PrismaClient } from '../store/database.ts';

/** A reply as stored: the chat's Reply without what only matters on the wire. */
export interface StoredReply {
  text: string;
  images: Array<{ imageId: string; alt: string; label?: string }>;
  buttons: Array<{ id: string; label: string }>;
  /** A data URL of the latest work-in-progress picture, while there is one. */
  preview?: string;
}

/** What the person sent: their text, the names of the files they attached, and the message they replied to. */
export interface PersonMessage {
  text: string;
  files?: string[];
  replyTo?: { id: string; label: string };
}

export type HistoryItem =
  | { id: string; author: 'bot'; inReplyTo: string | null; reply: StoredReply }
  | { id: string; author: 'person'; message: PersonMessage; imageIds: string[] };

/** How many messages a page gets back (the newest). */
export const HISTORY_LIMIT = 300;

export function storedReply(reply: Reply): StoredReply {
  return {
    text: reply.text,
    images: (reply.images ?? []).map((image) => ({ imageId: image.imageId, alt: image.alt, ...(image.label ? { label: image.label } : {}) })),
    buttons: reply.buttons ?? [],
    ...(reply.preview ? { preview: `data:${reply.preview.mediaType};base64,${reply.preview.data.toString('base64')}` } : {}),
  };
}

export class ChatHistory {
  constructor(private readonly prisma: PrismaClient) {}

  async addPersonMessage(conversationId: string, id: string, message: PersonMessage): Promise<void> {
    await this.prisma.webChatMessage.create({ data: { id, conversationId, author: 'person', content: { ...message } } });
  }

  async addReply(conversationId: string, id: string, inReplyTo: string, reply: StoredReply): Promise<void> {
    await this.prisma.webChatMessage.create({ data: { id, conversationId, author: 'bot', inReplyTo, content: { ...reply } } });
  }

  /** Replaces a reply's content; returns its conversation, or undefined when there is no such reply. */
  async updateReply(id: string, reply: StoredReply): Promise<string | undefined> {
    const updated = await this.prisma.webChatMessage.updateManyAndReturn({
      where: { id, author: 'bot' },
      data: { content: { ...reply }, updatedAt: new Date() },
      select: { conversationId: true },
    });
    return updated[0]?.conversationId;
  }

  /** The conversation's newest messages, oldest first, with the images each message of the person's was stored as. */
  async list(conversationId: string, limit = HISTORY_LIMIT): Promise<HistoryItem[]> {
    const rows = (
      await this.prisma.webChatMessage.findMany({ where: { conversationId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit })
    ).reverse();
    const personIds = rows.filter((row) => row.author === 'person').map((row) => row.id);
    const shown = personIds.length
      ? await this.prisma.messageImage.findMany({ where: { platform: 'local', messageId: { in: personIds } }, orderBy: { position: 'asc' }, select: { messageId: true, imageId: true } })
      : [];
    return rows.map((row): HistoryItem => {
      if (row.author === 'bot') return { id: row.id, author: 'bot', inReplyTo: row.inReplyTo, reply: row.content as unknown as StoredReply };
      const imageIds = shown.filter((s) => s.messageId === row.id).map((s) => s.imageId);
      return { id: row.id, author: 'person', message: row.content as unknown as PersonMessage, imageIds };
    });
  }

  /** Forgets a conversation (the page's "New conversation"). */
  async clear(conversationId: string): Promise<number> {
    return (await this.prisma.webChatMessage.deleteMany({ where: { conversationId } })).count;
  }
}
