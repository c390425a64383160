// What Discord tells us about who wrote, where, and which files came along, in the chat layer's
// terms: senders with their moderation right, workspaces, downloaded attachments, and the message a
// reply refers to.
import {
  DiscordAPIError,
  PermissionFlagsBits,
  RESTJSONErrorCodes,
  type Attachment as DiscordAttachment,
  type Client,
  type Guild,
  type GuildMember,
  type Message,
  type User,
} from 'discord.js';
import { formatBytes, MAX_UPLOAD_BYTES } from '../../chat/images.ts';
import { escapeMarkdown } from '../../chat/markdown.ts';
import type { Attachment, ReferencedMessage, Sender } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const DOWNLOAD_TIMEOUT_MS = 30_000;

export function workspaceOf(guild: Guild | null, guildId: string): { externalId: string; name: string } {
  return { externalId: guildId, name: guild?.name ?? `Discord server ${guildId}` };
}

export function senderOf(user: User, member: GuildMember | null, isAdmin: boolean): Sender {
  return { externalId: user.id, displayName: member?.displayName ?? user.globalName ?? user.username, isAdmin };
}

/** Manage Messages, as the permissions an interaction carries (already computed for its channel). */
export function canModerate(permissions: { has(flag: bigint): boolean } | null): boolean {
  return permissions?.has(PermissionFlagsBits.ManageMessages) ?? false;
}

/** A file too large to take, left undownloaded so the reply can say so. */
export interface RefusedFile {
  filename: string;
  size: number;
}

/**
 * Downloads a message's (or a command option's) files for the chat layer, which inspects the bytes
 * itself. Files over the upload limit are not fetched at all.
 */
export async function downloadAttachments(
  attachments: Iterable<DiscordAttachment>,
  logger: Logger,
  filter: (attachment: DiscordAttachment) => boolean = () => true,
): Promise<{ files: Attachment[]; tooLarge: RefusedFile[] }> {
  const files: Attachment[] = [];
  const tooLarge: RefusedFile[] = [];
  for (const attachment of attachments) {
    if (!filter(attachment)) continue;
    if (attachment.size > MAX_UPLOAD_BYTES) {
      tooLarge.push({ filename: attachment.name, size: attachment.size });
      continue;
    }
    const data = await download(attachment.url, logger);
    if (data === undefined) continue;
    if (data.length > MAX_UPLOAD_BYTES) {
      tooLarge.push({ filename: attachment.name, size: data.length });
      continue;
    }
    files.push({ filename: attachment.name, contentType: attachment.contentType ?? undefined, data });
  }
  return { files, tooLarge };
}

export function isImageAttachment(attachment: DiscordAttachment): boolean {
  const type = attachment.contentType?.split(';')[0]?.trim().toLowerCase();
  return type !== undefined && IMAGE_TYPES.has(type);
}

async function download(url: string, logger: Logger): Promise<Buffer | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!response.ok || response.body === null) {
      logger.warn({ url, status: response.status }, 'could not download an attachment');
      return undefined;
    }
    // Read at most one byte past the limit: enough to know it is too large.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      chunks.push(Buffer.from(chunk));
      size += chunk.length;
      if (size > MAX_UPLOAD_BYTES) {
        await response.body.cancel().catch(() => undefined);
        break;
      }
    }
    return Buffer.concat(chunks);
  } catch (error) {
    logger.warn({ err: error, url }, 'could not download an attachment');
    return undefined;
  }
}

/**
 * The message `messageId` in `channelId` with its images downloaded, or `missing` when Discord says
 * it no longer exists. Undefined when it could not be read for another reason (no access, outage).
 */
export async function referencedMessage(
  client: Client,
  channelId: string,
  messageId: string,
  logger: Logger,
): Promise<ReferencedMessage | undefined> {
  let message: Message;
  try {
    const channel = await client.channels.fetch(channelId);
    if (channel === null || !channel.isTextBased()) return undefined;
    // Not from the cache: it may be stale, and Discord's attachment URLs are signed and expire.
    message = await channel.messages.fetch({ message: messageId, force: true });
  } catch (error) {
    if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMessage) {
      return { messageId, attachments: [], missing: true };
    }
    logger.warn({ err: error, channelId, messageId }, 'could not read the message replied to');
    return undefined;
  }
  const { files } = await downloadAttachments(message.attachments.values(), logger, isImageAttachment);
  return { messageId, attachments: files };
}

/** The reference of a reply, resolved; undefined for messages that reply to nothing. */
export async function replyTarget(client: Client, message: Message, logger: Logger): Promise<ReferencedMessage | undefined> {
  const reference = message.reference;
  if (reference?.messageId === undefined) return undefined;
  const found = await referencedMessage(client, reference.channelId, reference.messageId, logger);
  // Unreadable is not the same as deleted; the chat layer still gets the id to look up.
  return found ?? { messageId: reference.messageId, attachments: [] };
}

export function describeTooLarge(files: RefusedFile[]): string {
  const names = files.map((file) => `**${escapeMarkdown(file.filename)}** (${formatBytes(file.size)})`).join(', ');
  return `I did not take ${names}: images may be at most ${formatBytes(MAX_UPLOAD_BYTES)}.`;
}
