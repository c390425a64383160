// The web chat's side of replying to a message and of the rate limit, over its real HTTP API and
// WebSocket (the browser test drives the same through the page).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { memoryRateLimit } from '../../src/chat/rate-limit.ts';
import type { ServerEvent } from '../../src/web/live-replies.ts';
import { startWebChat, type WebChat } from '../../src/web/server.ts';
import { capturingLogger } from '../chat/helpers.ts';
import { startTestDatabase, type TestDatabase } from '../support/database.ts';

let database: TestDatabase;
let chat: WebChat;
let socket: WebSocket;
let connectionId: string;
const events: ServerEvent[] = [];

before(async () => {
  database = await startTestDatabase();
  chat = await startWebChat({ prisma: database.prisma, logger: capturingLogger().logger, host: '127.0.0.1', port: 0, rateLimit: memoryRateLimit(4) });
  const url = new URL('/api/events', chat.url);
  url.protocol = 'ws:';
  socket = new WebSocket(url, { origin: new URL(chat.url).origin });
  connectionId = await new Promise<string>((resolve, reject) => {
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as ServerEvent;
      events.push(event);
      if (event.type === 'ready') resolve(event.connectionId);
    });
    socket.on('error', reject);
  });
});

after(async () => {
  socket?.close();
  await chat?.close();
  await database?.destroy();
});

async function post(text: string, replyTo?: string): Promise<Response> {
  const form = new FormData();
  form.append('connectionId', connectionId);
  form.append('text', text);
  if (replyTo !== undefined) form.append('replyTo', replyTo);
  return fetch(new URL('/api/messages', chat.url), { method: 'POST', body: form });
}

async function nextReply(inReplyTo: string): Promise<Extract<ServerEvent, { type: 'reply' }>> {
  for (let i = 0; i < 200; i++) {
    const found = events.find((e): e is Extract<ServerEvent, { type: 'reply' }> => e.type === 'reply' && e.inReplyTo === inReplyTo);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no reply to ${inReplyTo}`);
}

test('a reply names the message it answers; the dispatcher takes it as about that message\'s image', async () => {
  const malformed = await post('make it blue', 'not a message id');
  assert.equal(malformed.status, 400);
  assert.match(((await malformed.json()) as { error: string }).error, /not a message of this chat/);

  const help = (await (await post('/help')).json()) as { messageId: string };
  const helpReply = await nextReply(help.messageId);
  const answer = (await (await post('make it blue', helpReply.replyId)).json()) as { messageId: string };
  const reply = await nextReply(answer.messageId);
  assert.match(reply.reply.text, /The message you replied to has no image I can edit/);
});

test('the web chat shares the rate limit it is given', async () => {
  // Two messages reached the dispatcher so far in this file (the malformed one was refused before it); two more fit.
  await post('/help');
  await post('/help');
  const over = (await (await post('/help')).json()) as { messageId: string };
  const refused = await nextReply(over.messageId);
  assert.match(refused.reply.text, /at most 4 a minute\)\. Please try again in \d+ seconds?\./);
  assert.equal(await database.prisma.user.count(), 1);
});
