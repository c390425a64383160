// Turns one incoming message (or button press) into replies: records who and where, stores
// attached images, then routes a `/command` to its handler. Never throws: whatever goes wrong
// becomes a polite reply and a logged error, so no message can bring the bot down.
import type { Logger } from '../log.ts';
import type { PrismaClient } from '../store/database.ts';
import type { ButtonContext, CommandContext, SentReply } from './command.ts';
import { checkArguments, parseArguments, splitCommandLine } from './command-line.ts';
import { formatBytes, normaliseUpload, storeImage, type StoredImage } from './images.ts';
import { escapeMarkdown } from './markdown.ts';
import type { Attachment, ButtonPress, IncomingMessage, Reply, ReplyChannel } from './messages.ts';
import { recordParticipants, type Participants } from './participants.ts';
import type { CommandRegistry } from './registry.ts';
import type { JobQueue } from '../jobs/index.ts';

export interface Dispatcher {
  handleMessage(message: IncomingMessage, channel: ReplyChannel): Promise<void>;
  handleButton(press: ButtonPress, channel: ReplyChannel): Promise<void>;
}

export interface DispatcherOptions {
  prisma: PrismaClient;
  logger: Logger;
  commands: CommandRegistry;
  jobs?: JobQueue | undefined;
}

const INTERNAL_ERROR = 'Sorry, something went wrong on my side and I could not finish that. The error has been logged; please try again.';

export function createDispatcher({ prisma, logger, commands, jobs }: DispatcherOptions): Dispatcher {
  const replier = (channel: ReplyChannel) => async (reply: Reply | string): Promise<SentReply> => {
    const id = await channel.send(typeof reply === 'string' ? { text: reply } : reply);
    return { id, update: (next) => channel.edit(id, next) };
  };

  async function handleMessage(message: IncomingMessage, channel: ReplyChannel): Promise<void> {
    const log = logger.child({ platform: message.platform, messageId: message.id });
    const reply = replier(channel);
    try {
      const participants = await recordParticipants(prisma, message);
      const images = await storeAttachments(message.attachments, participants, reply, log);
      const commandLine = message.command ? undefined : splitCommandLine(message.text);
      const name = message.command?.name ?? commandLine?.name;
      if (name === undefined) {
        if (message.attachments.length === 0) {
          await reply('I only understand commands so far; they start with `/`. Type `/help` to see them.');
        }
        return;
      }
      const command = commands.get(name);
      if (command === undefined) {
        await reply(`There is no command \`/${name}\`. Type \`/help\` to see the commands there are.`);
        return;
      }
      const parsed = message.command
        ? checkArguments(command, message.command.options)
        : parseArguments(command, commandLine?.rest ?? '');
      if (!parsed.ok) {
        await reply(`\`/${command.name}\`: ${parsed.problem}. Type \`/help ${command.name}\` for how to use it.`);
        return;
      }
      const context: CommandContext = { message, ...participants, images, commands, prisma, logger: log, jobs, reply };
      try {
        log.info({ command: command.name, userId: participants.user.id }, 'running command');
        await command.run(context, parsed.args);
      } catch (error) {
        log.error({ err: error, command: command.name, text: message.text }, 'command failed');
        await reply(`Sorry, \`/${command.name}\` failed because of an error on my side. The error has been logged; please try again.`);
      }
    } catch (error) {
      log.error({ err: error }, 'could not handle message');
      await reply(INTERNAL_ERROR).catch((replyError: unknown) => log.error({ err: replyError }, 'could not send the error reply'));
    }
  }

  async function handleButton(press: ButtonPress, channel: ReplyChannel): Promise<void> {
    const log = logger.child({ platform: press.platform, buttonId: press.buttonId });
    const reply = replier(channel);
    const separator = press.buttonId.indexOf(':');
    const commandName = separator === -1 ? press.buttonId : press.buttonId.slice(0, separator);
    const payload = separator === -1 ? '' : press.buttonId.slice(separator + 1);
    try {
      const participants = await recordParticipants(prisma, press);
      const command = commands.get(commandName);
      if (command?.onButton === undefined) {
        await reply('That button no longer does anything.');
        return;
      }
      const context: ButtonContext = { ...participants, replyId: press.replyId, commands, prisma, logger: log, jobs, reply };
      try {
        await command.onButton(context, payload);
      } catch (error) {
        log.error({ err: error, command: command.name }, 'button handler failed');
        await reply(`Sorry, that \`/${command.name}\` button failed because of an error on my side. The error has been logged; please try again.`);
      }
    } catch (error) {
      log.error({ err: error }, 'could not handle button press');
      await reply(INTERNAL_ERROR).catch((replyError: unknown) => log.error({ err: replyError }, 'could not send the error reply'));
    }
  }

  async function storeAttachments(
    attachments: Attachment[],
    participants: Participants,
    reply: (reply: Reply | string) => Promise<SentReply>,
    log: Logger,
  ): Promise<StoredImage[]> {
    const stored: StoredImage[] = [];
    for (const attachment of attachments) {
      const result = await normaliseUpload(attachment);
      if (!result.ok) {
        log.info({ filename: attachment.filename, reason: result.reason }, 'upload refused');
        await reply(`I could not store **${escapeMarkdown(attachment.filename)}**: ${result.reason}.`);
        continue;
      }
      const image = await storeImage(prisma, result.image, { userId: participants.user.id, workspaceId: participants.workspace.id });
      log.info({ imageId: image.id, blobHash: image.blobHash, alreadyStored: image.alreadyStored }, 'image stored');
      stored.push(image);
      await reply({ text: acknowledgement(attachment.filename, image), images: [{ imageId: image.id, alt: attachment.filename }] });
    }
    return stored;
  }

  return { handleMessage, handleButton };
}

function acknowledgement(filename: string, image: StoredImage): string {
  const what = `**${escapeMarkdown(filename)}** (${image.sourceFormat}, ${image.width}×${image.height}, ${formatBytes(image.size)} as PNG)`;
  const stored = image.alreadyStored ? `You had already stored ${what}; I kept that copy.` : `Stored ${what}.`;
  return `${stored}\nTo edit it, type \`/edit\` and what to change, e.g. \`/edit make the star blue\`.`;
}
