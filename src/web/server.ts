// The local web chat: one page, an API to post messages (multipart, with optional images), a
// WebSocket per tab down which replies and their later edits arrive, and stored images by id.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { z } from 'zod';
import { createDefaultRegistry } from '../../commands/index.ts';
import { keepDelivering, type Deliveries } from '../chat/deliveries.ts';
import { createDispatcher, type ChatFrontEndOptions } from '../chat/dispatcher.ts';
import { formatBytes, MAX_UPLOAD_BYTES } from '../chat/images.ts';
import { loadImage } from '../store/images.ts';
import type { Attachment, IncomingMessage } from '../chat/messages.ts';
import { ChatHistory, type HistoryItem } from './history.ts';
import { LiveReplies, toWebReply, type EventSocket } from './live-replies.ts';
import { localOnly } from './local-only.ts';

export interface WebChatOptions extends ChatFrontEndOptions {
  host: string;
  /** 0 picks a free port; the returned url has the real one. */
  port: number;
}

export interface WebChat {
  url: string;
  /** Stops accepting requests, closes the tabs' sockets and waits for messages being handled. */
  close(): Promise<void>;
}

/** Whoever uses the local chat is one user in one workspace, and its admin (it runs on their machine). */
const LOCAL_WORKSPACE = { externalId: 'local', name: 'Local web chat' };
const LOCAL_USER = { externalId: 'local', displayName: localUserName(), isAdmin: true };
/** Ids of messages the page can reply to: ours (`local-<uuid>`) and replies' (a uuid). */
const MESSAGE_ID = /^(local-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The transport's cap; the chat layer refuses anything over its own, lower limit with a clear reply. */
const MAX_REQUEST_FILE_BYTES = MAX_UPLOAD_BYTES + 12 * 1024 * 1024;
const MAX_FILES_PER_MESSAGE = 4;
export const MAX_TEXT_CHARS = 4000;

/** The refusal of an over-long message; the page keeps the text in the box. */
export function tooLongText(length: number): string {
  return `Your message is ${length.toLocaleString('en')} characters long; a message may have at most ${MAX_TEXT_CHARS.toLocaleString('en')}. It is still in the box: shorten it and send it again.`;
}

const STATIC_FILES: Record<string, string> = {
  '/': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

const conversationParams = z.object({ id: z.uuid() });

const buttonPressSchema = z.object({
  connectionId: z.string().min(1),
  replyId: z.string().min(1),
  buttonId: z.string().min(1).max(200),
});

export async function startWebChat(options: WebChatOptions): Promise<WebChat> {
  const { prisma, logger } = options;
  const log = logger.child({ component: 'web-chat' });
  const dispatcher = createDispatcher({
    prisma,
    logger,
    commands: options.commands ?? createDefaultRegistry(),
    jobs: options.jobs,
    rateLimit: options.rateLimit,
    models: options.models,
  });
  const history = new ChatHistory(prisma);
  const live = new LiveReplies(history, log);
  const inFlight = new Set<Promise<void>>();
  const track = (work: Promise<void>) => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };

  // A line per request is noise at info; it shows at debug, and errors always do.
  const httpLevel = log.isLevelEnabled('debug') || !log.isLevelEnabled('warn') ? log.level : 'warn';
  const app = Fastify({ loggerInstance: log.child({ component: 'http' }, { level: httpLevel }) });
  await app.register(websocket);
  await app.register(multipart, {
    limits: { fileSize: MAX_REQUEST_FILE_BYTES, files: MAX_FILES_PER_MESSAGE, fields: 8, fieldSize: 64 * 1024 },
  });
  app.addHook('onRequest', localOnly(options.host));

  for (const [path, file] of Object.entries(STATIC_FILES)) {
    const body = await readFile(new URL(`./public/${file}`, import.meta.url));
    const type = CONTENT_TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
    app.get(path, (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }

  app.get('/api/events', { websocket: true }, (socket: EventSocket, request) => {
    const { conversation } = request.query as { conversation?: string };
    live.connect(socket, conversation);
  });

  // A conversation as stored, for a page that (re)connects: what it should show.
  app.get('/api/conversations/:id', async (request, reply) => {
    const params = conversationParams.safeParse(request.params);
    if (!params.success) return reply.code(404).send({ error: 'No such conversation.' });
    return reply.header('cache-control', 'no-store').send({ messages: (await history.list(params.data.id)).map(forPage) });
  });

  // "New conversation": the old one is forgotten (its images stay in the library).
  app.delete('/api/conversations/:id', async (request, reply) => {
    const params = conversationParams.safeParse(request.params);
    if (!params.success) return reply.code(404).send({ error: 'No such conversation.' });
    return reply.send({ deleted: await history.clear(params.data.id) });
  });

  app.post('/api/messages', async (request, reply) => {
    let connectionId = '';
    let text = '';
    let replyTo = '';
    let replyLabel = '';
    const attachments: Attachment[] = [];
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          attachments.push({ filename: part.filename || 'image', contentType: part.mimetype, data: await part.toBuffer() });
        } else if (part.fieldname === 'connectionId') {
          connectionId = String(part.value);
        } else if (part.fieldname === 'text') {
          text = String(part.value);
        } else if (part.fieldname === 'replyTo') {
          replyTo = String(part.value);
        } else if (part.fieldname === 'replyLabel') {
          replyLabel = String(part.value);
        }
      }
    } catch (error) {
      if (error instanceof app.multipartErrors.RequestFileTooLargeError) {
        return reply.code(413).send({ error: `That file is too large; images may be at most ${formatBytes(MAX_UPLOAD_BYTES)}.` });
      }
      if (error instanceof app.multipartErrors.FilesLimitError) {
        return reply.code(413).send({ error: `Attach at most ${MAX_FILES_PER_MESSAGE} images to one message.` });
      }
      throw error;
    }
    const conversationId = live.conversationOf(connectionId);
    if (conversationId === undefined) return reply.code(409).send({ error: 'Not connected to the chat; reload the page.' });
    if (text.length > MAX_TEXT_CHARS) return reply.code(413).send({ error: tooLongText(text.length) });
    if (text.trim() === '' && attachments.length === 0) return reply.code(400).send({ error: 'The message is empty.' });
    if (replyTo !== '' && !MESSAGE_ID.test(replyTo)) return reply.code(400).send({ error: 'That is not a message of this chat to reply to.' });

    const message: IncomingMessage = {
      id: `local-${randomUUID()}`,
      platform: 'local',
      workspace: LOCAL_WORKSPACE,
      user: LOCAL_USER,
      text,
      attachments,
      // The page only offers replying to messages it shows; it can't know of deleted ones.
      ...(replyTo !== '' ? { replyTo: { messageId: replyTo, attachments: [] } } : {}),
    };
    await history.addPersonMessage(conversationId, message.id, {
      text,
      ...(attachments.length > 0 ? { files: attachments.map((file) => file.filename.slice(0, 200)) } : {}),
      ...(replyTo !== '' ? { replyTo: { id: replyTo, label: replyLabel.slice(0, 200) || 'an image' } } : {}),
    });
    // Answer the request now; the replies (and any later progress) arrive over the tab's socket.
    track(dispatcher.handleMessage(message, live.channelFor(conversationId, message.id)));
    return reply.code(202).send({ messageId: message.id });
  });

  app.post('/api/buttons', async (request, reply) => {
    const parsed = buttonPressSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ error: 'Malformed button press.' });
    const { connectionId, replyId, buttonId } = parsed.data;
    const conversationId = live.conversationOf(connectionId);
    if (conversationId === undefined) return reply.code(409).send({ error: 'Not connected to the chat; reload the page.' });
    const id = `local-${randomUUID()}`;
    const press = { id, platform: 'local' as const, workspace: LOCAL_WORKSPACE, user: LOCAL_USER, buttonId, replyId };
    // The press's replies answer the message whose button it was.
    track(dispatcher.handleButton(press, live.channelFor(conversationId, replyId)));
    return reply.code(202).send({ pressId: id });
  });

  // Queue health for monitoring (the local chat listens on 127.0.0.1 unless configured otherwise).
  app.get('/metrics', async (_request, reply) => {
    if (!options.jobs) return reply.code(503).send({ error: 'No job queue.' });
    return reply.header('cache-control', 'no-store').send(await options.jobs.health());
  });

  app.get('/images/:id', async (request, reply) => {
    const id = z.object({ id: z.uuid() }).safeParse(request.params);
    const image = id.success ? await loadImage(prisma, id.data.id) : undefined;
    if (image === undefined) return reply.code(404).send({ error: 'No such image.' });
    // An image id always names the same bytes.
    return reply
      .type(image.mediaType)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(image.data);
  });

  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new Error(`Cannot start the web chat: ${options.host}:${options.port} is already in use`, { cause: error });
    throw error;
  }
  const url = localUrl(app.server.address(), options.host);
  log.info({ url }, 'local web chat listening');
  // Replies whose follower is gone (the bot restarted mid-job) are taken over and completed.
  const deliveries: Deliveries | undefined = options.jobs
    ? keepDelivering({ jobs: options.jobs, prisma, platform: 'local', logger: log, deliver: (address, reply) => live.deliver(address, reply) })
    : undefined;

  return {
    url,
    async close() {
      await deliveries?.stop();
      await app.close();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** A stored message as the page renders it. */
function forPage(item: HistoryItem) {
  if (item.author === 'bot') return { id: item.id, author: item.author, inReplyTo: item.inReplyTo, reply: toWebReply(item.reply) };
  const { text, files = [], replyTo = null } = item.message;
  return { id: item.id, author: item.author, text, replyTo, files, images: item.imageIds.map((id) => ({ url: `/images/${id}` })) };
}

function localUrl(address: AddressInfo | string | null, host: string): string {
  if (address === null || typeof address === 'string') throw new Error(`unexpected server address ${String(address)}`);
  // A wildcard address is not something a browser can open; the loopback address reaches it.
  const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  const hostPart = shown.includes(':') ? `[${shown}]` : shown;
  return `http://${hostPart}:${address.port}/`;
}

function localUserName(): string {
  try {
    return userInfo().username || 'you';
  } catch {
    return 'you';
  }
}
