// The three ways the bot answers on Discord, each a ReplyChannel whose ids are Discord message ids:
// a deferred interaction reply (slash commands, the edit modal), follow-ups to a button press, and
// plain replies to a message. The first two use the interaction's token, which Discord honours for
// 15 minutes only; a job that finishes later (queued behind others, a slow machine) reaches the
// channel instead, with the bot's own token (see `channelFallback`).
import {
  DiscordAPIError,
  MessageFlags,
  RESTJSONErrorCodes,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Message,
  type MessageEditOptions,
  type ModalSubmitInteraction,
  type SendableChannels,
} from 'discord.js';
import type { Reply, ReplyAddress, ReplyChannel } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';
import { forEdit, MAX_CONTENT_CHARS, type DiscordMessageBody, type Renderer } from './outgoing.ts';

type DeferredInteraction = ChatInputCommandInteraction | ModalSubmitInteraction;
type TokenInteraction = DeferredInteraction | ButtonInteraction;

/** How long Discord accepts an interaction's token. */
export const INTERACTION_TOKEN_LIFETIME_MS = 15 * 60_000;
/**
 * The token is given up this long before Discord does, so that no request is sent just to be
 * refused, and an upload started just before the limit does not end after it.
 */
export const INTERACTION_TOKEN_MARGIN_MS = 30_000;

/**
 * For an interaction already answered with deferReply ("Retouch is thinking…"): the first reply
 * replaces that placeholder, later ones are follow-ups. Discord cannot turn a public placeholder
 * into an ephemeral message, so a first reply that is ephemeral removes the placeholder and goes
 * as an ephemeral follow-up instead.
 */
export function deferredReplyChannel(interaction: DeferredInteraction, render: Renderer, logger: Logger): ReplyChannel {
  const token = interactionToken(interaction);
  const fallback = channelFallback(interaction, logger);
  let placeholderUsed = false;
  let originalId: string | undefined;
  const ephemeral = new Set<string>();

  const removePlaceholder = async () => {
    const removed = await token.use(() => interaction.deleteReply()).catch((error: unknown) => {
      logger.warn({ err: error, interactionId: interaction.id }, 'could not remove the "thinking" placeholder');
      return undefined;
    });
    if (removed === EXPIRED) await fallback.removePlaceholder();
  };

  return {
    async send(reply) {
      const first = !placeholderUsed;
      placeholderUsed = true;
      const body = await render(reply);
      if (first && !reply.ephemeral) {
        const message = await token.use(() => interaction.editReply(body));
        if (message !== EXPIRED) {
          originalId = message.id;
          return message.id;
        }
        // The placeholder would say "thinking…" for ever; the reply goes to the channel instead.
        await fallback.removePlaceholder();
        return fallback.send(reply, body);
      }
      if (first) await removePlaceholder();
      const message = await token.use(() => interaction.followUp(reply.ephemeral ? { ...body, flags: MessageFlags.Ephemeral } : body));
      if (message === EXPIRED) return fallback.send(reply, body);
      if (reply.ephemeral) ephemeral.add(message.id);
      return message.id;
    },
    async edit(replyId, reply) {
      const body = await render(reply);
      if (fallback.handles(replyId)) return fallback.edit(replyId, reply, body);
      const edited = await token.use(() => interaction.webhook.editMessage(replyId === originalId ? '@original' : replyId, forEdit(body)));
      if (edited === EXPIRED) await fallback.editShown(replyId, reply, body, { ephemeral: ephemeral.has(replyId) });
    },
    addressOf: (replyId) => fallback.addressOf(replyId, { ephemeral: ephemeral.has(replyId) }),
  };
}

/**
 * For a button press already acknowledged with deferUpdate: replies are follow-ups; edits of the
 * message that carried the button go through the interaction, edits of other bot messages (a
 * reply to a plain message, sent with the bot's token) through the channel.
 */
