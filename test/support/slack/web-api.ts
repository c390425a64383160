// A local stand-in for Slack's side of a conversation, for tests: the Web API methods the adapter
// calls (answering with Slack's response shapes, { ok: true, … } or { ok: false, error }), the file
// upload URL it hands out, url_private downloads that need the bot token, and response URLs. It keeps
// conversations, threads and files as Slack would, checks the blocks it is sent the way Slack does
// (an image block must name an uploaded, processed file), and records every call for assertions.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage as HttpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';

export interface StandInUser {
  id: string;
  name: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isBot?: boolean;
}

export interface StandInFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  user: string;
  url_private: string;
  url_private_download: string;
  permalink: string;
  created: number;
}

export interface StandInMessage {
  type: 'message';
  ts: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  subtype?: string;
  text: string;
  blocks?: Array<Record<string, unknown>>;
  files?: StandInFile[];
  thread_ts?: string;
  reply_count?: number;
  edited?: { user: string; ts: string };
  reactions?: Array<{ name: string; users: string[]; count: number }>;
}

export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** ms since the stand-in started. */
  at: number;
  ok: boolean;
  error?: string;
}

interface StoredFile extends StandInFile {
  declaredLength: number;
  data?: Buffer;
  /** Slack processes an upload after completeUploadExternal; until then blocks can't show it. */
  readyAt?: number;
}

export interface SlackStandInOptions {
  botToken: string;
  appToken?: string;
  team?: { id: string; name: string; domain: string };
  botUserId?: string;
  /** How long an uploaded file stays "processing" after completeUploadExternal. */
  fileProcessingMs?: number;
}

type Handler = (args: Record<string, unknown>, token: string) => Record<string, unknown> | Promise<Record<string, unknown>>;

class SlackError extends Error {
  constructor(readonly code: string, readonly errors?: string[]) {
    super(code);
  }
}

const TRIGGER_LIFETIME_MS = 3000;

export class SlackWebApiStandIn {
  readonly calls: RecordedCall[] = [];
  readonly team: { id: string; name: string; domain: string };
  readonly botUserId: string;
  readonly botId = 'B0RETOUCH1';
  readonly appId = 'A0RETOUCH1';
  readonly users = new Map<string, StandInUser>();
  /** Per conversation, its messages in order (thread replies included). */
  readonly conversations = new Map<string, { name: string; botIsMember: boolean; messages: StandInMessage[] }>();
  /** What was POSTed to response URLs, by the URL's id. */
  readonly responses: Array<{ id: string; body: Record<string, unknown> }> = [];
  readonly views = new Map<string, { view: Record<string, unknown>; user: string }>();
  readonly #files = new Map<string, StoredFile>();
  readonly #triggers = new Map<string, { user: string; issuedAt: number }>();
  readonly #started = Date.now();
  #ticks = 0;
  #server: Server | undefined;
  #origin = '';
  #websocketUrl: (() => string) | undefined;

  constructor(readonly options: SlackStandInOptions) {
    this.team = options.team ?? { id: 'T0TEAM0001', name: 'Retouch Test Team', domain: 'retouch-test' };
    this.botUserId = options.botUserId ?? 'U0RETOUCH1';
  }

  get apiUrl(): string {
    return `${this.#origin}/api/`;
  }

  get origin(): string {
    return this.#origin;
  }

  /** Lets a Socket Mode stand-in hand out its address from apps.connections.open. */
  setWebSocketUrl(url: () => string): void {
    this.#websocketUrl = url;
  }

  async start(): Promise<this> {
    this.#server = createServer((request, response) => {
      this.#route(request, response).catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  get server(): Server | undefined {
    return this.#server;
  }

  // ——— the workspace, as the tests arrange it ———

  addUser(user: StandInUser): StandInUser {
    this.users.set(user.id, user);
    return user;
  }

  addConversation(id: string, name: string, { botIsMember = true } = {}): void {
    this.conversations.set(id, { name, botIsMember, messages: [] });
  }

  /** A new ts, unique and increasing like Slack's. */
  nextTs(): string {
    this.#ticks += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.#ticks).padStart(6, '0')}`;
  }

  /** Someone posts a message (optionally with files, optionally in a thread). */
  postAsUser(channel: string, user: string, text: string, { threadTs, files }: { threadTs?: string; files?: StandInFile[] } = {}): StandInMessage {
    const message: StandInMessage = { type: 'message', ts: this.nextTs(), user, text, ...(files ? { files } : {}) };
    this.#append(channel, message, threadTs);
    return message;
  }

