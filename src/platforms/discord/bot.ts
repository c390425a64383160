// The Discord adapter: a discord.js client whose interactions and messages go to the chat layer's
// dispatcher, whose replies come back as Discord messages, and whose 👍 reactions on gallery entries
// count as votes. Nothing lives in this process but the gateway connection: conversations, images
// and jobs are in Postgres, and every custom_id carries what its handler needs, so any number of
// shards (or restarts) serve the same bot.
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, Partials, type ClientOptions, type Interaction, type Message, type MessageReaction, type PartialMessageReaction, type PartialUser, type RESTOptions, type User } from 'discord.js';
import { createDefaultRegistry } from '../../../commands/index.ts';
import { createDispatcher, type ChatFrontEndOptions } from '../../chat/dispatcher.ts';
import { handleButton, handleEditMenu, handleEditModal, handleSlashCommand, isEditModal, type InteractionContext } from './interactions.ts';
import { handleChannelMessage } from './messages.ts';
import { createRenderer, forEdit } from './outgoing.ts';
import { keepDelivering, type Deliveries } from '../../chat/deliveries.ts';
import { handleReaction, type ReactionAction } from './reactions.ts';
import { EDIT_MENU_COMMAND } from './registration.ts';

export interface DiscordBotOptions extends ChatFrontEndOptions {
  token: string;
  /** The application the slash commands are registered for; interactions for another are ignored. */
  applicationId?: string | undefined;
  /** Where Discord's API and CDN are (tests point these at a stand-in). */
  rest?: Partial<Pick<RESTOptions, 'api' | 'cdn' | 'retries' | 'timeout'>>;
  /** Which shards this process runs, as discord.js takes them: `'auto'`, one id, or a list. */
  shards?: ClientOptions['shards'];
  shardCount?: number;
  /** How long to wait for the gateway's READY and the servers' data. */
  readyTimeoutMs?: number;
}

export interface DiscordBot {
  client: Client<true>;
  /** Stops taking new events, lets the ones being handled finish (up to `graceMs`), then disconnects. */
  close(options?: { graceMs?: number }): Promise<void>;
}

/**
 * Guilds: servers, channels and roles (for permissions); GuildMessages + MessageContent: mentions and
 * replies; GuildMessageReactions: 👍 on gallery entries as votes.
 */
const INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent, GatewayIntentBits.GuildMessageReactions];
/** Reactions on messages (and by people) not in the cache still arrive, as partials; a vote needs only their ids. */
const PARTIALS = [Partials.Message, Partials.Reaction, Partials.User];

export async function startDiscordBot(options: DiscordBotOptions): Promise<DiscordBot> {
  const logger = options.logger.child({ component: 'discord' });
  const commands = options.commands ?? createDefaultRegistry();
  const dispatcher = createDispatcher({ prisma: options.prisma, logger: options.logger, commands, jobs: options.jobs, rateLimit: options.rateLimit, models: options.models });
  const render = createRenderer(options.prisma, logger);
  const client = new Client({
    intents: INTENTS,
    partials: PARTIALS,
    rest: { ...options.rest },
    ...(options.shards !== undefined ? { shards: options.shards } : {}),
    ...(options.shardCount !== undefined ? { shardCount: options.shardCount } : {}),
  });

  const inFlight = new Set<Promise<void>>();
  let closing = false;
  const track = (what: string, work: () => Promise<void>) => {
    if (closing) return;
    const running = work().catch((error: unknown) => logger.error({ err: error, what }, 'could not handle a Discord event'));
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
  };

  const context: InteractionContext = { client, dispatcher, commands, render, logger };
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (options.applicationId !== undefined && interaction.applicationId !== options.applicationId) return;
    if (interaction.isChatInputCommand()) track('slash command', () => handleSlashCommand(interaction, context));
    else if (interaction.isButton()) track('button', () => handleButton(interaction, context));
    else if (interaction.isMessageContextMenuCommand() && interaction.commandName === EDIT_MENU_COMMAND) track('edit menu', () => handleEditMenu(interaction));
    else if (interaction.isModalSubmit() && isEditModal(interaction)) track('edit modal', () => handleEditModal(interaction, context));
    else logger.debug({ type: interaction.type, id: interaction.id }, 'interaction ignored');
  });
  client.on(Events.MessageCreate, (message: Message) => {
    if (!client.isReady()) return;
    track('message', () => handleChannelMessage(message, { client, dispatcher, render, logger }));
  });
  const onReaction = (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser, action: ReactionAction) => {
    if (!client.isReady()) return;
    track('reaction', () => handleReaction(reaction, user, action, { client, prisma: options.prisma, render, logger, rateLimit: options.rateLimit }));
  };
  client.on(Events.MessageReactionAdd, (reaction, user) => onReaction(reaction, user, 'add'));
  client.on(Events.MessageReactionRemove, (reaction, user) => onReaction(reaction, user, 'remove'));
  // Without these listeners an error event would end the process; the client reconnects by itself.
  client.on(Events.Error, (error) => logger.error({ err: error }, 'Discord client error'));
  client.on(Events.ShardError, (error, shardId) => logger.error({ err: error, shardId }, 'Discord gateway error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'Discord client warning'));
  client.on(Events.ShardDisconnect, (event, shardId) => logger.warn({ code: event.code, shardId }, 'Discord gateway disconnected'));
  client.on(Events.ShardResume, (shardId, replayed) => logger.info({ shardId, replayed }, 'Discord gateway resumed'));

  const ready = once(client, Events.ClientReady, { signal: AbortSignal.timeout(options.readyTimeoutMs ?? 60_000) });
  try {
    await client.login(options.token);
    await ready;
  } catch (error) {
    await client.destroy();
    throw new Error(`Could not connect to Discord: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const readyClient = client as Client<true>;
  logger.info({ user: readyClient.user.tag, guilds: readyClient.guilds.cache.size, shards: readyClient.ws.shards.map((shard) => shard.id) }, 'Discord bot connected');
  let deliveries: Deliveries | undefined;
  if (options.jobs) {
    // Replies whose follower is gone (a restart mid-job): taken over, and results put into them (the
    // interaction tokens of their commands may have expired: the bot's own token edits the message).
    deliveries = keepDelivering({
      jobs: options.jobs,
      prisma: options.prisma,
      platform: 'discord',
      logger,
      deliver: async (address, reply) => {
        const channel = await readyClient.channels.fetch(address.channelId ?? '');
        if (!channel?.isTextBased() || !('send' in channel)) throw new Error(`channel ${address.channelId} is not one the bot can write in`);
        const body = await render(reply);
        try {
          await channel.messages.edit(address.messageId ?? '', forEdit(body));
        } catch (error) {
          // The waiting reply is gone or not editable: the result goes in a new message.
          logger.warn({ err: error, address }, 'could not edit the waiting reply; posting the result anew');
          return (await channel.send(body)).id;
        }
      },
    });
  }

  return {
    client: readyClient,
    async close({ graceMs = 15_000 } = {}) {
      closing = true;
      await deliveries?.stop();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.allSettled([...inFlight]), grace]);
      if (inFlight.size > 0) logger.warn({ unfinished: inFlight.size }, 'closing Discord with events still being handled');
      await client.destroy();
    },
  };
}
