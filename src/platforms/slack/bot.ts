// Retouch in Slack, on Bolt: slash commands (one per registry command), @-mentions (in the thread of
// an image: an edit of it), Block Kit buttons, the "Edit with Retouch" message shortcut with its
// modal, and 👍 reactions on gallery entries as votes. Events arrive over HTTP (signed requests,
// checked with the signing secret) or Socket Mode (an app-level token); everything after that is the
// same. Every event is acknowledged at once and handled afterwards, so Slack's 3-second limit never
// depends on drawing.
import { createDefaultRegistry } from '../../../commands/index.ts';
import { App, HTTPReceiver, SocketModeReceiver, type BlockAction, type ButtonAction, type MessageShortcut, type SlashCommand, type ViewSubmitAction, type webApi } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createDispatcher, type ChatFrontEndOptions } from '../../chat/dispatcher.ts';
import type { ButtonPress, IncomingMessage, ReferencedMessage, ReplyChannel } from '../../chat/messages.ts';
import type { Command } from '../../chat/command.ts';
import { boltLogger } from './bolt-logger.ts';
import { fileDownloader, type SlackFile } from './files.ts';
import { EDIT_MODAL_ID, EDIT_SHORTCUT_ID, EVENTS_PATH, slackCommandName } from './manifest.ts';
import { slackPeople } from './people.ts';
import { handleReaction, type ReactionAction, type ReactionEvent } from './reactions.ts';
import { referencedMessage } from './referenced.ts';
import { splitSlashOptions } from './slash.ts';
import { parseSlackMessageId, slackErrorCode, slackMessageId, slackReplies, type ReplyTarget } from './replies.ts';
import { keepDelivering, type Deliveries } from '../../chat/deliveries.ts';
import { fromSlackText } from './text.ts';

export interface SlackBotOptions extends ChatFrontEndOptions {
  /** xoxb-…: the bot token (SLACK_BOT_TOKEN). */
  botToken: string;
  /** HTTP mode: requests are verified with it (SLACK_SIGNING_SECRET). */
  signingSecret?: string | undefined;
  /** xapp-…: Socket Mode (SLACK_APP_TOKEN); preferred when both are given, as it needs no public address. */
  appToken?: string | undefined;
  /** HTTP mode's port (0 picks a free one; default 3000) and address (default all). */
  port?: number | undefined;
  host?: string | undefined;
  /** Where the Web API is (tests point it at a stand-in); default https://slack.com/api/. */
  clientOptions?: { slackApiUrl?: string } | undefined;
}

export interface SlackBot {
  /** HTTP mode: where Slack must send requests (`…/slack/events`). */
  url?: string;
  /** Stops taking events and waits for the ones being handled. */
  close(): Promise<void>;
}

const SLACK_FILE_ORIGIN = 'https://files.slack.com';
const MAX_INSTRUCTION_CHARS = 500;

interface ModalMetadata {
  channel: string;
  ts: string;
  threadTs?: string | undefined;
}

