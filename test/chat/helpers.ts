// Test doubles for the chat layer: a reply channel that records what the bot says, a logger whose
// lines the test can read, and message builders.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from '../../src/log.ts';
import type { Attachment, ButtonPress, IncomingMessage, Reply, ReplyChannel } from '../../src/chat/messages.ts';

export interface RecordingChannel extends ReplyChannel {
  sent: Array<{ id: string; reply: Reply }>;
  edits: Array<{ id: string; reply: Reply }>;
  /** Every reply's text, joined, for quick assertions. */
  text(): string;
}

export function recordingChannel(): RecordingChannel {
  const sent: RecordingChannel['sent'] = [];
  const edits: RecordingChannel['edits'] = [];
  return {
    sent,
    edits,
    async send(reply) {
      const id = `reply-${sent.length + 1}`;
      sent.push({ id, reply });
      return id;
    },
    async edit(id, reply) {
      edits.push({ id, reply });
    },
    text: () => sent.map((s) => s.reply.text).join('\n---\n'),
  };
}

export function capturingLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

let counter = 0;

export function message(text: string, overrides: Partial<IncomingMessage> = {}): IncomingMessage {
  counter += 1;
  return {
    id: `m${counter}`,
    platform: 'local',
    workspace: { externalId: 'test-workspace', name: 'Test workspace' },
    user: { externalId: 'test-user', displayName: 'Tess' },
    text,
    attachments: [],
    ...overrides,
  };
}

export function withImage(data: Buffer, filename = 'picture.png', text = ''): IncomingMessage {
  const attachment: Attachment = { filename, contentType: 'image/png', data };
  return message(text, { attachments: [attachment] });
}

export function buttonPress(buttonId: string, replyId = 'reply-1'): ButtonPress {
  counter += 1;
  return {
    id: `b${counter}`,
    platform: 'local',
    workspace: { externalId: 'test-workspace', name: 'Test workspace' },
    user: { externalId: 'test-user', displayName: 'Tess' },
    buttonId,
    replyId,
  };
}