export function buttonReplyChannel(interaction: ButtonInteraction, render: Renderer, logger: Logger): ReplyChannel {
  const token = interactionToken(interaction);
  const fallback = channelFallback(interaction, logger);
  const followUps = new Set<string>();
  const ephemeral = new Set<string>();
  return {
    async send(reply) {
      const body = await render(reply);
      const message = await token.use(() => interaction.followUp(reply.ephemeral ? { ...body, flags: MessageFlags.Ephemeral } : body));
      if (message === EXPIRED) return fallback.send(reply, body);
      followUps.add(message.id);
      if (reply.ephemeral) ephemeral.add(message.id);
      return message.id;
    },
    addressOf: (replyId) => fallback.addressOf(replyId, { ephemeral: ephemeral.has(replyId) }),
    async edit(replyId, reply) {
      const body = await render(reply);
      if (fallback.handles(replyId)) return fallback.edit(replyId, reply, body);
      if (followUps.has(replyId)) {
        const edited = await token.use(() => interaction.webhook.editMessage(replyId, forEdit(body)));
        if (edited === EXPIRED) await fallback.editShown(replyId, reply, body, { ephemeral: ephemeral.has(replyId) });
        return;
      }
      if (replyId === interaction.message.id) {
        const edited = await token.use(() => interaction.editReply(forEdit(body)));
        // Not this interaction's message, just the one that carried the button: it stays where it
        // is, and the bot's token edits it (unless only its recipient can see it).
        if (edited === EXPIRED) await fallback.editInPlace(replyId, body, { ephemeral: interaction.message.flags.has(MessageFlags.Ephemeral) });
        return;
      }
      if (interaction.channel !== null) {
        await interaction.channel.messages.edit(replyId, forEdit(body));
        return;
      }
      const edited = await token.use(() => interaction.webhook.editMessage(replyId, forEdit(body)));
      if (edited === EXPIRED) await fallback.editInPlace(replyId, body, { ephemeral: false });
    },
  };
}

/**
 * For a message that mentioned the bot or replied to it: answers are Discord replies to it (without
 * a ping), edited by id. Channel messages cannot be ephemeral, so an ephemeral reply is sent
 * normally.
 */
export function messageReplyChannel(message: Message, render: Renderer): ReplyChannel {
  return {
    async send(reply) {
      const body = await render(reply);
      const sent = await message.reply({ ...body, allowedMentions: { parse: [], repliedUser: false } });
      return sent.id;
    },
    async edit(replyId, reply) {
      const body = forEdit(await render(reply));
      await message.channel.messages.edit(replyId, body);
    },
    addressOf: (replyId) => addressIn(message.channelId, replyId),
  };
}

/** A bot message by channel and id: what another process needs to edit it with the bot's token. */
function addressIn(channelId: string | null, messageId: string): ReplyAddress | undefined {
  return channelId ? { platform: 'discord', channelId, messageId } : undefined;
}

const EXPIRED = Symbol('interaction token expired');

/** Discord's answers that mean the bot can't use a channel at all (as opposed to a failing request). */
const CHANNEL_REFUSALS = new Set<number>([RESTJSONErrorCodes.UnknownChannel, RESTJSONErrorCodes.MissingAccess, RESTJSONErrorCodes.MissingPermissions]);
/** Discord's answers that mean this message can't be edited with the bot's token (gone, or not the bot's). */
const EDIT_REFUSALS = new Set<number>([RESTJSONErrorCodes.UnknownMessage, RESTJSONErrorCodes.CannotEditMessageAuthoredByAnotherUser]);

/**
 * Requests made with the interaction's token, until it has expired: by its age (Discord's 15
 * minutes, less a margin), or because Discord said so (401 Invalid Webhook Token). From then on
 * every request answers EXPIRED without being sent.
 */
