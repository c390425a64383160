// Turns one incoming message (or button press) into replies: checks the channel and the sender's
// rate, records who and where, stores attached images, then routes a `/command` to its handler, or
// a plain reply to an image to /edit. Never throws: whatever goes wrong becomes a polite reply and a
// logged error, so no message can bring the bot down.
import type { Logger } from '../log.ts';
import type { PrismaClient } from '../store/database.ts';
import type { ButtonContext, Command, CommandContext, SentReply } from './command.ts';
import { checkArguments, parseArguments, splitCommandLine, type ParsedArguments } from './command-line.ts';
import { formatBytes, normaliseUpload } from './images.ts';
import { storeImage, type StoredImage } from '../store/images.ts';
import { escapeMarkdown } from './markdown.ts';
import type { Attachment, ButtonPress, IncomingMessage, Platform, Reply, ReplyChannel } from './messages.ts';
import { recordParticipants, type Participants } from './participants.ts';
import { rateKey, retryIn, type RateLimit } from './rate-limit.ts';
import type { CommandRegistry } from './command.ts';
import { ASK_WHAT_TO_CHANGE, findRepliedImage, noImageReply, REPLIED_MESSAGE_DELETED, type RepliedImage } from './reply-to-image.ts';
import { listensIn } from './settings.ts';
import { recordShownImages } from './shown-images.ts';
import type { JobQueue } from '../jobs/index.ts';
import { modelCatalog, type ModelCatalog } from '../models/catalog.ts';

export interface Dispatcher {
  handleMessage(message: IncomingMessage, channel: ReplyChannel): Promise<void>;
  handleButton(press: ButtonPress, channel: ReplyChannel): Promise<void>;
}

export interface DispatcherOptions {
  prisma: PrismaClient;
  logger: Logger;
  commands: CommandRegistry;
  jobs?: JobQueue | undefined;
  /** Messages and button presses per person per minute; absent: no limit. */
  rateLimit?: RateLimit | undefined;
  /** The models people may choose (/settings model:…); default: the shipped model alone. */
  models?: Pick<ModelCatalog, 'names' | 'defaultName'> | undefined;
}

/** What every front end (web chat, Discord, Slack) takes to build its dispatcher; commands default to all of commands/. */
export type ChatFrontEndOptions = Omit<DispatcherOptions, 'commands'> & { commands?: CommandRegistry | undefined };

type Replier = (reply: Reply | string) => Promise<SentReply>;
/** The database id of the person a reply answers; unknown until their message or press is recorded. */
type Recipient = () => string | undefined;

const INTERNAL_ERROR = 'Sorry, something went wrong on my side and I could not finish that. The error has been logged; please try again.';
const COMMANDS_ONLY = 'I only understand commands so far; they start with `/`. Type `/help` to see them, or reply to an image with what to change in it.';

