// A local stand-in for Discord's servers that the real discord.js client talks to: the REST API
// under /api/v10 (gateway discovery, application commands, interaction callbacks, webhook
// follow-ups, channel messages, with JSON or multipart bodies), a CDN for attachments, and the
// gateway over WebSocket (HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME, sharding by
// guild id). It keeps messages as Discord would, records every REST call, ends interaction tokens
// after 15 minutes (or when a test says so) with Discord's 401 Invalid Webhook Token, and lets a
// test inject the dispatches a person would cause: slash commands, button presses, context-menu
// commands, modal answers, channel messages and reactions.
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage as HttpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  EVERYONE_PERMISSIONS,
  MessageFlag,
  MessageType,
  Permission,
  channelPayload,
  contentTypeOf,
  memberPayload,
  rolePayload,
  snowflake,
  snowflakeTime,
  userPayload,
  type AttachmentPayload,
  type ChannelPayload,
  type MemberPayload,
  type MessagePayload,
  type ReactionPayload,
  type RolePayload,
  type UserPayload,
} from './payloads.ts';

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

export interface RecordedCall {
  /** Position in `calls`. */
  index: number;
  method: string;
  /** Without /api/v10 and without the query. */
  path: string;
  query: URLSearchParams;
  /** The JSON body (or a multipart request's payload_json). */
  body: any;
  files: RecordedFile[];
  status: number;
  /** performance.now() when the request arrived. */
  at: number;
  authorization: string | undefined;
}

export interface Guild {
  id: string;
  name: string;
  channel: ChannelPayload;
  everyone: RolePayload;
  moderators: RolePayload;
}

interface Interaction {
  id: string;
  token: string;
  type: number;
  guildId: string;
  channelId: string;
  user: UserPayload;
  dispatchedAt: number;
  acknowledged: boolean;
  /** The response message (deferred or sent), or for a component the message that carried it. */
  originalId?: string;
  modal?: any;
  /** The test ended its token early (see expireInteractionTokens). */
  expired?: boolean;
}

interface Session {
  socket: WebSocket;
  sessionId: string;
  shard: [number, number];
  intents: number;
  sequence: number;
}

const GATEWAY_INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10;
const GATEWAY_INTENT_MESSAGE_CONTENT = 1 << 15;
const ACK_DEADLINE_MS = 3000;
/** Discord honours an interaction's token for 15 minutes after the interaction (its id's time). */
const TOKEN_LIFETIME_MS = 15 * 60_000;

class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeDiscordOptions {
  /** Servers to create (each gets a #general channel); default one. */
  guilds?: number;
  /** Choose the servers' ids so that server i lands on shard i % spreadOverShards. */
  spreadOverShards?: number;
  heartbeatIntervalMs?: number;
}

export class FakeDiscord {
  readonly token = `fake.${snowflake()}.token`;
  readonly applicationId = snowflake();
  readonly bot = userPayload('Retouch', { bot: true });
  readonly users = {
    alice: userPayload('alice', { globalName: 'Alice' }),
    bob: userPayload('bob', { globalName: 'Bob' }),
    mod: userPayload('mod', { globalName: 'Moderator Mo' }),
    carol: userPayload('carol', { globalName: 'Carol' }),
    otherBot: userPayload('otherbot', { bot: true }),
  };
  readonly guilds: Guild[] = [];
  readonly calls: RecordedCall[] = [];
  /** Every message by id, including deleted ones (marked). */
  readonly messages = new Map<string, MessagePayload & { deleted?: boolean }>();
  readonly registeredCommands = new Map<string, any[]>();
  readonly sessions = new Set<Session>();
  apiUrl = '';
  cdnUrl = '';
  gatewayUrl = '';

  readonly #events = new EventEmitter();
  readonly #interactions = new Map<string, Interaction>();
  readonly #files = new Map<string, { data: Buffer; contentType: string | undefined }>();
  /** Per message, per emoji, who reacted with it (in order). */
  readonly #reactions = new Map<string, Map<string, Set<string>>>();
  readonly #failures: Array<{ method: string; path: RegExp; status: number; code: number; message: string; remaining: number }> = [];
  /** Tokens to end as soon as a matching call made with them has been answered. */
  readonly #expiries: Array<{ token: string | undefined; after: (call: RecordedCall) => boolean }> = [];
  readonly #server = createServer((request, response) => void this.#serve(request, response));
  readonly #gateway = new WebSocketServer({ noServer: true });
  readonly #heartbeatIntervalMs: number;