export async function startSlackBot(options: SlackBotOptions): Promise<SlackBot> {
  const { botToken, signingSecret, appToken, prisma } = options;
  const commands = options.commands ?? createDefaultRegistry();
  if (!signingSecret && !appToken) throw new Error('Slack needs SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)');
  const log = options.logger.child({ component: 'slack' });
  const logger = boltLogger(log);
  // A failing call is retried a little, not for half an hour (the client's default).
  const clientOptions = (): webApi.WebClientOptions => ({ ...options.clientOptions, retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 } });
  const socketMode = appToken !== undefined && appToken !== '';
  // The Socket Mode client keeps its own, patient retries for reconnecting.
  const receiver = socketMode
    ? new SocketModeReceiver({ appToken, logger, installerOptions: { clientOptions: { ...options.clientOptions } } })
    : new HTTPReceiver({ signingSecret: signingSecret ?? '', endpoints: EVENTS_PATH, logger });
  const app = new App({ token: botToken, receiver, logger, clientOptions: clientOptions(), deferInitialization: true });
  app.error(async (error) => {
    log.error({ err: error, code: error.code }, 'Slack event handling failed');
  });

  // auth.test: the token works, and who the bot is (to strip its mention) in which workspace.
  let identity: webApi.AuthTestResponse;
  try {
    identity = await app.client.auth.test();
    await app.init();
  } catch (error) {
    throw new Error(`Slack refused the bot token (${slackErrorCode(error) ?? (error as Error).message}); check SLACK_BOT_TOKEN`, { cause: error });
  }
  const botUserId = identity.user_id;
  const client = app.client;
  const dispatcher = createDispatcher({ prisma, logger: options.logger, commands, jobs: options.jobs, rateLimit: options.rateLimit, models: options.models });
  const replies = slackReplies(client, prisma, log);
  const people = slackPeople(client, log);
  const apiOrigin = new URL(options.clientOptions?.slackApiUrl ?? 'https://slack.com/api/').origin;
  const downloader = fileDownloader(botToken, new Set([SLACK_FILE_ORIGIN, apiOrigin]), log);

  const workspace = (teamId: string | undefined, domain?: string) => {
    const id = teamId ?? identity.team_id ?? 'unknown';
    return { externalId: id, name: id === identity.team_id && identity.team ? identity.team : (domain ?? id) };
  };

  const inFlight = new Set<Promise<void>>();
  /** Runs work after the acknowledgement; it never rejects (the dispatcher doesn't), but is logged if anything does. */
  const track = (work: () => Promise<void>) => {
    const running = work().catch((error: unknown) => log.error({ err: error }, 'Slack handler failed'));
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running));
  };

  /** Tells the person, only them, what was not taken among their files. */
  const noteSkipped = async (channel: ReplyChannel, skipped: string[]) => {
    if (skipped.length > 0) await channel.send({ text: skipped.join('\n'), ephemeral: true }).catch(() => undefined);
  };

  // Slash commands: one per registry command; the text goes to the dispatcher as typed.
  for (const command of commands.list()) {
    app.command(slackCommandName(command), async ({ command: payload, ack, respond }) => {
      await ack();
      track(async () => {
        const target: ReplyTarget = {
          channel: payload.channel_id,
          user: payload.user_id,
          respond: (text) => respond({ response_type: 'ephemeral', text }),
        };
        const message = await fromSlashCommand(payload, command);
        await dispatcher.handleMessage(message, replies.channelFor(target));
      });
    });
  }

  async function fromSlashCommand(payload: SlashCommand, command: Command): Promise<IncomingMessage> {
    const text = fromSlackText(payload.text ?? '');
    const name = command.name;
    const options = splitSlashOptions(command, text);
    return {
      id: `${payload.channel_id}:command:${payload.trigger_id}`,
      platform: 'slack',
      workspace: workspace(payload.team_id, payload.team_domain),
      channelId: payload.channel_id,
      user: await people.sender(payload.user_id, payload.user_name),
      text: text === '' ? `/${name}` : `/${name} ${text}`,
      // Text that can't be split (an option given twice) goes as typed, for the dispatcher to explain.
      command: options === undefined ? undefined : { name, options },
      attachments: [],
    };
  }

  // @Retouch …: in a thread, an answer to the thread's parent (its image is what to edit).
  app.event('app_mention', async ({ event, body }) => {
    const { channel, ts, user } = event;
    if (!user) return;
    const threadTs = event.thread_ts !== undefined && event.thread_ts !== ts ? event.thread_ts : undefined;
    track(async () => {
      const target: ReplyTarget = { channel, threadTs, user };
      const replyChannel = replies.channelFor(target);
      const files = await downloader.download((event as { files?: SlackFile[] }).files);
      let replyTo: ReferencedMessage | undefined;
      const skipped = [...files.skipped];
      if (threadTs !== undefined) {
        const parent = await referencedMessage(client, log, downloader, channel, threadTs);
        replyTo = parent.reference;
        skipped.push(...parent.skipped);
      }
      await noteSkipped(replyChannel, skipped);
      const text = fromSlackText(event.text, botUserId);
      if (text === '' && files.attachments.length === 0 && replyTo === undefined) {
        await replyChannel.send({ text: 'Hello! Type `/help` to see what I can do, or mention me in the thread of an image with the change you want, e.g. "make the star blue".', ephemeral: true });
        return;
      }
      const message: IncomingMessage = {
        id: slackMessageId(channel, ts),
        platform: 'slack',
        workspace: workspace((body as { team_id?: string }).team_id ?? event.team),
        channelId: channel,
        user: await people.sender(user),
        text,
        attachments: files.attachments,
        replyTo,
      };
      await dispatcher.handleMessage(message, replyChannel);
    });
  });

  // 👍 on a message showing a gallery entry: a vote for it, taken back when the reaction is removed.
  const onReaction = (event: ReactionEvent, body: unknown, action: ReactionAction) => {
    const context = { client, prisma, replies, people, botUserId, workspace: workspace((body as { team_id?: string }).team_id), logger: log, rateLimit: options.rateLimit };
    track(() => handleReaction(event, action, context));
  };
  app.event('reaction_added', async ({ event, body }) => onReaction(event, body, 'add'));
  app.event('reaction_removed', async ({ event, body }) => onReaction(event, body, 'remove'));

  // Buttons: the action id is the reply button's id (`<command>:<payload>`).
  app.action(/.*/, async ({ body, action, ack }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button') return;
    const actions = body as BlockAction;
    const button = action as ButtonAction;
    const buttonId = button.action_id;
    if (!buttonId.includes(':')) return;
    track(async () => {
      const container = actions.container as { message_ts?: string; channel_id?: string; thread_ts?: string; is_ephemeral?: boolean };
      const channel = actions.channel?.id ?? container.channel_id;
      const messageTs = actions.message?.ts ?? container.message_ts;
      if (!channel || !messageTs) return;
      const messageThread = (actions.message?.thread_ts as string | undefined) ?? container.thread_ts;
      const target: ReplyTarget = {
        channel,
        threadTs: messageThread !== undefined && messageThread !== messageTs ? messageThread : undefined,
        user: actions.user.id,
        respond: actions.response_url ? (text) => answerPrivately(actions.response_url, text) : undefined,
      };
      const replyId = slackMessageId(channel, messageTs);
      const press: ButtonPress = {
        id: `${channel}:action:${button.action_ts}:${actions.user.id}`,
        platform: 'slack',
        workspace: workspace(actions.team?.id ?? actions.user.team_id, actions.team?.domain),
        channelId: channel,
        user: await people.sender(actions.user.id, actions.user.name ?? actions.user.username),
        buttonId,
        replyId: container.is_ephemeral ? `ephemeral:${replyId}` : replyId,
      };
      await dispatcher.handleButton(press, replies.channelFor(target));
    });
  });

  /** Answers an interaction privately through its response_url, for when the bot can't post in the conversation. */
  async function answerPrivately(responseUrl: string, text: string): Promise<void> {
    const response = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', replace_original: false, text }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`response_url answered ${response.status}`);
  }

  // The message shortcut asks for the change in a modal; the modal's submission is the edit.
  app.shortcut<MessageShortcut>(EDIT_SHORTCUT_ID, async ({ shortcut, ack }) => {
    await ack();
    const metadata: ModalMetadata = { channel: shortcut.channel.id, ts: shortcut.message.ts, threadTs: shortcut.message.thread_ts as string | undefined };
    try {
      await client.views.open({ trigger_id: shortcut.trigger_id, view: editModal(metadata) });
    } catch (error) {
      log.error({ err: error, slackError: slackErrorCode(error) }, 'could not open the edit modal');
    }
  });

  app.view<ViewSubmitAction>(EDIT_MODAL_ID, async ({ view, body, ack }) => {
    const instruction = view.state.values.instruction?.instruction?.value?.trim() ?? '';
    const metadata = parseMetadata(view.private_metadata);
    if (instruction === '') {
      await ack({ response_action: 'errors', errors: { instruction: 'Please describe the change, e.g. "make the star blue".' } });
      return;
    }
    await ack();
    if (metadata === undefined) {
      log.warn({ viewId: view.id }, 'edit modal submitted without its message');
      return;
    }
    track(async () => {
      // Answers go in the thread of the image's message, where a follow-up mention can find them.
      const threadTs = metadata.threadTs ?? metadata.ts;
      const replyChannel = replies.channelFor({ channel: metadata.channel, threadTs, user: body.user.id });
      const referenced = await referencedMessage(client, log, downloader, metadata.channel, metadata.ts, metadata.threadTs);
      await noteSkipped(replyChannel, referenced.skipped);
      const message: IncomingMessage = {
        id: `${metadata.channel}:view:${view.id}`,
        platform: 'slack',
        workspace: workspace(body.team?.id ?? body.user.team_id, body.team?.domain),
        channelId: metadata.channel,
        user: await people.sender(body.user.id, body.user.name),
        text: instruction,
        attachments: [],
        replyTo: referenced.reference,
      };
      await dispatcher.handleMessage(message, replyChannel);
    });
  });

  let url: string | undefined;
  if (socketMode) {
    await app.start();
    log.info({ team: identity.team, botUserId }, 'Slack bot connected (Socket Mode)');
  } else {
    const host = options.host ?? '0.0.0.0';
    const server = (await app.start({ port: options.port ?? 3000, host })) as Server;
    const { port } = server.address() as AddressInfo;
    const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}${EVENTS_PATH}`;
    log.info({ url, team: identity.team, botUserId }, 'Slack bot listening (HTTP)');
  }

  let deliveries: Deliveries | undefined;
  if (options.jobs) {
    // Replies whose follower is gone (a restart mid-job): taken over, and results put into them.
    deliveries = keepDelivering({
      jobs: options.jobs,
      prisma: options.prisma,
      platform: 'slack',
      logger: log,
      deliver: async (address, reply) => {
        const id = parseSlackMessageId(address.messageId ?? '');
        if (!id) throw new Error(`not a Slack message address: ${JSON.stringify(address)}`);
        await replies.channelFor({ channel: id.channel, user: '' }).edit(address.messageId as string, reply);
      },
    });
    const caughtUp = deliveries.caughtUp;
    inFlight.add(caughtUp);
    void caughtUp.finally(() => inFlight.delete(caughtUp));
  }

  return {
    url,
    async close() {
      await deliveries?.stop();
      if (receiver instanceof SocketModeReceiver) await receiver.client.disconnect();
      else await app.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}

function editModal(metadata: ModalMetadata): webApi.ViewsOpenArguments['view'] {
  return {
    type: 'modal',
    callback_id: EDIT_MODAL_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Edit with Retouch' },
    submit: { type: 'plain_text', text: 'Edit' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'instruction',
        label: { type: 'plain_text', text: 'What should change?' },
        hint: { type: 'plain_text', text: 'Describe the change in plain English; the result is posted in the message\'s thread.' },
        element: {
          type: 'plain_text_input',
          action_id: 'instruction',
          max_length: MAX_INSTRUCTION_CHARS,
          placeholder: { type: 'plain_text', text: 'make the star blue' },
        },
      },
    ],
  };
}

function parseMetadata(text: string): ModalMetadata | undefined {
  try {
    const value = JSON.parse(text) as Partial<ModalMetadata>;
    if (typeof value.channel !== 'string' || typeof value.ts !== 'string') return undefined;
    return { channel: value.channel, ts: value.ts, threadTs: typeof value.threadTs === 'string' ? value.threadTs : undefined };
  } catch {
    return undefined;
  }
}
