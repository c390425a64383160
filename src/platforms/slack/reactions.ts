// 👍 reactions as gallery votes (the reaction_added and reaction_removed events): a thumbs-up on a
// message that shows a gallery entry votes for it, removing it takes the vote back, and the entry's
// own message (a /gallery message) is updated with chat.update to show the new score.
import type { webApi } from '@slack/bolt';
import { mayShowVote, type RateLimit } from '../../chat/rate-limit.ts';
import { entryReply, findEntry, voteFromReaction } from '../../chat/results/gallery.ts';
import type { Logger } from '../../log.ts';
import type { PrismaClient } from '../../store/database.ts';
import type { People } from './people.ts';
import { slackMessageId, type SlackReplies } from './replies.ts';

/** What reaction_added and reaction_removed carry that a vote needs. */
export interface ReactionEvent {
  user: string;
  reaction: string;
  /** Slack's types name only messages; older events also named files. */
  item: { type: string; channel?: string; ts?: string };
}

export interface ReactionContext {
  client: webApi.WebClient;
  prisma: PrismaClient;
  replies: SlackReplies;
  people: People;
  botUserId: string | undefined;
  workspace: { externalId: string; name: string };
  logger: Logger;
  rateLimit?: RateLimit | undefined;
}

export type ReactionAction = 'add' | 'remove';

/** :+1: (also named :thumbsup:), in any skin tone (`+1::skin-tone-3`). */
const THUMBS_UP = /^(?:\+1|thumbsup)(?:::skin-tone-[2-6])?$/;

export function isThumbsUp(reaction: string): boolean {
  return THUMBS_UP.test(reaction);
}

export async function handleReaction(event: ReactionEvent, action: ReactionAction, context: ReactionContext): Promise<void> {
  const { item, user } = event;
  const { logger } = context;
  const messageId = item.channel && item.ts ? slackMessageId(item.channel, item.ts) : undefined;
  const ignore = (reason: string) => logger.debug({ messageId, reaction: event.reaction, action, reason }, 'reaction ignored');
  if (!isThumbsUp(event.reaction)) return ignore('not 👍');
  if (item.type !== 'message' || !item.channel || !item.ts || messageId === undefined) return ignore('not on a message');
  if (user === context.botUserId) return ignore('by a bot');
  const person = await context.people.person(user);
  if (person.isBot) return ignore('by a bot');

  const outcome = await voteFromReaction(context.prisma, { platform: 'slack', workspace: context.workspace, messageId, user: person.sender, action });
  const changed = outcome.kind === 'voted' && outcome.changed;
  const rateLimited = changed && !(await mayShowVote(context.rateLimit, { platform: 'slack', user: { externalId: user } }));
  const scoreShown = changed && !rateLimited && (await showScore({ channel: item.channel, ts: item.ts, user }, outcome.entryId, context));
  logger.debug({ messageId, action, outcome, scoreShown, rateLimited }, 'reaction vote');
}

/** The parts of a fetched message that say whose it is and what it shows. */
interface ShownMessage {
  ts?: string;
  user?: string;
  blocks?: Array<{ type?: string; elements?: Array<{ action_id?: string }> }>;
}

/**
 * Updates the message to show the entry's score, when it is one of the bot's gallery messages for
 * that entry; a 👍 on the original result counts too, but that message keeps its own text and buttons.
 * True when the message was updated.
 */
async function showScore(reacted: { channel: string; ts: string; user: string }, entryId: string, context: ReactionContext): Promise<boolean> {
  const { channel, ts } = reacted;
  try {
    const message = await fetchMessage(context.client, channel, ts);
    if (!message || message.user !== context.botUserId || !hasButton(message, `gallery:vote:${entryId}`)) return false;
    // Read now rather than taken from the vote: of two quick votes, the later update shows both.
    const entry = await findEntry(context.prisma, entryId);
    if (!entry) return false;
    await context.replies.channelFor({ channel, user: reacted.user }).edit(slackMessageId(channel, ts), entryReply(entry));
    return true;
  } catch (error) {
    context.logger.warn({ err: error, channel, ts, entryId }, 'could not show the new score on the gallery message');
    return false;
  }
}

/**
 * One message by its ts, top-level or in a thread (a reaction event doesn't say which): Slack's
 * conversations.replies takes either, and the range keeps the answer to that message (and its
 * thread's parent).
 */
async function fetchMessage(client: webApi.WebClient, channel: string, ts: string): Promise<ShownMessage | undefined> {
  const result = await client.conversations.replies({ channel, ts, oldest: ts, latest: ts, inclusive: true, limit: 10 });
  return (result.messages as ShownMessage[] | undefined)?.find((message) => message.ts === ts);
}

function hasButton(message: ShownMessage, actionId: string): boolean {
  return (message.blocks ?? []).some((block) => block.type === 'actions' && (block.elements ?? []).some((element) => element.action_id === actionId));
}
