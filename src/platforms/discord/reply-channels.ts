// The three ways the bot answers on Discord, each a ReplyChannel whose ids are Discord message ids:
// a deferred interaction reply (slash commands, the edit modal), follow-ups to a button press, and
// plain replies to a message.
import {
  MessageFlags,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Message,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { ReplyAddress, ReplyChannel } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';
import { forEdit, type Renderer } from './outgoing.ts';

type DeferredInteraction = ChatInputCommandInteraction | ModalSubmitInteraction;

/**
 * For an interaction already answered with deferReply ("Retouch is thinking…"): the first reply
 * replaces that placeholder, later ones are follow-ups. Discord cannot turn a public placeholder
 * into an ephemeral message, so a first reply that is ephemeral removes the placeholder and goes
 * as an ephemeral follow-up instead.
 */
export function deferredReplyChannel(interaction: DeferredInteraction, render: Renderer, logger: Logger): ReplyChannel {
  let placeholderUsed = false;
  let originalId: string | undefined;
  const ephemeral = new Set<string>();
  return {
    async send(reply) {
      const first = !placeholderUsed;
      placeholderUsed = true;
      const body = await render(reply);
      if (first && !reply.ephemeral) {
        const message = await interaction.editReply(body);
        originalId = message.id;
        return message.id;
      }
      if (first) {
        await interaction.deleteReply().catch((error: unknown) => logger.warn({ err: error }, 'could not remove the "thinking" placeholder'));
      }
      const message = await interaction.followUp(reply.ephemeral ? { ...body, flags: MessageFlags.Ephemeral } : body);
      if (reply.ephemeral) ephemeral.add(message.id);
      return message.id;
    },
    async edit(replyId, reply) {
      const body = forEdit(await render(reply));
      await interaction.webhook.editMessage(replyId === originalId ? '@original' : replyId, body);
    },
    addressOf: (replyId) => (ephemeral.has(replyId) ? undefined : addressIn(interaction.channelId, replyId)),
  };
}

/**
 * For a button press already acknowledged with deferUpdate: replies are follow-ups; edits of the
 * message that carried the button go through the interaction, edits of other bot messages (a
 * reply to a plain message, sent with the bot's token) through the channel.
 */
export function buttonReplyChannel(interaction: ButtonInteraction, render: Renderer): ReplyChannel {
  const followUps = new Set<string>();
  const ephemeral = new Set<string>();
  return {
    async send(reply) {
      const body = await render(reply);
      const message = await interaction.followUp(reply.ephemeral ? { ...body, flags: MessageFlags.Ephemeral } : body);
      followUps.add(message.id);
      if (reply.ephemeral) ephemeral.add(message.id);
      return message.id;
    },
    addressOf: (replyId) => (ephemeral.has(replyId) ? undefined : addressIn(interaction.channelId, replyId)),
    async edit(replyId, reply) {
      const body = forEdit(await render(reply));
      if (replyId === interaction.message.id) await interaction.editReply(body);
      else if (followUps.has(replyId) || interaction.channel === null) await interaction.webhook.editMessage(replyId, body);
      else await interaction.channel.messages.edit(replyId, body);
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