  /** Someone uploads a file (shared in a message later). */
  uploadAsUser(user: string, data: Buffer, name: string, mimetype: string): StandInFile {
    const file = this.#newFile(user, name, name, data.length);
    Object.assign(file, { data, mimetype, filetype: mimetype.split('/')[1] ?? 'binary', size: data.length, readyAt: 0 });
    return this.#publicFile(file);
  }

  /** Deletes a message as Slack does: a parent with replies stays as a tombstone. */
  deleteMessage(channel: string, ts: string): void {
    const messages = this.#conversation(channel).messages;
    const index = messages.findIndex((m) => m.ts === ts);
    if (index === -1) return;
    const message = messages[index]!;
    if ((message.reply_count ?? 0) > 0) {
      messages[index] = { type: 'message', ts, subtype: 'tombstone', text: 'This message was deleted.', user: 'USLACKBOT', thread_ts: ts, reply_count: message.reply_count };
    } else {
      messages.splice(index, 1);
    }
  }

  /** Someone adds a reaction (an emoji name such as `+1`); false when they already had it there. */
  addReaction(channel: string, ts: string, user: string, name: string): boolean {
    const message = this.message(channel, ts);
    if (!message) throw new Error(`no message ${ts} in ${channel} to react to`);
    message.reactions ??= [];
    let reaction = message.reactions.find((r) => r.name === name);
    if (!reaction) {
      reaction = { name, users: [], count: 0 };
      message.reactions.push(reaction);
    }
    if (reaction.users.includes(user)) return false;
    reaction.users.push(user);
    reaction.count += 1;
    return true;
  }

  /** Someone takes their reaction back; false when they had none of that name there. */
  removeReaction(channel: string, ts: string, user: string, name: string): boolean {
    const message = this.message(channel, ts);
    const reaction = message?.reactions?.find((r) => r.name === name);
    if (!message || !reaction?.users.includes(user)) return false;
    reaction.users = reaction.users.filter((u) => u !== user);
    reaction.count -= 1;
    if (reaction.count === 0) message.reactions = message.reactions!.filter((r) => r !== reaction);
    if (message.reactions!.length === 0) delete message.reactions;
    return true;
  }

  message(channel: string, ts: string): StandInMessage | undefined {
    return this.conversations.get(channel)?.messages.find((m) => m.ts === ts);
  }

  fileData(fileId: string): Buffer | undefined {
    return this.#files.get(fileId)?.data;
  }

  /** A trigger id for an interaction, valid for 3 seconds as Slack's are. */
  issueTrigger(user: string): string {
    const id = `${Date.now()}.${randomBytes(6).toString('hex')}`;
    this.#triggers.set(id, { user, issuedAt: Date.now() });
    return id;
  }