export function createDispatcher({ prisma, logger, commands, jobs, rateLimit, models = modelCatalog() }: DispatcherOptions): Dispatcher {
  /** Edits a reply and records the images it now shows (a reply without images keeps what it showed). */
  const editor = (channel: ReplyChannel, platform: Platform, log: Logger, recipient: Recipient) => async (replyId: string, reply: Reply) => {
    await channel.edit(replyId, reply);
    await rememberImages(platform, replyId, reply, recipient(), log);
  };

  /** Sends and edits replies, recording the images each shows (and to whom) so a later reply to it finds them. */
  const replier = (channel: ReplyChannel, platform: Platform, log: Logger, recipient: Recipient): Replier => {
    const edit = editor(channel, platform, log, recipient);
    return async (reply) => {
      const content = typeof reply === 'string' ? { text: reply } : reply;
      const id = await channel.send(content);
      await rememberImages(platform, id, content, recipient(), log);
      return { id, address: channel.addressOf?.(id), update: (next) => edit(id, next) };
    };
  };

  async function rememberImages(platform: Platform, replyId: string, reply: Reply, userId: string | undefined, log: Logger): Promise<void> {
    if (!reply.images?.length) return;
    try {
      await recordShownImages(prisma, platform, replyId, reply.images.map((image) => image.imageId), reply.browse ? undefined : userId);
    } catch (error) {
      // The reply is out; only a later reply to it, or /edit's "latest image", will not find its image.
      log.warn({ err: error, replyId }, 'could not record the images a reply shows');
    }
  }

  /**
   * False when the sender is over the rate limit; nothing else is done for them. The first refused
   * event of a window gets one ephemeral reply saying when to try again; later ones get none.
   */
  async function withinRate(source: IncomingMessage | ButtonPress, reply: Replier, log: Logger): Promise<boolean> {
    if (!rateLimit) return true;
    const decision = await rateLimit.take(rateKey(source));
    if (decision.allowed) return true;
    log.info({ user: source.user.externalId, retryAfterMs: decision.retryAfterMs, answered: decision.firstRefusal }, 'rate limited');
    if (!decision.firstRefusal) return false;
    await reply({
      text: `You are sending messages faster than I can take them (at most ${decision.limitPerMinute} a minute). Please try again ${retryIn(decision.retryAfterMs)}.`,
      ephemeral: true,
    });
    return false;
  }

  async function runCommand(command: Command, context: CommandContext, args: ParsedArguments, reply: Replier, log: Logger): Promise<void> {
    try {
      log.info({ command: command.name, userId: context.user.id }, 'running command');
      await command.run(context, args);
    } catch (error) {
      log.error({ err: error, command: command.name, text: context.message.text }, 'command failed');
      await reply(`Sorry, \`/${command.name}\` failed because of an error on my side. The error has been logged; please try again.`);
    }
  }

  async function handleMessage(message: IncomingMessage, channel: ReplyChannel): Promise<void> {
    const log = logger.child({ platform: message.platform, messageId: message.id });
    let userId: string | undefined;
    const reply = replier(channel, message.platform, log, () => userId);
    try {
      // Slash commands work everywhere; other messages only where the workspace has the bot listen.
      if (message.command === undefined && !(await listensIn(prisma, message))) {
        log.debug({ channelId: message.channelId }, 'not listening in this channel');
        return;
      }
      if (!(await withinRate(message, reply, log))) return;
      const participants = await recordParticipants(prisma, message);
      userId = participants.user.id;
      const images = await storeAttachments(message.attachments, participants, reply, log);
      if (images.length > 0) await recordShownImages(prisma, message.platform, message.id, images.map((image) => image.id), userId);
      const commandLine = message.command ? undefined : splitCommandLine(message.text);
      const name = message.command?.name ?? commandLine?.name;
      const context: CommandContext = { message, ...participants, images, commands, prisma, logger: log, jobs, models, reply };
      if (name === undefined) {
        if (message.replyTo) await editRepliedImage(context, log);
        else if (message.attachments.length === 0) await reply(COMMANDS_ONLY);
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
      // A command that takes an image, sent as a reply without one of its own: the replied-to image.
      if (command.image && images.length === 0 && message.replyTo) {
        const found = await findRepliedImage(prisma, message.platform, message.replyTo);
        if (found.kind === 'missing') {
          await reply(REPLIED_MESSAGE_DELETED);
          return;
        }
        if (found.kind !== 'none') context.images = [await keepRepliedImage(found, context, log)];
      }
      await runCommand(command, context, parsed.args, reply, log);
    } catch (error) {
      log.error({ err: error }, 'could not handle message');
      await reply(INTERNAL_ERROR).catch((replyError: unknown) => log.error({ err: replyError }, 'could not send the error reply'));
    }
  }

  /** A reply to a message with an image, and no command: the text is an /edit instruction for that image. */
  async function editRepliedImage(context: CommandContext, log: Logger): Promise<void> {
    const { message, reply } = context;
    const found = await findRepliedImage(prisma, message.platform, message.replyTo!);
    if (found.kind === 'missing') {
      await reply(REPLIED_MESSAGE_DELETED);
      return;
    }
    if (found.kind === 'none') {
      // A reply that only brought its own images was an upload, already acknowledged.
      if (message.attachments.length === 0) await reply(noImageReply(found.problems));
      return;
    }
    const instruction = message.text.trim();
    if (instruction === '') {
      if (message.attachments.length === 0) await reply(ASK_WHAT_TO_CHANGE);
      return;
    }
    const edit = commands.get('edit');
    if (edit === undefined) {
      await reply('Editing is not available in this bot, so a reply to an image does nothing. Type `/help` to see the commands there are.');
      return;
    }
    const parsed = parseArguments(edit, instruction);
    if (!parsed.ok) {
      await reply(`I read your reply as an \`/edit\` instruction, but ${parsed.problem}. Type \`/help edit\` for how to word it.`);
      return;
    }
    const image = await keepRepliedImage(found, context, log);
    log.info({ imageId: image.id, repliedTo: message.replyTo!.messageId }, 'reply to an image: editing it');
    await runCommand(edit, { ...context, images: [image] }, parsed.args, reply, log);
  }

  /** The replied-to image as a stored image: an attachment is stored now, and recorded as what that message shows. */
  async function keepRepliedImage(found: Extract<RepliedImage, { kind: 'recorded' | 'attachment' }>, context: CommandContext, log: Logger): Promise<StoredImage> {
    if (found.kind === 'recorded') return found.image;
    const image = await storeImage(prisma, found.image, { userId: context.user.id, workspaceId: context.workspace.id });
    await recordShownImages(prisma, context.message.platform, context.message.replyTo!.messageId, [image.id]);
    log.info({ imageId: image.id, filename: found.filename }, 'replied-to image stored');
    return image;
  }

  async function handleButton(press: ButtonPress, channel: ReplyChannel): Promise<void> {
    const log = logger.child({ platform: press.platform, buttonId: press.buttonId });
    let userId: string | undefined;
    const reply = replier(channel, press.platform, log, () => userId);
    const separator = press.buttonId.indexOf(':');
    const commandName = separator === -1 ? press.buttonId : press.buttonId.slice(0, separator);
    const payload = separator === -1 ? '' : press.buttonId.slice(separator + 1);
    try {
      if (!(await withinRate(press, reply, log))) return;
      const participants = await recordParticipants(prisma, press);
      userId = participants.user.id;
      const command = commands.get(commandName);
      if (command?.onButton === undefined) {
        await reply('That button no longer does anything.');
        return;
      }
      const edit = editor(channel, press.platform, log, () => userId);
      const updatePressed = (next: Reply) => edit(press.replyId, next);
      const context: ButtonContext = { ...participants, replyId: press.replyId, press, updatePressed, commands, prisma, logger: log, jobs, models, reply };
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
    reply: Replier,
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
  const animated = (image.frames ?? 1) > 1 ? `\nIt is animated (${image.frames} frames): only its first frame is kept, and that is what edits change.` : '';
  return `${stored}${animated}\nTo edit it, type \`/edit\` and what to change, e.g. \`/edit make the star blue\`, or reply to it with what to change.`;
}
