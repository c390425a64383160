// The web chat's conversations as the tabs see them: each tab's WebSocket belongs to one
// conversation (one per browser, kept in its localStorage), and a conversation's replies (and later
// edits of them, for progress) are stored (history.ts) and pushed down every open tab of it. A tab
// that was closed, reloaded or cut off loads the stored conversation when it connects again.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.ts';
import type { Reply, ReplyAddress, ReplyChannel } from '../chat/messages.ts';
import { storedReply, type ChatHistory, type StoredReply } from './history.ts';

/** The part of a ws WebSocket we use (its type package is not installed). */
export interface EventSocket {
  readonly readyState: number;
  send(data: string): void;
  on(event: 'close', listener: () => void): void;
}

const OPEN = 1;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the page receives; image ids become URLs it can load. */
export type ServerEvent =
  | { type: 'ready'; connectionId: string; conversationId: string }
  | { type: 'reply'; inReplyTo: string; replyId: string; reply: WebReply }
  | { type: 'edit'; replyId: string; reply: WebReply };

export interface WebReply {
  text: string;
  images: Array<{ url: string; alt: string; label?: string }>;
  buttons: Array<{ id: string; label: string }>;
  /** A data URL of the latest work-in-progress picture. */
  preview?: string;
}

export class LiveReplies {
  readonly #tabs = new Map<string, { socket: EventSocket; conversationId: string }>();

  constructor(
    private readonly history: ChatHistory,
    private readonly logger: Logger,
  ) {}

  /** Registers a newly opened tab of `conversationId` (a new conversation when absent or malformed) and tells it both ids. */
  connect(socket: EventSocket, requested: string | undefined): string {
    const connectionId = randomUUID();
    const conversationId = requested !== undefined && UUID.test(requested) ? requested : randomUUID();
    this.#tabs.set(connectionId, { socket, conversationId });
    socket.on('close', () => this.#tabs.delete(connectionId));
    this.#send(socket, { type: 'ready', connectionId, conversationId });
    return connectionId;
  }

  /** The conversation of an open tab; undefined when it is not connected. */
  conversationOf(connectionId: string): string | undefined {
    return this.#tabs.get(connectionId)?.conversationId;
  }

  channelFor(conversationId: string, inReplyTo: string): ReplyChannel {
    return {
      send: async (reply) => {
        const replyId = randomUUID();
        const stored = storedReply(reply);
        await this.history.addReply(conversationId, replyId, inReplyTo, stored);
        this.#push(conversationId, { type: 'reply', inReplyTo, replyId, reply: toWebReply(stored) });
        return replyId;
      },
      edit: async (replyId, reply) => {
        const stored = storedReply(reply);
        await this.history.updateReply(replyId, stored);
        this.#push(conversationId, { type: 'edit', replyId, reply: toWebReply(stored) });
      },
      addressOf: (replyId) => ({ platform: 'local', conversationId, messageId: replyId }),
    };
  }

  /** Puts `reply` into the stored reply at `address` (from another process's job, delivered after a restart). */
  async deliver(address: ReplyAddress, reply: Reply): Promise<void> {
    const replyId = address.messageId;
    if (!replyId) throw new Error(`not a web chat reply address: ${JSON.stringify(address)}`);
    const stored = storedReply(reply);
    const conversationId = await this.history.updateReply(replyId, stored);
    // The conversation was cleared meanwhile ("New conversation"): nobody is waiting for it.
    if (conversationId === undefined) return;
    this.#push(conversationId, { type: 'edit', replyId, reply: toWebReply(stored) });
  }

  #push(conversationId: string, event: ServerEvent): void {
    for (const tab of this.#tabs.values()) if (tab.conversationId === conversationId) this.#send(tab.socket, event);
  }

  #send(socket: EventSocket, event: ServerEvent): void {
    // A closing tab: the stored conversation has the event, and the page loads it when it reconnects.
    if (socket.readyState !== OPEN) {
      this.logger.debug({ event: event.type }, 'event not pushed: the tab is closing');
      return;
    }
    socket.send(JSON.stringify(event));
  }
}

export function toWebReply(reply: StoredReply): WebReply {
  return {
    text: reply.text,
    images: reply.images.map((image) => ({ url: `/images/${image.imageId}`, alt: image.alt, ...(image.label ? { label: image.label } : {}) })),
    buttons: reply.buttons,
    ...(reply.preview ? { preview: reply.preview } : {}),
  };
}