  responseUrl(): string {
    return `${this.#origin}/respond/${randomBytes(8).toString('hex')}`;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** Polls until `check` gives something (or throws after `timeoutMs`). */
  async waitFor<T>(check: () => T | undefined | false, timeoutMs = 60_000, what = 'a condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  // ——— HTTP ———

  async #route(request: HttpRequest, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', this.#origin);
    const body = await readBody(request);
    if (request.method === 'POST' && url.pathname.startsWith('/api/')) {
      await this.#api(url.pathname.slice('/api/'.length), request, body, response);
    } else if (request.method === 'POST' && url.pathname.startsWith('/upload/')) {
      await this.#receiveUpload(url.pathname.slice('/upload/'.length), request, body, response);
    } else if (request.method === 'GET' && url.pathname.startsWith('/files-pri/')) {
      this.#serveFile(url.pathname, request, response);
    } else if (request.method === 'POST' && url.pathname.startsWith('/respond/')) {
      this.responses.push({ id: url.pathname.slice('/respond/'.length), body: JSON.parse(body.toString('utf8')) as Record<string, unknown> });
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  }

  async #api(method: string, request: HttpRequest, body: Buffer, response: ServerResponse): Promise<void> {
    const args = parseArguments(request.headers['content-type'] ?? '', body);
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? (typeof args.token === 'string' ? args.token : '');
    const call: RecordedCall = { method, args, at: Date.now() - this.#started, ok: true };
    this.calls.push(call);
    let result: Record<string, unknown>;
    try {
      const handler = this.#handlers[method];
      if (handler === undefined) throw new SlackError('unknown_method');
      const wanted = method === 'apps.connections.open' ? this.options.appToken : this.options.botToken;
      if (token === '') throw new SlackError('not_authed');
      if (token !== wanted) throw new SlackError('invalid_auth');
      result = { ok: true, ...(await handler(args, token)) };
    } catch (error) {
      if (!(error instanceof SlackError)) throw error;
      call.ok = false;
      call.error = error.code;
      result = { ok: false, error: error.code, ...(error.errors ? { errors: error.errors, response_metadata: { messages: error.errors.map((e) => `[ERROR] ${e}`) } } : {}) };
    }
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(result));
  }

  readonly #handlers: Record<string, Handler> = {
    'auth.test': () => ({
      url: `https://${this.team.domain}.slack.com/`,
      team: this.team.name,
      user: 'retouch',
      team_id: this.team.id,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    }),
    'apps.connections.open': () => {
      if (!this.#websocketUrl) throw new SlackError('socket_mode_not_enabled');
      return { url: this.#websocketUrl() };
    },
    'chat.postMessage': (args) => {
      const channel = this.#postable(args.channel);
      this.#checkBlocks(args.blocks);
      const threadTs = optionalString(args.thread_ts);
      const message: StandInMessage = {
        type: 'message',
        ts: this.nextTs(),
        user: this.botUserId,
        bot_id: this.botId,
        app_id: this.appId,
        text: String(args.text ?? ''),
        ...(Array.isArray(args.blocks) ? { blocks: args.blocks as Array<Record<string, unknown>> } : {}),
      };
      this.#append(channel, message, threadTs);
      return { channel, ts: message.ts, message };
    },
    'chat.update': (args) => {
      const channel = this.#postable(args.channel);
      const message = this.message(channel, String(args.ts ?? ''));
      if (!message) throw new SlackError('message_not_found');
      if (message.user !== this.botUserId) throw new SlackError('cant_update_message');
      this.#checkBlocks(args.blocks);
      message.text = String(args.text ?? '');
      if (Array.isArray(args.blocks)) message.blocks = args.blocks as Array<Record<string, unknown>>;
      message.edited = { user: this.botUserId, ts: this.nextTs() };
      return { channel, ts: message.ts, text: message.text, message };
    },
    'chat.postEphemeral': (args) => {
      const channel = this.#postable(args.channel);
      if (!this.users.has(String(args.user ?? ''))) throw new SlackError('user_not_in_channel');
      this.#checkBlocks(args.blocks);
      return { message_ts: this.nextTs() };
    },
    'conversations.replies': (args) => {
      const channel = this.#readable(args.channel);
      const ts = String(args.ts ?? '');
      const messages = this.#conversation(channel).messages;
      const message = messages.find((m) => m.ts === ts);
      if (!message) throw new SlackError('thread_not_found');
      if (message.thread_ts !== undefined && message.thread_ts !== message.ts) return { messages: [message], has_more: false };
      const oldest = optionalString(args.oldest);
      const latest = optionalString(args.latest);
      const inclusive = args.inclusive === 'true' || args.inclusive === true;
      const inRange = (m: StandInMessage) =>
        (oldest === undefined || (inclusive ? m.ts >= oldest : m.ts > oldest)) && (latest === undefined || (inclusive ? m.ts <= latest : m.ts < latest));
      const replies = messages.filter((m) => m.thread_ts === ts && m.ts !== ts && inRange(m));
      const limit = Number(args.limit ?? 1000);
      const all = [message, ...replies];
      return { messages: all.slice(0, limit), has_more: all.length > limit };
    },
    'conversations.history': (args) => {
      const channel = this.#readable(args.channel);
      const latest = optionalString(args.latest);
      const oldest = optionalString(args.oldest);
      const inclusive = args.inclusive === 'true' || args.inclusive === true;
      const topLevel = this.#conversation(channel)
        .messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
        .filter((m) => (oldest === undefined || (inclusive ? m.ts >= oldest : m.ts > oldest)) && (latest === undefined || (inclusive ? m.ts <= latest : m.ts < latest)))
        .reverse();
      const limit = Number(args.limit ?? 100);
      return { messages: topLevel.slice(0, limit), has_more: topLevel.length > limit };
    },
    'users.info': (args) => {
      const user = this.users.get(String(args.user ?? ''));
      if (!user) throw new SlackError('user_not_found');
      return {
        user: {
          id: user.id,
          team_id: this.team.id,
          name: user.name,
          real_name: user.name,
          is_admin: user.isAdmin === true,
          is_owner: user.isOwner === true,
          is_bot: user.isBot === true,
          profile: { display_name: user.name, real_name: user.name },
        },
      };
    },
    'views.open': (args) => {
      const trigger = this.#triggers.get(String(args.trigger_id ?? ''));
      if (!trigger) throw new SlackError('invalid_trigger_id');
      this.#triggers.delete(String(args.trigger_id));
      if (Date.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS) throw new SlackError('expired_trigger_id');
      const view = args.view as Record<string, unknown> | undefined;
      if (!view || view.type !== 'modal') throw new SlackError('invalid_arguments');
      const id = `V${randomBytes(5).toString('hex').toUpperCase()}`;
      const opened = { id, team_id: this.team.id, app_id: this.appId, hash: `${Date.now()}.abc`, state: { values: {} }, ...view };
      this.views.set(id, { view: opened, user: trigger.user });
      return { view: opened };
    },
    'files.getUploadURLExternal': (args) => {
      const length = Number(args.length);
      const filename = String(args.filename ?? '');
      if (!Number.isInteger(length) || length <= 0 || filename === '') throw new SlackError('invalid_arguments');
      const file = this.#newFile(this.botUserId, filename, filename, length);
      return { upload_url: `${this.#origin}/upload/${file.id}`, file_id: file.id };
    },
    'files.completeUploadExternal': (args) => {
      const files = args.files as Array<{ id: string; title?: string }> | undefined;
      if (!Array.isArray(files) || files.length === 0) throw new SlackError('invalid_arguments');
      const completed = files.map((entry) => {
        const file = this.#files.get(entry.id);
        if (!file || file.data === undefined) throw new SlackError('file_not_found');
        if (file.data.length !== file.declaredLength) throw new SlackError('file_upload_size_mismatch');
        file.title = entry.title ?? file.name;
        file.readyAt = Date.now() + (this.options.fileProcessingMs ?? 0);
        return this.#publicFile(file);
      });
      const channel = optionalString(args.channel_id);
      if (channel !== undefined) {
        this.#append(this.#postable(channel), { type: 'message', ts: this.nextTs(), user: this.botUserId, text: '', files: completed }, optionalString(args.thread_ts));
      }
      return { files: completed };
    },
  };

  // ——— files ———

  #newFile(user: string, name: string, title: string, declaredLength: number): StoredFile {
    const id = `F${randomBytes(5).toString('hex').toUpperCase()}`;
    const base = `${this.#origin}/files-pri/${this.team.id}-${id}`;
    const file: StoredFile = {
      id,
      name,
      title,
      mimetype: '',
      filetype: '',
      size: declaredLength,
      user,
      url_private: `${base}/${encodeURIComponent(name)}`,
      url_private_download: `${base}/download/${encodeURIComponent(name)}`,
      permalink: `https://${this.team.domain}.slack.com/files/${user}/${id}/${encodeURIComponent(name)}`,
      created: Math.floor(Date.now() / 1000),
      declaredLength,
    };
    this.#files.set(id, file);
    return file;
  }

  #publicFile(file: StoredFile): StandInFile {
    const { declaredLength: _length, data: _data, readyAt: _ready, ...shown } = file;
    return { ...shown };
  }

