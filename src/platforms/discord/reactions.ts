// 👍 reactions as gallery votes: adding one to a message that shows a gallery entry votes for it,
// removing it takes the vote back, and the entry's own message (a /gallery message) is edited to
// show the new score. Reactions reach the bot even on messages it no longer has cached (partials),
// so the message, the reaction and the person may arrive as little more than their ids.
import {
  ComponentType,
  type Client,
  type Message,
  type MessageReaction,
  type PartialMessage,
  type PartialMessageReaction,
  type PartialUser,
  type User,
} from 'discord.js';
import { mayShowVote, type RateLimit } from '../../chat/rate-limit.ts';
import { entryReply, findEntry, voteFromReaction } from '../../chat/results/gallery.ts';
import type { Logger } from '../../log.ts';
import type { PrismaClient } from '../../store/database.ts';
import { senderOf, workspaceOf } from './incoming.ts';
import type { Renderer } from './outgoing.ts';

export interface ReactionContext {
  client: Client<true>;
  prisma: PrismaClient;
  render: Renderer;
  logger: Logger;
  rateLimit?: RateLimit | undefined;
}

export type ReactionAction = 'add' | 'remove';

/** 👍 in any skin tone; a custom server emoji (it has an id) is never one. */
const THUMBS_UP = /^\u{1F44D}[\u{1F3FB}-\u{1F3FF}]?$/u;

export function isThumbsUp(emoji: { id: string | null; name: string | null }): boolean {
  return emoji.id === null && emoji.name !== null && THUMBS_UP.test(emoji.name);
}

export async function handleReaction(
  reaction: MessageReaction | PartialMessageReaction,
  reactor: User | PartialUser,
  action: ReactionAction,
  context: ReactionContext,
): Promise<void> {
  const { logger } = context;
  const message = reaction.message;
  const ignore = (reason: string) => logger.debug({ messageId: message.id, emoji: reaction.emoji.name, action, reason }, 'reaction ignored');
  if (!isThumbsUp(reaction.emoji)) return ignore('not 👍');
  if (message.guildId === null) return ignore('not in a server');
  // A removal names only the person's id; whether they are a bot needs their user.
  const user = reactor.partial ? await reactor.fetch() : reactor;
  if (user.bot) return ignore('by a bot');

  const member = message.guild?.members.cache.get(user.id) ?? null;
  const outcome = await voteFromReaction(context.prisma, {
    platform: 'discord',
    workspace: workspaceOf(message.guild, message.guildId),
    messageId: message.id,
    user: senderOf(user, member, false),
    action,
  });
  const changed = outcome.kind === 'voted' && outcome.changed;
  const rateLimited = changed && !(await mayShowVote(context.rateLimit, { platform: 'discord', user: { externalId: user.id } }));
  const scoreShown = changed && !rateLimited && (await showScore(message, outcome.entryId, context));
  logger.debug({ messageId: message.id, action, outcome, scoreShown, rateLimited }, 'reaction vote');
}

/**
 * Edits the message to show the entry's score, when it is one of the bot's gallery messages for that
 * entry; a 👍 on the original result counts too, but that message keeps its own text and buttons.
 * True when the message was edited.
 */
async function showScore(reacted: Message | PartialMessage, entryId: string, context: ReactionContext): Promise<boolean> {
  try {
    const message = reacted.partial ? await reacted.fetch() : reacted;
    if (message.author.id !== context.client.user.id || !hasButton(message, `gallery:vote:${entryId}`)) return false;
    // Read now rather than taken from the vote: of two quick votes, the later edit shows both.
    const entry = await findEntry(context.prisma, entryId);
    if (!entry) return false;
    // Without files or `attachments`, Discord keeps the image the message already shows.
    const { content, components, allowedMentions } = await context.render({ ...entryReply(entry), images: [] });
    await message.channel.messages.edit(message.id, { content, components, allowedMentions });
    return true;
  } catch (error) {
    context.logger.warn({ err: error, messageId: reacted.id, entryId }, 'could not show the new score on the gallery message');
    return false;
  }
}

function hasButton(message: Message, customId: string): boolean {
  return message.components.some(
    (row) => row.type === ComponentType.ActionRow && row.components.some((component) => component.customId === customId),
  );
}