  constructor(options: FakeDiscordOptions = {}) {
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? 41_250;
    for (let i = 0; i < (options.guilds ?? 1); i++) {
      let id = snowflake();
      // A guild's shard is (id >> 22) % shards: its creation millisecond decides.
      while (options.spreadOverShards && this.#shardOf(id, options.spreadOverShards) !== i % options.spreadOverShards) id = snowflake();
      this.guilds.push({
        id,
        name: i === 0 ? 'Retouch Test Server' : `Test Server ${i + 1}`,
        channel: channelPayload(id, 'general'),
        everyone: rolePayload(id, '@everyone', EVERYONE_PERMISSIONS, 0),
        moderators: rolePayload(snowflake(), 'Moderators', Permission.ManageMessages, 1),
      });
    }
    this.#events.setMaxListeners(100);
  }

  get guild(): Guild {
    return this.guilds[0]!;
  }

  get channelId(): string {
    return this.guild.channel.id;
  }

  async start(): Promise<this> {
    this.#server.on('upgrade', (request, socket, head) => {
      if (!request.url?.startsWith('/gateway')) return socket.destroy();
      this.#gateway.handleUpgrade(request, socket, head, (ws) => this.#connect(ws));
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const { port } = this.#server.address() as AddressInfo;
    this.apiUrl = `http://127.0.0.1:${port}/api`;
    this.cdnUrl = `http://127.0.0.1:${port}/cdn`;
    this.gatewayUrl = `ws://127.0.0.1:${port}/gateway`;
    return this;
  }

  async close(): Promise<void> {
    for (const session of this.sessions) session.socket.terminate();
    this.#gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- what tests do ----

  /**
   * The next `times` requests matching method and path answer `status` (Discord-style error body,
   * with `code` and `message` when given, e.g. 403 / 50013 Missing Permissions).
   */
  failNext(method: string, path: RegExp, { times = 1, status = 500, code = 0, message = undefined as string | undefined } = {}): void {
    this.#failures.push({ method, path, status, code, message: message ?? `${status}: Injected failure`, remaining: times });
  }

  /**
   * Ends interaction tokens as the passing of Discord's 15 minutes would: from then on their webhook
   * routes (follow-ups, edits, deletes of the response and follow-ups) answer 401 Invalid Webhook
   * Token (50027). `token` picks one interaction (default: every interaction so far). With `after`,
   * the token ends right after the first call made with it that `after` accepts has been answered
   * successfully (e.g. the first reply), so that a test need not race the bot.
   */
  expireInteractionTokens({ token, after }: { token?: string; after?: (call: RecordedCall) => boolean } = {}): void {
    if (after) {
      this.#expiries.push({ token, after });
      return;
    }
    for (const interaction of this.#interactions.values()) if (token === undefined || interaction.token === token) interaction.expired = true;
  }

  /** Whether Discord would still take this interaction's token. */
  #tokenExpired(interaction: Interaction): boolean {
    return interaction.expired === true || Date.now() - snowflakeTime(interaction.id) >= TOKEN_LIFETIME_MS;
  }

  #applyExpiries(call: RecordedCall): void {
    if (call.status >= 300) return;
    for (const rule of [...this.#expiries]) {
      const interaction = [...this.#interactions.values()].find((i) => (rule.token === undefined || i.token === rule.token) && call.path.includes(`/${i.token}`));
      if (!interaction || !rule.after(call)) continue;
      interaction.expired = true;
      this.#expiries.splice(this.#expiries.indexOf(rule), 1);
    }
  }

  /** Resolves with the first call (at or after `from`) that matches. */
  async waitForCall(predicate: (call: RecordedCall) => boolean, { from = 0, timeoutMs = 10_000 } = {}): Promise<RecordedCall> {
    const found = this.calls.slice(from).find(predicate);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const onCall = (call: RecordedCall) => {
        if (!predicate(call)) return;
        clearTimeout(timer);
        this.#events.off('call', onCall);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.#events.off('call', onCall);
        reject(new Error(`no matching Discord API call within ${timeoutMs} ms; calls so far:\n${this.describeCalls(from)}`));
      }, timeoutMs);
      this.#events.on('call', onCall);
    });
  }

  describeCalls(from = 0): string {
    return this.calls
      .slice(from)
      .map((call) => `${call.status} ${call.method} ${call.path} ${JSON.stringify(call.body)?.slice(0, 160) ?? ''}${call.files.length ? ` +${call.files.length} files` : ''}`)
      .join('\n');
  }

  /** The message as Discord now has it (edits applied), or undefined. */
  message(id: string): (MessagePayload & { deleted?: boolean }) | undefined {
    return this.messages.get(id);
  }

  /** A file a user uploads, served from the CDN; returns the attachment object to put on a message. */
  async upload(data: Buffer, filename: string, contentType = contentTypeOf(filename), channelId = this.channelId): Promise<AttachmentPayload> {
    return this.#storeFile(data, filename, contentType, channelId);
  }