  async #receiveUpload(fileId: string, request: HttpRequest, body: Buffer, response: ServerResponse): Promise<void> {
    const file = this.#files.get(fileId);
    this.calls.push({ method: 'upload', args: { fileId, bytes: body.length }, at: Date.now() - this.#started, ok: file !== undefined });
    if (!file) {
      response.writeHead(404).end();
      return;
    }
    // The client sends multipart/form-data (the bytes as a file part) or the raw bytes.
    const type = request.headers['content-type'] ?? '';
    let data = body;
    if (type.startsWith('multipart/form-data')) {
      const form = await new Request('http://upload/', { method: 'POST', headers: { 'content-type': type }, body }).formData();
      const part = [...form.values()].find((value) => typeof value !== 'string') as Blob | undefined;
      if (!part) {
        response.writeHead(400).end('no file part');
        return;
      }
      data = Buffer.from(await part.arrayBuffer());
    }
    file.data = data;
    file.size = data.length;
    file.mimetype = sniffImage(data) ?? 'application/octet-stream';
    file.filetype = file.mimetype.split('/')[1] ?? 'binary';
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${data.length}`);
  }

  #serveFile(path: string, request: HttpRequest, response: ServerResponse): void {
    const match = /^\/files-pri\/[A-Z0-9]+-([A-Z0-9]+)\//.exec(path);
    const file = match ? this.#files.get(match[1] ?? '') : undefined;
    this.calls.push({ method: 'file-download', args: { path, authorized: request.headers.authorization === `Bearer ${this.options.botToken}` }, at: Date.now() - this.#started, ok: file !== undefined });
    // Like Slack: without a valid token, the sign-in page instead of the file.
    if (request.headers.authorization !== `Bearer ${this.options.botToken}`) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html><body>Sign in to Slack</body></html>');
      return;
    }
    if (!file?.data) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('file not found');
      return;
    }
    response.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.data.length }).end(file.data);
  }

  // ——— conversations ———

  #conversation(channel: string) {
    const conversation = this.conversations.get(channel);
    if (!conversation) throw new SlackError('channel_not_found');
    return conversation;
  }

  #postable(channel: unknown): string {
    const id = String(channel ?? '');
    if (!this.#conversation(id).botIsMember) throw new SlackError('not_in_channel');
    return id;
  }

  #readable(channel: unknown): string {
    return this.#postable(channel);
  }

  #append(channel: string, message: StandInMessage, threadTs: string | undefined): void {
    const conversation = this.#conversation(channel);
    if (threadTs !== undefined) {
      const parent = conversation.messages.find((m) => m.ts === threadTs);
      if (!parent) throw new SlackError('thread_not_found');
      parent.thread_ts = threadTs;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      message.thread_ts = threadTs;
    }
    conversation.messages.push(message);
  }

  /** Block Kit's rules that the adapter could break; Slack answers invalid_blocks. */
  #checkBlocks(blocks: unknown): void {
    if (blocks === undefined) return;
    const problems: string[] = [];
    if (!Array.isArray(blocks)) throw new SlackError('invalid_blocks_format');
    if (blocks.length > 50) problems.push('no more than 50 items allowed [json-pointer:/blocks]');
    const actionIds = new Set<string>();
    blocks.forEach((block: Record<string, any>, i) => {
      const at = `[json-pointer:/blocks/${i}]`;
      if (block.type === 'section') {
        const text = block.text?.text;
        if (typeof text !== 'string' || text.length === 0) problems.push(`must be more than 0 characters ${at}/text/text`);
        else if (text.length > 3000) problems.push(`must be less than 3001 characters ${at}/text/text`);
      } else if (block.type === 'image') {
        const id = block.slack_file?.id;
        const file = typeof id === 'string' ? this.#files.get(id) : undefined;
        if (!block.alt_text) problems.push(`missing required field: alt_text ${at}`);
        if (!file || file.readyAt === undefined || file.readyAt > Date.now()) problems.push(`invalid slack file ${at}/slack_file`);
      } else if (block.type === 'actions') {
        const elements = block.elements as Array<Record<string, any>>;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 25) problems.push(`must have 1 to 25 elements ${at}/elements`);
        for (const element of elements ?? []) {
          const label = element.text?.text;
          if (typeof label !== 'string' || label.length === 0 || label.length > 75) problems.push(`button text must be 1 to 75 characters ${at}`);
          if (typeof element.action_id !== 'string' || element.action_id.length > 255) problems.push(`action_id must be at most 255 characters ${at}`);
          else if (actionIds.has(element.action_id)) problems.push(`action_id already exists in message ${at}`);
          else actionIds.add(element.action_id);
        }
      } else if (block.type !== 'context' && block.type !== 'divider') {
        problems.push(`unsupported block type ${at}`);
      }
    });
    if (problems.length > 0) throw new SlackError('invalid_blocks', problems);
  }
}

function readBody(request: HttpRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Web API arguments: form-encoded (what the client sends) or JSON; structured ones are JSON strings. */
function parseArguments(contentType: string, body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8');
  const raw: Record<string, unknown> = contentType.startsWith('application/json')
    ? (JSON.parse(text || '{}') as Record<string, unknown>)
    : Object.fromEntries(Object.entries(parseQuery(text)).map(([key, value]) => [key, Array.isArray(value) ? value[0] : value]));
  for (const key of ['blocks', 'view', 'files', 'attachments']) {
    if (typeof raw[key] === 'string') {
      try {
        raw[key] = JSON.parse(raw[key] as string);
      } catch {
        // Slack would answer invalid_arguments; leaving the string makes the checks refuse it.
      }
    }
  }
  return raw;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function sniffImage(data: Buffer): string | undefined {
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data[0] === 0xff && data[1] === 0xd8) return 'image/jpeg';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (data.subarray(0, 3).toString('latin1') === 'GIF') return 'image/gif';
  return undefined;
}
