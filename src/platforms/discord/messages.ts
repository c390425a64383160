// Plain messages (the Message Content intent): the bot answers those that mention it or reply to one
// of its messages, and ignores everything else, other bots and itself included.
import { PermissionFlagsBits, type Client, type Message } from 'discord.js';
import type { Dispatcher } from '../../chat/dispatcher.ts';
import type { IncomingMessage } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';
import { describeTooLarge, downloadAttachments, replyTarget, senderOf, workspaceOf } from './incoming.ts';
import type { Renderer } from './outgoing.ts';
import { messageReplyChannel } from './reply-channels.ts';

export interface MessageContext {
  client: Client<true>;
  dispatcher: Dispatcher;
  render: Renderer;
  logger: Logger;
}

/** True when the message is for the bot: it @-mentions the bot or replies to a message of the bot. */
export function isAddressedToBot(message: Message, botId: string): boolean {
  if (message.author.bot || message.webhookId !== null || message.author.id === botId) return false;
  // Discord puts the author of the message replied to in `referenced_message`; discord.js keeps it as repliedUser.
  return message.mentions.users.has(botId) || message.mentions.repliedUser?.id === botId;
}

export async function handleChannelMessage(message: Message, context: MessageContext): Promise<void> {
  const { client, logger } = context;
  const botId = client.user.id;
  if (!message.inGuild() || !isAddressedToBot(message, botId)) return;
  const channel = messageReplyChannel(message, context.render);
  const downloaded = await downloadAttachments(message.attachments.values(), logger);
  if (downloaded.tooLarge.length > 0) await channel.send({ text: describeTooLarge(downloaded.tooLarge) });
  const incoming: IncomingMessage = {
    id: message.id,
    platform: 'discord',
    workspace: workspaceOf(message.guild, message.guildId),
    channelId: message.channelId,
    user: senderOf(message.author, message.member, mayModerate(message)),
    text: withoutMention(message.content, botId),
    attachments: downloaded.files,
    replyTo: await replyTarget(client, message, logger),
  };
  await context.dispatcher.handleMessage(incoming, channel);
}

function mayModerate(message: Message<true>): boolean {
  try {
    return message.member?.permissionsIn(message.channel).has(PermissionFlagsBits.ManageMessages) ?? false;
  } catch {
    // Roles or channel overwrites not cached: not known to be a moderator.
    return false;
  }
}

export function withoutMention(content: string, botId: string): string {
  return content
    .replace(new RegExp(`<@!?${botId}>`, 'g'), ' ')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