  /** A person writes in the channel; Discord sends MESSAGE_CREATE. */
  postMessage(options: {
    author: UserPayload;
    content: string;
    replyTo?: string;
    /** Whether a reply pings the author of the message replied to (Discord's default: yes). */
    pingRepliedUser?: boolean;
    attachments?: AttachmentPayload[];
    guild?: Guild;
  }): MessagePayload {
    const guild = options.guild ?? this.guild;
    const mentions = [...options.content.matchAll(/<@!?(\d+)>/g)]
      .map((match) => this.#userById(match[1]!))
      .filter((user): user is UserPayload => user !== undefined);
    const message = this.#newMessage({
      channelId: guild.channel.id,
      guildId: guild.id,
      author: options.author,
      content: options.content,
      attachments: options.attachments ?? [],
      type: options.replyTo ? MessageType.Reply : MessageType.Default,
    });
    if (options.replyTo) {
      const referenced = this.messages.get(options.replyTo);
      message.message_reference = { type: 0, message_id: options.replyTo, channel_id: guild.channel.id, guild_id: guild.id };
      message.referenced_message = referenced && !referenced.deleted ? this.#withoutState(referenced) : null;
      if (referenced && !referenced.deleted && options.pingRepliedUser !== false && !mentions.some((u) => u.id === referenced.author.id)) {
        mentions.push(referenced.author);
      }
    }
    message.mentions = mentions.map((user) => ({ ...user, member: this.#memberWithoutUser(guild, user) }));
    message.member = this.#memberWithoutUser(guild, options.author);
    this.messages.set(message.id, message);
    this.#dispatchMessageCreate(message, guild);
    return message;
  }

  /** Someone deletes a message; Discord sends MESSAGE_DELETE. */
  deleteMessage(id: string): void {
    const message = this.messages.get(id);
    if (!message || message.deleted) return;
    message.deleted = true;
    const guild = this.#guildOf(message.channel_id);
    for (const session of this.#sessionsFor(guild.id)) this.#send(session, 'MESSAGE_DELETE', { id, channel_id: message.channel_id, guild_id: guild.id });
  }

  /**
   * Someone reacts to a message with a Unicode emoji; Discord sends MESSAGE_REACTION_ADD (to sessions
   * with the Guild Message Reactions intent). Reacting again with the same emoji changes nothing and
   * sends nothing; returns whether it was sent.
   */
  addReaction(messageId: string, emoji: string, user: UserPayload = this.users.alice): boolean {
    const message = this.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`no message ${messageId} to react to`);
    const byEmoji = this.#reactions.get(messageId) ?? new Map<string, Set<string>>();
    this.#reactions.set(messageId, byEmoji);
    const users = byEmoji.get(emoji) ?? new Set<string>();
    byEmoji.set(emoji, users);
    if (users.has(user.id)) return false;
    users.add(user.id);
    const guild = this.#guildOf(message.channel_id);
    const { user: _user, ...member } = memberPayload(user, this.#rolesOf(guild, user));
    this.#dispatchReaction('MESSAGE_REACTION_ADD', guild, {
      user_id: user.id,
      type: 0,
      message_id: messageId,
      message_author_id: message.author.id,
      member: { ...member, user },
      emoji: { id: null, name: emoji },
      channel_id: message.channel_id,
      burst: false,
      burst_colors: [],
      guild_id: guild.id,
    });
    return true;
  }

  /** Someone takes their reaction back; Discord sends MESSAGE_REACTION_REMOVE (ids only, no member). */
  removeReaction(messageId: string, emoji: string, user: UserPayload = this.users.alice): boolean {
    const message = this.messages.get(messageId);
    const users = this.#reactions.get(messageId)?.get(emoji);
    if (!message || message.deleted || !users?.delete(user.id)) return false;
    if (users.size === 0) this.#reactions.get(messageId)!.delete(emoji);
    const guild = this.#guildOf(message.channel_id);
    this.#dispatchReaction('MESSAGE_REACTION_REMOVE', guild, {
      user_id: user.id,
      type: 0,
      message_id: messageId,
      emoji: { id: null, name: emoji },
      channel_id: message.channel_id,
      burst: false,
      guild_id: guild.id,
    });
    return true;
  }

  /**
   * A slash command; returns the interaction's id, token and when it was dispatched. `createdAt`
   * (ms since 1970) dates the interaction's id in the past, as if it had reached the bot that late:
   * its token ends 15 minutes after that.
   */
  slashCommand(options: {
    name: string;
    options?: Array<{ name: string; type: number; value: string | number | boolean }>;
    user?: UserPayload;
    attachment?: AttachmentPayload;
    guild?: Guild;
    createdAt?: number;
  }): { id: string; token: string; dispatchedAt: number } {
    const guild = options.guild ?? this.guild;
    const commandOptions = [...(options.options ?? [])];
    const data: any = { id: this.#commandId(options.name, guild), name: options.name, type: 1, guild_id: guild.id, options: commandOptions };
    if (options.attachment) {
      commandOptions.push({ name: 'image', type: 11, value: options.attachment.id });
      data.resolved = { attachments: { [options.attachment.id]: { ...options.attachment, ephemeral: true } } };
    }
    return this.#dispatchInteraction(2, data, options.user ?? this.users.alice, guild, options.createdAt !== undefined ? { createdAt: options.createdAt } : {});
  }

  /** A click on a button of a message. */
  pressButton(messageId: string, customId: string, user: UserPayload = this.users.alice): { id: string; token: string; dispatchedAt: number } {
    const message = this.messages.get(messageId);
    if (!message || message.deleted) throw new Error(`no message ${messageId} to press a button on`);
    const exists = message.components.some((row: any) => row.components.some((component: any) => component.custom_id === customId));
    if (!exists) throw new Error(`message ${messageId} has no button ${customId}`);
    const guild = this.#guildOf(message.channel_id);
    return this.#dispatchInteraction(3, { custom_id: customId, component_type: 2 }, user, guild, { message: this.#withoutState(message), originalId: messageId });
  }

  /** A message context-menu command (Apps → name) on a message. */
  messageMenu(name: string, targetId: string, user: UserPayload = this.users.alice): { id: string; token: string; dispatchedAt: number } {
    const target = this.messages.get(targetId);
    if (!target || target.deleted) throw new Error(`no message ${targetId}`);
    const guild = this.#guildOf(target.channel_id);
    const data = { id: this.#commandId(name, guild), name, type: 3, guild_id: guild.id, target_id: targetId, resolved: { messages: { [targetId]: this.#withoutState(target) } } };
    return this.#dispatchInteraction(2, data, user, guild);
  }

  /** The modal an interaction answered with (callback type 9), if any. */
  modalOf(interactionId: string): any {
    return [...this.#interactions.values()].find((interaction) => interaction.id === interactionId)?.modal;
  }

  /** Someone fills in a modal's text inputs and submits it. */
  submitModal(customId: string, values: Record<string, string>, user: UserPayload = this.users.alice, guild: Guild = this.guild): { id: string; token: string; dispatchedAt: number } {
    let id = 1;
    const components = Object.entries(values).map(([field, value]) => ({ type: 18, id: id++, component: { type: 4, id: id++, custom_id: field, value } }));
    return this.#dispatchInteraction(5, { custom_id: customId, components }, user, guild);
  }

  /** Messages in a channel (not deleted, not ephemeral unless asked), oldest first. */
  channelMessages(channelId = this.channelId, { ephemeral = false } = {}): MessagePayload[] {
    return [...this.messages.values()].filter(
      (m) => m.channel_id === channelId && !m.deleted && (ephemeral || (m.flags & MessageFlag.Ephemeral) === 0),
    );
  }

  /** The bytes of an attachment as the CDN serves them. */
  fileAt(url: string): Buffer | undefined {
    return this.#files.get(new URL(url).pathname)?.data;
  }

  // ---- gateway ----

  #connect(socket: WebSocket): void {
    let session: Session | undefined;
    socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: this.#heartbeatIntervalMs }, s: null, t: null }));
    socket.on('message', (raw) => {
      const payload = JSON.parse(raw.toString()) as { op: number; d: any };
      switch (payload.op) {
        case 1:
          socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
          break;
        case 2: {
          if (payload.d.token !== this.token && payload.d.token !== `Bot ${this.token}`) {
            socket.close(4004, 'Authentication failed.');
            return;
          }
          const shard = (payload.d.shard ?? [0, 1]) as [number, number];
          session = { socket, sessionId: snowflake(), shard, intents: payload.d.intents, sequence: 0 };
          this.sessions.add(session);
          const guilds = this.guilds.filter((guild) => this.#shardOf(guild.id, shard[1]) === shard[0]);
          this.#send(session, 'READY', {
            v: 10,
            user: { ...this.bot, verified: true, mfa_enabled: false, flags: 0 },
            guilds: guilds.map((guild) => ({ id: guild.id, unavailable: true })),
            session_id: session.sessionId,
            resume_gateway_url: this.gatewayUrl,
            shard,
            application: { id: this.applicationId, flags: 0 },
            private_channels: [],
            presences: [],
            relationships: [],
            guild_join_requests: [],
            geo_ordered_rtc_regions: [],
            user_settings: {},
          });
          for (const guild of guilds) this.#send(session, 'GUILD_CREATE', this.#guildCreate(guild));
          this.#events.emit('identify', session);
          break;
        }
        case 6: {
          const previous = [...this.sessions].find((s) => s.sessionId === payload.d.session_id);
          if (!previous || payload.d.token.replace(/^Bot /, '') !== this.token) {
            socket.send(JSON.stringify({ op: 9, d: false, s: null, t: null }));
            return;
          }
          previous.socket = socket;
          session = previous;
          this.#send(session, 'RESUMED', {});
          break;
        }
        default:
          break;
      }
    });
    socket.on('close', () => {
      if (session && session.socket === socket) this.sessions.delete(session);
    });
  }

  /** Waits until `count` sessions have identified. */
  async waitForSessions(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sessions.size < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.sessions.size} of ${count} gateway sessions identified`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  #send(session: Session, event: string, data: unknown): void {
    session.sequence += 1;
    session.socket.send(JSON.stringify({ op: 0, t: event, s: session.sequence, d: data }));
  }

  #sessionsFor(guildId: string): Session[] {
    return [...this.sessions].filter((session) => this.#shardOf(guildId, session.shard[1]) === session.shard[0]);
  }

  #shardOf(guildId: string, shardCount: number): number {
    return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
  }

  #guildCreate(guild: Guild): unknown {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: this.users.otherBot.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [guild.everyone, guild.moderators],
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      joined_at: new Date(0).toISOString(),
      large: false,
      unavailable: false,
      member_count: 5,
      voice_states: [],
      members: [memberPayload(this.bot, [])],
      channels: [guild.channel],
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  #dispatchMessageCreate(message: MessagePayload, guild: Guild): void {
    for (const session of this.#sessionsFor(guild.id)) {
      const mentionsBot = message.mentions.some((user) => user.id === this.bot.id);
      const own = message.author.id === this.bot.id;
      // Without the Message Content intent Discord sends messages that don't concern the bot without their content.
      const readable = (session.intents & GATEWAY_INTENT_MESSAGE_CONTENT) !== 0 || mentionsBot || own;
      const payload = readable ? message : { ...message, content: '', attachments: [], embeds: [], components: [] };
      this.#send(session, 'MESSAGE_CREATE', this.#withoutState(payload));
    }
  }

  #dispatchReaction(event: 'MESSAGE_REACTION_ADD' | 'MESSAGE_REACTION_REMOVE', guild: Guild, data: unknown): void {
    for (const session of this.#sessionsFor(guild.id)) {
      if ((session.intents & GATEWAY_INTENT_GUILD_MESSAGE_REACTIONS) !== 0) this.#send(session, event, data);
    }
  }

  #dispatchInteraction(
    type: number,
    data: unknown,
    user: UserPayload,
    guild: Guild,
    extra: { message?: MessagePayload; originalId?: string; createdAt?: number } = {},
  ): { id: string; token: string; dispatchedAt: number } {
    const id = snowflake(extra.createdAt);
    const token = `interaction.${id}.${Math.random().toString(36).slice(2)}`;
    const interaction: Interaction = { id, token, type, guildId: guild.id, channelId: guild.channel.id, user, dispatchedAt: performance.now(), acknowledged: false, ...(extra.originalId ? { originalId: extra.originalId } : {}) };
    this.#interactions.set(token, interaction);
    const payload = {
      id,
      application_id: this.applicationId,
      type,
      data,
      guild: { id: guild.id, locale: 'en-US', features: [] },
      guild_id: guild.id,
      channel: { ...guild.channel, permissions: this.#permissionsOf(guild, user).toString() },
      channel_id: guild.channel.id,
      member: { ...memberPayload(user, this.#rolesOf(guild, user)), permissions: this.#permissionsOf(guild, user).toString() },
      token,
      version: 1,
      app_permissions: EVERYONE_PERMISSIONS.toString(),
      locale: 'en-US',
      guild_locale: 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guild.id },
      context: 0,
      attachment_size_limit: 10 * 1024 * 1024,
      ...(extra.message ? { message: extra.message } : {}),
    };
    const sessions = this.#sessionsFor(guild.id);
    if (sessions.length === 0) throw new Error(`no gateway session serves guild ${guild.id}`);
    interaction.dispatchedAt = performance.now();
    for (const session of sessions) this.#send(session, 'INTERACTION_CREATE', payload);
    return { id, token, dispatchedAt: interaction.dispatchedAt };
  }

  // ---- REST ----

  async #serve(request: HttpRequest, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const raw = await readBody(request);
    if (url.pathname.startsWith('/cdn/')) {
      const file = this.#files.get(url.pathname);
      if (!file) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': file.contentType ?? 'application/octet-stream', 'content-length': file.data.length });
      return void response.end(file.data);
    }
    const path = decodeURIComponent(url.pathname.replace(/^\/api\/v10/, ''));
    const { body, files } = await parseBody(request.headers['content-type'], raw);
    const call: RecordedCall = {
      index: this.calls.length,
      method: request.method ?? 'GET',
      path,
      query: url.searchParams,
      body,
      files,
      status: 0,
      at: performance.now(),
      authorization: request.headers.authorization,
    };
    this.calls.push(call);
    let status = 200;
    let result: unknown;
    try {
      const failure = this.#failures.find((f) => f.remaining > 0 && f.method === call.method && f.path.test(path));
      if (failure) {
        failure.remaining -= 1;
        throw new DiscordError(failure.status, failure.code, failure.message);
      }
      result = await this.#route(call);
      if (result === undefined) status = 204;
    } catch (error) {
      const known = error instanceof DiscordError ? error : new DiscordError(500, 0, `500: ${error instanceof Error ? error.message : String(error)}`);
      status = known.status;
      result = { message: known.message, code: known.code };
    }
    call.status = status;
    this.#applyExpiries(call);
    if (status === 204) response.writeHead(204).end();
    else response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    this.#events.emit('call', call);
  }

  async #route(call: RecordedCall): Promise<unknown> {
    const { method, path } = call;
    const authed = () => {
      if (call.authorization !== `Bot ${this.token}`) throw new DiscordError(401, 0, '401: Unauthorized');
    };
    let match: RegExpExecArray | null;
    if (method === 'GET' && (path === '/gateway/bot' || path === '/gateway')) {
      if (path === '/gateway/bot') authed();
      return { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } };
    }
    if (method === 'GET' && path === '/users/@me') {
      authed();
      return { ...this.bot, verified: true, mfa_enabled: false, flags: 0 };
    }
    if ((match = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
      authed();
      if (match[1] !== this.applicationId) throw new DiscordError(403, 50001, 'Missing Access');
      const scope = match[2] ?? 'global';
      if (method === 'PUT') {
        const registered = (call.body as any[]).map((command) => ({ ...command, id: snowflake(), application_id: this.applicationId, version: snowflake(), ...(match![2] ? { guild_id: match![2] } : {}) }));
        this.registeredCommands.set(scope, registered);
        return registered;
      }
      if (method === 'GET') return this.registeredCommands.get(scope) ?? [];
    }
    if (method === 'POST' && (match = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      return this.#callback(match[1]!, decodeURIComponent(match[2]!), call);
    }
    if ((match = /^\/webhooks\/(\d+)\/([^/]+)(?:\/messages\/(@original|\d+))?$/.exec(path))) {
      return this.#webhook(match[1]!, decodeURIComponent(match[2]!), match[3], call);
    }
    if (method === 'GET' && (match = /^\/users\/(\d+)$/.exec(path))) {
      authed();
      const user = this.#userById(match[1]!);
      if (!user) throw new DiscordError(404, 10013, 'Unknown User');
      return user;
    }
    if (method === 'GET' && (match = /^\/channels\/(\d+)$/.exec(path))) {
      authed();
      const guild = this.guilds.find((g) => g.channel.id === match![1]);
      if (!guild) throw new DiscordError(404, 10003, 'Unknown Channel');
      return guild.channel;
    }
    if ((match = /^\/channels\/(\d+)\/messages(?:\/(\d+))?$/.exec(path))) {
      authed();
      return this.#channelMessages(match[1]!, match[2], call);
    }
    throw new DiscordError(404, 0, '404: Not Found');
  }

  // No check of the token's 15 minutes here: Discord takes a callback within 3 seconds only.
  #callback(interactionId: string, token: string, call: RecordedCall): unknown {
    const interaction = this.#interactions.get(token);
    if (!interaction || interaction.id !== interactionId || call.at - interaction.dispatchedAt > ACK_DEADLINE_MS) {
      throw new DiscordError(404, 10062, 'Unknown interaction');
    }
    if (interaction.acknowledged) throw new DiscordError(400, 40060, 'Interaction has already been acknowledged.');
    const { type, data } = call.body as { type: number; data?: any };
    const guild = this.#guildOf(interaction.channelId);
    const respond = (flags: number, content: string, files: RecordedFile[] = []) => {
      const message = this.#newMessage({
        // Made as the callback came, within 3 seconds of the interaction (whose id may be dated earlier: slashCommand's createdAt).
        at: snowflakeTime(interaction.id) + Math.max(1, Math.round(call.at - interaction.dispatchedAt)),
        channelId: interaction.channelId,
        guildId: interaction.guildId,
        author: this.bot,
        content,
        attachments: [],
        type: interaction.type === 2 ? MessageType.ChatInputCommand : MessageType.Default,
        flags,
      });
      message.webhook_id = this.applicationId;
      message.application_id = this.applicationId;
      message.interaction_metadata = { id: interaction.id, type: interaction.type, user: interaction.user, authorizing_integration_owners: { '0': interaction.guildId } };
      this.messages.set(message.id, message);
      interaction.originalId = message.id;
      return message;
    };
    switch (type) {
      case 4: {
        const message = respond(data?.flags ?? 0, data?.content ?? '');
        this.#applyEdit(message, data ?? {}, call.files);
        if ((message.flags & MessageFlag.Ephemeral) === 0) this.#dispatchMessageCreate(message, guild);
        break;
      }
      case 5:
        respond(MessageFlag.Loading | ((data?.flags ?? 0) & MessageFlag.Ephemeral), '');
        break;
      case 6:
      case 7:
        if (interaction.type !== 3 && interaction.type !== 5) throw new DiscordError(400, 50035, 'Invalid Form Body');
        if (type === 7 && interaction.originalId) this.#applyEdit(this.messages.get(interaction.originalId)!, data ?? {}, call.files);
        break;
      case 9:
        if (interaction.type === 5) throw new DiscordError(400, 50035, 'Invalid Form Body');
        interaction.modal = data;
        break;
      default:
        throw new DiscordError(400, 50035, 'Invalid Form Body');
    }
    interaction.acknowledged = true;
    if (call.query.get('with_response') === 'true') {
      const message = interaction.originalId ? this.messages.get(interaction.originalId) : undefined;
      return { interaction: { id: interaction.id, type: interaction.type }, resource: { type, ...(message ? { message: this.#withoutState(message) } : {}) } };
    }
    return undefined;
  }

  #webhook(applicationId: string, token: string, messageRef: string | undefined, call: RecordedCall): unknown {
    const interaction = this.#interactions.get(token);
    if (applicationId !== this.applicationId || !interaction) throw new DiscordError(404, 10015, 'Unknown Webhook');
    if (this.#tokenExpired(interaction)) throw new DiscordError(401, 50027, 'Invalid Webhook Token');
    if (!interaction.acknowledged) throw new DiscordError(404, 10015, 'Unknown Webhook');
    const guild = this.#guildOf(interaction.channelId);
    if (messageRef === undefined) {
      if (call.method !== 'POST') throw new DiscordError(405, 0, '405: Method Not Allowed');
      const original = interaction.originalId ? this.messages.get(interaction.originalId) : undefined;
      // Discord: after a deferred response, the first follow-up replaces the "thinking" placeholder.
      if (original && !original.deleted && (original.flags & MessageFlag.Loading) !== 0) {
        original.flags &= ~MessageFlag.Loading;
        this.#applyEdit(original, call.body ?? {}, call.files);
        if ((original.flags & MessageFlag.Ephemeral) === 0) this.#dispatchMessageCreate(original, guild);
        return this.#withoutState(original);
      }
      const message = this.#newMessage({
        channelId: interaction.channelId,
        guildId: interaction.guildId,
        author: this.bot,
        content: '',
        attachments: [],
        type: MessageType.Default,
        flags: (call.body?.flags ?? 0) & MessageFlag.Ephemeral,
      });
      message.webhook_id = this.applicationId;
      message.application_id = this.applicationId;
      this.#applyEdit(message, call.body ?? {}, call.files);
      this.messages.set(message.id, message);
      if ((message.flags & MessageFlag.Ephemeral) === 0) this.#dispatchMessageCreate(message, guild);
      return this.#withoutState(message);
    }
    const id = messageRef === '@original' ? interaction.originalId : messageRef;
    const message = id ? this.messages.get(id) : undefined;
    if (!message || message.deleted || message.author.id !== this.bot.id) throw new DiscordError(404, 10008, 'Unknown Message');
    if (call.method === 'GET') return this.#withoutState(message);
    if (call.method === 'DELETE') {
      message.deleted = true;
      return undefined;
    }
    if (call.method === 'PATCH') {
      const wasLoading = (message.flags & MessageFlag.Loading) !== 0;
      message.flags &= ~MessageFlag.Loading;
      this.#applyEdit(message, call.body ?? {}, call.files);
      message.edited_timestamp = wasLoading ? null : new Date().toISOString();
      return this.#withoutState(message);
    }
    throw new DiscordError(405, 0, '405: Method Not Allowed');
  }

  #channelMessages(channelId: string, messageId: string | undefined, call: RecordedCall): unknown {
    const guild = this.guilds.find((g) => g.channel.id === channelId);
    if (!guild) throw new DiscordError(404, 10003, 'Unknown Channel');
    if (messageId === undefined && call.method === 'GET') return this.#messageHistory(channelId, call.query);
    if (messageId === undefined) {
      if (call.method !== 'POST') throw new DiscordError(405, 0, '405: Method Not Allowed');
      const reference = call.body?.message_reference as { message_id: string } | undefined;
      const referenced = reference ? this.messages.get(reference.message_id) : undefined;
      if (reference && (!referenced || referenced.deleted)) throw new DiscordError(400, 50035, 'Invalid Form Body: message_reference: Unknown message');
      const message = this.#newMessage({
        channelId,
        guildId: guild.id,
        author: this.bot,
        content: '',
        attachments: [],
        type: reference ? MessageType.Reply : MessageType.Default,
      });
      this.#applyEdit(message, call.body ?? {}, call.files);
      if (referenced && reference) {
        message.message_reference = { type: 0, message_id: reference.message_id, channel_id: channelId, guild_id: guild.id };
        message.referenced_message = this.#withoutState(referenced);
      }
      this.messages.set(message.id, message);
      this.#dispatchMessageCreate(message, guild);
      return this.#withoutState(message);
    }
    const message = this.messages.get(messageId);
    // Ephemeral messages belong to their interaction; the bot's token cannot read them.
    if (!message || message.deleted || message.channel_id !== channelId || (message.flags & MessageFlag.Ephemeral) !== 0) {
      throw new DiscordError(404, 10008, 'Unknown Message');
    }
    if (call.method === 'GET') return this.#withoutState(message);
    if (call.method === 'PATCH') {
      // The bot's own messages include its interaction responses and follow-ups: its token edits
      // them at any age (the interaction's token, not the message, expires).
      if (message.author.id !== this.bot.id) throw new DiscordError(403, 50005, 'Cannot edit a message authored by another user');
      this.#applyEdit(message, call.body ?? {}, call.files);
      message.edited_timestamp = new Date().toISOString();
      return this.#withoutState(message);
    }
    if (call.method === 'DELETE') {
      message.deleted = true;
      return undefined;
    }
    throw new DiscordError(405, 0, '405: Method Not Allowed');
  }

  /** A channel's messages as GET /channels/:id/messages lists them: newest first, `limit` of them before, after or around an id. */
  #messageHistory(channelId: string, query: URLSearchParams): MessagePayload[] {
    const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 50)));
    const newestFirst = this.channelMessages(channelId).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? 1 : -1));
    const older = (id: string) => newestFirst.filter((m) => BigInt(m.id) < BigInt(id));
    const newer = (id: string) => newestFirst.filter((m) => BigInt(m.id) > BigInt(id));
    const around = query.get('around');
    const before = query.get('before');
    const after = query.get('after');
    let picked: MessagePayload[];
    if (around) {
      const at = newestFirst.filter((m) => m.id === around);
      const later = newer(around);
      const half = Math.floor((limit - at.length) / 2);
      picked = [...later.slice(Math.max(0, later.length - half)), ...at, ...older(around)].slice(0, limit);
    } else if (before) picked = older(before).slice(0, limit);
    else if (after) picked = newer(after).slice(-limit);
    else picked = newestFirst.slice(0, limit);
    return picked.map((message) => this.#withoutState(message));
  }

  /** Content, components and attachments as Discord applies a create or edit body. */
  #applyEdit(message: MessagePayload, body: any, files: RecordedFile[]): void {
    if ('content' in body && body.content !== undefined) {
      message.content = body.content ?? '';
      message.mentions = this.#mentionsIn(message.content, message.channel_id, body.allowed_mentions);
    }
    if ('components' in body && body.components !== undefined) message.components = body.components ?? [];
    if ('embeds' in body && body.embeds !== undefined) message.embeds = body.embeds ?? [];
    const uploaded = files.map((file, index) => ({ file, index }));
    const described = new Map<string, { description?: string }>((body.attachments ?? []).map((a: any) => [String(a.id), a]));
    const added = uploaded.map(({ file, index }) =>
      this.#storeFileSync(file.data, file.filename, contentTypeOf(file.filename) ?? file.contentType, message.channel_id, described.get(String(index))?.description),
    );
    // With `attachments` in the body, only the existing attachments it lists stay.
    const kept = Array.isArray(body.attachments) ? message.attachments.filter((a) => described.has(a.id)) : message.attachments;
    message.attachments = [...kept, ...added];
  }

  /** The users a bot's message mentions (pings): those in its content that `allowed_mentions` lets through (all, without it). */
  #mentionsIn(content: string, channelId: string, allowed: { parse?: string[]; users?: string[] } | undefined): MessagePayload['mentions'] {
    const guild = this.#guildOf(channelId);
    const ids = new Set([...content.matchAll(/<@!?(\d+)>/g)].map((match) => match[1]!));
    return [...ids]
      .filter((id) => allowed === undefined || allowed.parse?.includes('users') || allowed.users?.includes(id))
      .map((id) => this.#userById(id))
      .filter((user): user is UserPayload => user !== undefined)
      .map((user) => ({ ...user, member: this.#memberWithoutUser(guild, user) }));
  }

  #newMessage(options: {
    /** When it was made (its id's time); default now. */
    at?: number;
    channelId: string;
    guildId: string;
    author: UserPayload;
    content: string;
    attachments: AttachmentPayload[];
    type: number;
    flags?: number;
  }): MessagePayload {
    return {
      id: snowflake(options.at),
      type: options.type,
      channel_id: options.channelId,
      guild_id: options.guildId,
      author: options.author,
      content: options.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: options.attachments,
      embeds: [],
      components: [],
      pinned: false,
      flags: options.flags ?? 0,
    };
  }

  #withoutState<T extends MessagePayload & { deleted?: boolean }>(message: T): MessagePayload {
    const { deleted: _deleted, ...rest } = message;
    const reactions = this.#reactionsOf(message.id);
    return structuredClone(reactions.length > 0 ? { ...rest, reactions } : rest);
  }

  #reactionsOf(messageId: string): ReactionPayload[] {
    return [...(this.#reactions.get(messageId) ?? new Map<string, Set<string>>())].map(([name, users]) => ({
      count: users.size,
      count_details: { burst: 0, normal: users.size },
      me: users.has(this.bot.id),
      me_burst: false,
      emoji: { id: null, name },
      burst_colors: [],
    }));
  }

  async #storeFile(data: Buffer, filename: string, contentType: string | undefined, channelId: string, description?: string): Promise<AttachmentPayload> {
    const attachment = this.#storeFileSync(data, filename, contentType, channelId, description);
    try {
      const { width, height } = await sharp(data).metadata();
      Object.assign(attachment, { width, height });
    } catch {
      // Not an image: Discord gives no size.
    }
    return attachment;
  }

  #storeFileSync(data: Buffer, filename: string, contentType: string | undefined, channelId: string, description?: string): AttachmentPayload {
    const id = snowflake();
    const path = `/cdn/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`;
    this.#files.set(path, { data, contentType });
    const url = `${this.cdnUrl.replace(/\/cdn$/, '')}${path}`;
    return {
      id,
      filename,
      size: data.length,
      url,
      proxy_url: url,
      ...(contentType ? { content_type: contentType } : {}),
      ...(description ? { description } : {}),
    };
  }

  #commandId(name: string, guild: Guild): string {
    const registered = [...(this.registeredCommands.get(guild.id) ?? []), ...(this.registeredCommands.get('global') ?? [])];
    return registered.find((command) => command.name === name)?.id ?? snowflake();
  }

  #guildOf(channelId: string): Guild {
    const guild = this.guilds.find((g) => g.channel.id === channelId);
    if (!guild) throw new DiscordError(404, 10003, 'Unknown Channel');
    return guild;
  }

  #userById(id: string): UserPayload | undefined {
    return [this.bot, ...Object.values(this.users)].find((user) => user.id === id);
  }

  #rolesOf(guild: Guild, user: UserPayload): string[] {
    return user.id === this.users.mod.id ? [guild.moderators.id] : [];
  }

  #permissionsOf(guild: Guild, user: UserPayload): bigint {
    return this.#rolesOf(guild, user).includes(guild.moderators.id) ? EVERYONE_PERMISSIONS | Permission.ManageMessages : EVERYONE_PERMISSIONS;
  }

  #memberWithoutUser(guild: Guild, user: UserPayload): Omit<MemberPayload, 'user'> {
    const { user: _user, ...member } = memberPayload(user, this.#rolesOf(guild, user));
    return member;
  }
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  return new FakeDiscord(options).start();
}

async function readBody(request: HttpRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, or multipart/form-data as discord.js sends files: `payload_json` plus `files[n]`. */
async function parseBody(contentType: string | undefined, raw: Buffer): Promise<{ body: any; files: RecordedFile[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Request('http://localhost/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    const files: RecordedFile[] = [];
    let body: any;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value);
      } else {
        files.push({ field, filename: value.name, contentType: value.type || undefined, data: Buffer.from(await value.arrayBuffer()) });
      }
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString('utf8')), files: [] };
}
