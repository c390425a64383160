// The open browser tabs, each a WebSocket, and the ReplyChannel that pushes a message's replies
// (and later edits of them, for progress) down the tab that sent it.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { Reply, ReplyChannel } from '../chat/messages.ts';

/** The part of a ws WebSocket we use (its type package is not installed). */
export interface EventSocket {
  readonly readyState: number;
  send(data: string): void;
  on(event: 'close', listener: () => void): void;
}

const OPEN = 1;

/** What the page receives; image ids become URLs it can load. */
export type ServerEvent =
  | { type: 'ready'; connectionId: string }
  | { type: 'reply'; inReplyTo: string; replyId: string; reply: WebReply }
  | { type: 'edit'; replyId: string; reply: WebReply };

export interface WebReply {
  text: string;
  images: Array<{ url: string; alt: string }>;
  buttons: Array<{ id: string; label: string }>;
  /** A data URL of the latest work-in-progress picture. */
  preview?: string;
}

export class LiveReplies {
  readonly #sockets = new Map<string, EventSocket>();

  constructor(private readonly logger: Logger) {}

  /** Registers a newly opened tab and tells it its connection id. */
  connect(socket: EventSocket): string {
    const connectionId = randomUUID();
    this.#sockets.set(connectionId, socket);
    socket.on('close', () => this.#sockets.delete(connectionId));
    this.#push(connectionId, { type: 'ready', connectionId });
    return connectionId;
  }

  isConnected(connectionId: string): boolean {
    return this.#sockets.has(connectionId);
  }

  channelFor(connectionId: string, inReplyTo: string): ReplyChannel {
    return {
      send: async (reply) => {
        const replyId = randomUUID();
        this.#push(connectionId, { type: 'reply', inReplyTo, replyId, reply: toWebReply(reply) });
        return replyId;
      },
      edit: async (replyId, reply) => {
        this.#push(connectionId, { type: 'edit', replyId, reply: toWebReply(reply) });
      },
    };
  }

  #push(connectionId: string, event: ServerEvent): void {
    const socket = this.#sockets.get(connectionId);
    // The tab may have been closed while a command ran; its replies have nowhere to go.
    if (socket === undefined || socket.readyState !== OPEN) {
      this.logger.debug({ connectionId, event: event.type }, 'reply dropped: the tab is gone');
      return;
    }
    socket.send(JSON.stringify(event));
  }
}

function toWebReply(reply: Reply): WebReply {
  return {
    text: reply.text,
    images: (reply.images ?? []).map((image) => ({ url: `/images/${image.imageId}`, alt: image.alt })),
    buttons: reply.buttons ?? [],
    ...(reply.preview ? { preview: `data:${reply.preview.mediaType};base64,${reply.preview.data.toString('base64')}` } : {}),
  };
}