function interactionToken(interaction: TokenInteraction) {
  let expired = false;
  return {
    async use<T>(request: () => Promise<T>): Promise<T | typeof EXPIRED> {
      if (!expired && Date.now() - interaction.createdTimestamp >= INTERACTION_TOKEN_LIFETIME_MS - INTERACTION_TOKEN_MARGIN_MS) expired = true;
      if (expired) return EXPIRED;
      try {
        return await request();
      } catch (error) {
        if (!(error instanceof DiscordAPIError) || error.code !== RESTJSONErrorCodes.InvalidWebhookToken) throw error;
        expired = true;
        return EXPIRED;
      }
    },
  };
}

/**
 * Where an interaction's replies go once its token has expired: the channel it was used in, with
 * the bot's token.
 *
 * A reply the interaction had already shown (e.g. "Queued…") stays the same message: the bot's
 * token edits it in place (a bot may edit its own interaction responses that way), so its id, the
 * address kept with its job and the images recorded for it stay right. An edit that brings a
 * result (images) also posts one short channel message that mentions the person and links to it:
 * a result that shows up silently half an hour later would go unnoticed, and an edit pings no one.
 * Only if Discord refuses that edit (the message is gone, or not the bot's to edit) is the reply
 * posted once anew, mentioning the person, and its later edits change that message.
 *
 * A reply sent then is a new channel message that mentions the person.
 *
 * Ephemeral replies cannot go to a channel. Those without images (refusals, confirmations, lists:
 * answers that matter only at the moment, and often name things the person would not post) are
 * dropped with a warning rather than shown to everyone. One with images carries a result, and
 * results are public in a channel anyway: it is posted like any other reply, so it is not lost.
 *
 * Nothing here throws for want of a channel (none, or no permission to write in it): that is
 * logged with the interaction's and reply's ids, and the work that produced the reply goes on,
 * its result stored as always. A channel that refused the bot is not asked again for this
 * interaction: every progress update would be another refused request, and Discord bans clients
 * that make too many of those.
 */
