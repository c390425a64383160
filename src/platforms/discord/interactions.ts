// Interactions in the chat layer's terms: a slash command becomes an IncomingMessage with its
// options, a button press a ButtonPress, and "Edit with Retouch" (a message context-menu command)
// a modal whose answer becomes an instruction replying to that message. Every interaction is
// acknowledged before any other work, since Discord drops those not answered within 3 seconds.
import {
  ApplicationCommandOptionType,
  ComponentType,
  MessageFlags,
  TextInputStyle,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Client,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { Dispatcher } from '../../chat/dispatcher.ts';
import type { Attachment, ButtonPress, IncomingMessage } from '../../chat/messages.ts';
import type { CommandRegistry } from '../../chat/command.ts';
import type { Logger } from '../../log.ts';
import { canModerate, describeTooLarge, downloadAttachments, isImageAttachment, referencedMessage, senderOf, workspaceOf } from './incoming.ts';
import type { Renderer } from './outgoing.ts';
import { IMAGE_OPTION } from './registration.ts';
import { buttonReplyChannel, deferredReplyChannel } from './reply-channels.ts';

export interface InteractionContext {
  client: Client;
  dispatcher: Dispatcher;
  commands: CommandRegistry;
  render: Renderer;
  logger: Logger;
}

const NOT_IN_SERVER = 'Retouch works in servers only; please use it in a channel of a server it was added to.';
/** The modal's custom_id carries the target message, so any process (any shard) can take the answer. */
const EDIT_MODAL_PREFIX = 'retouch-edit:';
const INSTRUCTION_FIELD = 'instruction';
const MAX_INSTRUCTION_CHARS = 500;

export async function handleSlashCommand(interaction: ChatInputCommandInteraction, context: InteractionContext): Promise<void> {
  await interaction.deferReply();
  const { logger } = context;
  const channel = deferredReplyChannel(interaction, context.render, logger);
  if (!interaction.inGuild()) {
    await channel.send({ text: NOT_IN_SERVER, ephemeral: true });
    return;
  }
  const options: Record<string, string | number | boolean> = {};
  for (const option of interaction.options.data) {
    if (option.type !== ApplicationCommandOptionType.Attachment && option.value !== undefined && option.value !== null) {
      options[option.name] = option.value;
    }
  }
  let attachments: Attachment[] = [];
  const command = context.commands.get(interaction.commandName);
  const image = command?.image ? interaction.options.getAttachment(IMAGE_OPTION) : null;
  if (image) {
    const downloaded = await downloadAttachments([image], logger);
    if (downloaded.tooLarge.length > 0) {
      await channel.send({ text: describeTooLarge(downloaded.tooLarge), ephemeral: true });
      return;
    }
    if (downloaded.files.length === 0) {
      await channel.send({ text: `I could not download **${image.name}** from Discord; please try attaching it again.`, ephemeral: true });
      return;
    }
    attachments = downloaded.files;
  }
  const message: IncomingMessage = {
    id: interaction.id,
    platform: 'discord',
    workspace: workspaceOf(interaction.guild, interaction.guildId),
    channelId: interaction.channelId,
    user: senderOf(interaction.user, interaction.inCachedGuild() ? interaction.member : null, canModerate(interaction.memberPermissions)),
    text: commandLine(interaction.commandName, options),
    command: { name: interaction.commandName, options },
    attachments,
  };
  await context.dispatcher.handleMessage(message, channel);
}

export async function handleButton(interaction: ButtonInteraction, context: InteractionContext): Promise<void> {
  await interaction.deferUpdate();
  if (!interaction.inGuild()) {
    await interaction.followUp({ content: NOT_IN_SERVER, flags: MessageFlags.Ephemeral });
    return;
  }
  const press: ButtonPress = {
    id: interaction.id,
    platform: 'discord',
    workspace: workspaceOf(interaction.guild, interaction.guildId),
    channelId: interaction.channelId,
    user: senderOf(interaction.user, interaction.inCachedGuild() ? interaction.member : null, canModerate(interaction.memberPermissions)),
    buttonId: interaction.customId,
    replyId: interaction.message.id,
  };
  await context.dispatcher.handleButton(press, buttonReplyChannel(interaction, context.render, context.logger));
}

/** "Edit with Retouch" on a message: asks what to change, unless there is no image to change. */
export async function handleEditMenu(interaction: MessageContextMenuCommandInteraction): Promise<void> {
  const target = interaction.targetMessage;
  if (!interaction.inGuild()) {
    await interaction.reply({ content: NOT_IN_SERVER, flags: MessageFlags.Ephemeral });
    return;
  }
  if (!target.attachments.some(isImageAttachment)) {
    await interaction.reply({
      content: 'That message has no image I can edit. Use **Edit with Retouch** on a message with a PNG, JPEG, WebP or GIF image.',
      flags: MessageFlags.Ephemeral,
    });
    return;
  }
  await interaction.showModal({
    custom_id: `${EDIT_MODAL_PREFIX}${target.channelId}:${target.id}`,
    title: 'Edit with Retouch',
    components: [
      {
        type: ComponentType.Label,
        label: 'What should change?',
        description: 'In plain English, e.g. "make the star blue" or "move the circle to the top left".',
        component: {
          type: ComponentType.TextInput,
          custom_id: INSTRUCTION_FIELD,
          style: TextInputStyle.Paragraph,
          min_length: 1,
          max_length: MAX_INSTRUCTION_CHARS,
          required: true,
          placeholder: 'make the star blue',
        },
      },
    ],
  });
}

export function isEditModal(interaction: ModalSubmitInteraction): boolean {
  return interaction.customId.startsWith(EDIT_MODAL_PREFIX);
}

/** The answer to the edit modal: an instruction that replies to the message it was opened on. */
export async function handleEditModal(interaction: ModalSubmitInteraction, context: InteractionContext): Promise<void> {
  await interaction.deferReply();
  const { logger } = context;
  const channel = deferredReplyChannel(interaction, context.render, logger);
  const [channelId, messageId] = interaction.customId.slice(EDIT_MODAL_PREFIX.length).split(':');
  if (!interaction.inGuild() || !channelId || !messageId) {
    await channel.send({ text: NOT_IN_SERVER, ephemeral: true });
    return;
  }
  const instruction = interaction.fields.getTextInputValue(INSTRUCTION_FIELD).trim();
  if (instruction === '') {
    await channel.send({ text: 'Please say what to change, e.g. "make the star blue".', ephemeral: true });
    return;
  }
  const replyTo = (await referencedMessage(context.client, channelId, messageId, logger)) ?? { messageId, attachments: [] };
  const message: IncomingMessage = {
    id: interaction.id,
    platform: 'discord',
    workspace: workspaceOf(interaction.guild, interaction.guildId),
    channelId: interaction.channelId ?? channelId,
    user: senderOf(interaction.user, interaction.inCachedGuild() ? interaction.member : null, canModerate(interaction.memberPermissions)),
    text: instruction,
    attachments: [],
    replyTo,
  };
  await context.dispatcher.handleMessage(message, channel);
}

/** How the command would be typed, for logs and for handlers that echo it. */
function commandLine(name: string, options: Record<string, string | number | boolean>): string {
  const parts = Object.entries(options).map(([key, value]) => `${key}:${String(value)}`);
  return [`/${name}`, ...parts].join(' ');
}