function channelFallback(interaction: TokenInteraction, logger: Logger) {
  /** Replies now shown by a channel message posted with the bot's token (the reply's id → that message's id). */
  const moved = new Map<string, string>();
  /** Moves under way, so that edits made meanwhile wait for the same channel message. */
  const moving = new Map<string, Promise<unknown>>();
  /** Replies whose own message Discord would not let the bot's token edit. */
  const uneditable = new Set<string>();
  /** Replies whose result the person was already pinged about. */
  const announced = new Set<string>();
  /** Ids handed out for replies that reached no one: dropped as private, or the channel was out of reach. */
  const undelivered = new Map<string, 'private' | 'unreachable'>();
  const log = logger.child({ interactionId: interaction.id, channelId: interaction.channelId, userId: interaction.user.id });
  /** Why the channel can't be used (no access, no permission, gone), once it said so. */
  let refusal: unknown;
  /** Replies already logged as undelivered, so that each of their updates doesn't log again. */
  const warned = new Set<string>();

  const channel = async (): Promise<SendableChannels> => {
    if (refusal) throw refusal;
    const found = interaction.channel ?? (interaction.channelId ? await interaction.client.channels.fetch(interaction.channelId) : null);
    if (!found?.isSendable()) throw new Error(`channel ${interaction.channelId ?? '(none)'} is not one the bot can write in`);
    return found;
  };

  /** The person is mentioned, and no one else can be. */
  const forPerson = (body: DiscordMessageBody): Omit<DiscordMessageBody, 'allowedMentions'> & { allowedMentions: { parse: []; users: string[] } } => {
    const mention = `<@${interaction.user.id}> `;
    const room = MAX_CONTENT_CHARS - mention.length;
    const content = body.content.length > room ? `${body.content.slice(0, room - 1)}…` : body.content;
    return { ...body, content: `${mention}${content}`, allowedMentions: { parse: [], users: [interaction.user.id] } };
  };

  /** Only the person could see the reply: it goes public only when it carries a result. */
  const staysPrivate = (reply: Reply) => !reply.images?.length;

  const undeliveredId = (why: 'private' | 'unreachable') => {
    const id = `undelivered:${interaction.id}:${undelivered.size + 1}`;
    undelivered.set(id, why);
    return id;
  };

  const failed = (error: unknown, details: Record<string, unknown>, message: string) => {
    if (error instanceof DiscordAPIError && CHANNEL_REFUSALS.has(Number(error.code))) refusal ??= error;
    const key = String(details.replyId ?? details.messageId ?? '');
    if (key !== '' && warned.has(key)) return log.debug({ err: error, ...details }, message);
    if (key !== '') warned.add(key);
    log.warn({ err: error, ...details }, message);
  };

  /** A new channel message for the person; undefined (logged) when the channel is out of reach. */
  const post = async (body: DiscordMessageBody, replyId?: string): Promise<Message | undefined> => {
    try {
      return await (await channel()).send(forPerson(body));
    } catch (error) {
      failed(error, { replyId, text: body.content.slice(0, 120) }, 'the interaction token has expired and the channel is out of reach too: a reply was not delivered');
      return undefined;
    }
  };

  const editMessage = async (messageId: string, body: MessageEditOptions, replyId: string): Promise<void> => {
    try {
      await (await channel()).messages.edit(messageId, body);
    } catch (error) {
      failed(error, { replyId, messageId }, 'the interaction token has expired and the message could not be edited with the bot token either');
    }
  };

  /**
   * Edits a reply the interaction showed where it is, with the bot's token: the edited message, or
   * 'refused' when Discord won't have that message edited by the bot (then it is posted anew), or
   * undefined after another failure (logged; the next update tries again).
   */
  const editWhereItIs = async (replyId: string, body: DiscordMessageBody): Promise<Message | 'refused' | undefined> => {
    let target: SendableChannels;
    try {
      target = await channel();
    } catch (error) {
      failed(error, { replyId }, 'the interaction token has expired and the channel is out of reach too: a reply was not updated');
      return undefined;
    }
    try {
      return await target.messages.edit(replyId, forEdit(body));
    } catch (error) {
      const code = error instanceof DiscordAPIError ? Number(error.code) : undefined;
      if (code === undefined || !(EDIT_REFUSALS.has(code) || CHANNEL_REFUSALS.has(code))) {
        failed(error, { replyId, messageId: replyId }, 'the interaction token has expired and the message could not be edited with the bot token either');
        return undefined;
      }
      if (CHANNEL_REFUSALS.has(code)) refusal ??= error;
      log.info({ err: error, replyId }, 'the interaction token has expired and the bot token may not edit the reply: it is posted anew');
      return 'refused';
    }
  };

  /** Pings the person, once per reply, when a result arrives in a message they were not notified of. */
  const announce = async (replyId: string, message: Message): Promise<void> => {
    if (announced.has(replyId)) return;
    announced.add(replyId);
    const note = `Your result is ready: ${message.url}`;
    const sent = await post({ content: note, files: [], components: [], allowedMentions: { parse: [] } }, replyId);
    if (sent) log.info({ replyId, messageId: sent.id }, 'the interaction token has expired: the result was edited in and the person was mentioned');
  };

  /** Posts a reply as a channel message, once; its later edits change that message. */
  const move = async (replyId: string, body: DiscordMessageBody): Promise<void> => {
    const posting = post(body, replyId);
    moving.set(replyId, posting);
    const message = await posting.finally(() => moving.delete(replyId));
    if (!message) return;
    moved.set(replyId, message.id);
    undelivered.delete(replyId);
    log.info({ replyId, messageId: message.id }, 'the interaction token has expired: the reply continues in a channel message');
  };

  /** An edit of a reply that is the channel's business now (or of one the interaction showed, with `shown`). */
  const edit = async (replyId: string, reply: Reply, body: DiscordMessageBody, shown?: { ephemeral: boolean }): Promise<void> => {
    // Checked without awaiting first, so that two edits at once cannot both start a move.
    const pending = moving.get(replyId);
    if (pending) await pending;
    const messageId = moved.get(replyId);
    if (messageId) return editMessage(messageId, { ...forPerson(body), attachments: [] }, replyId);
    const why = undelivered.get(replyId);
    const ephemeral = shown?.ephemeral ?? why === 'private';
    if (ephemeral && staysPrivate(reply)) {
      log.warn({ replyId, text: body.content.slice(0, 120) }, 'the interaction token has expired: an edit of an ephemeral reply was dropped');
      return;
    }
    // Ephemeral messages are not in the channel: the bot's token can't edit them.
    if (shown && !shown.ephemeral && !uneditable.has(replyId)) {
      const edited = await editWhereItIs(replyId, body);
      if (edited === undefined) return;
      if (edited !== 'refused') {
        if (reply.images?.length) await announce(replyId, edited);
        return;
      }
      uneditable.add(replyId);
      // Another edit may have been refused meanwhile and started the move already.
      return edit(replyId, reply, body, shown);
    }
    await move(replyId, body);
  };

  return {
    /** Whether a reply is no longer the interaction's business (moved, posted with the bot's token, or undelivered). */
    handles: (replyId: string) => moved.has(replyId) || moving.has(replyId) || undelivered.has(replyId),

    async send(reply: Reply, body: DiscordMessageBody): Promise<string> {
      if (reply.ephemeral && staysPrivate(reply)) {
        log.warn({ text: body.content.slice(0, 120) }, 'the interaction token has expired: an ephemeral reply was dropped (a channel message would show it to everyone)');
        return undeliveredId('private');
      }
      const message = await post(body);
      if (!message) return undeliveredId('unreachable');
      moved.set(message.id, message.id);
      return message.id;
    },

    edit: (replyId: string, reply: Reply, body: DiscordMessageBody) => edit(replyId, reply, body),

    /**
     * An edit of a reply the interaction showed, refused for the expired token: edited in place with
     * the bot's token (or, where that is refused too, posted anew once and that message edited).
     */
    editShown: (replyId: string, reply: Reply, body: DiscordMessageBody, { ephemeral }: { ephemeral: boolean }) => edit(replyId, reply, body, { ephemeral }),

    /** A bot message that stays where it is (one that carried a pressed button): edited with the bot's token. */
    async editInPlace(messageId: string, body: DiscordMessageBody, { ephemeral }: { ephemeral: boolean }): Promise<void> {
      if (ephemeral) {
        log.warn({ messageId, text: body.content.slice(0, 120) }, 'the interaction token has expired: an ephemeral message could not be edited');
        return;
      }
      await editMessage(messageId, forEdit(body), messageId);
    },

    /**
     * Removes the deferred response's "thinking…" placeholder with the bot's token. Its id came with
     * no answer, but it was made right after the interaction: it is among the messages around the
     * interaction's id. A failure is only logged.
     */
    async removePlaceholder(): Promise<void> {
      try {
        const target = await channel();
        const nearby = await target.messages.fetch({ around: interaction.id, limit: 10, cache: false });
        const placeholder = nearby.find((message) => message.interactionMetadata?.id === interaction.id && message.author.id === interaction.client.user.id);
        if (placeholder) await target.messages.delete(placeholder.id);
        else log.debug('no "thinking" placeholder next to the interaction; nothing to remove');
      } catch (error) {
        log.warn({ err: error }, 'could not remove the "thinking" placeholder with the bot token');
      }
    },

    /**
     * Where a reply really is: its channel message once moved; none for one that reached no one, or
     * that only its recipient sees (the bot's token can't edit an ephemeral message).
     */
    addressOf(replyId: string, { ephemeral }: { ephemeral: boolean }): ReplyAddress | undefined {
      const messageId = moved.get(replyId);
      if (messageId) return addressIn(interaction.channelId, messageId);
      return ephemeral || undelivered.has(replyId) ? undefined : addressIn(interaction.channelId, replyId);
    },
  };
}
