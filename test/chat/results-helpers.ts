// What the result-button and gallery tests share: a reply channel whose ids are unique across
// channels (message_images is keyed by them), presses by other people, and finding a button.
import assert from 'node:assert/strict';
import type { ButtonPress, Reply, ReplyChannel } from '../../src/chat/messages.ts';
import { buttonPress } from './helpers.ts';

/** A channel that records replies under ids unique across channels (message_images is keyed by them). */
export interface Conversation extends ReplyChannel {
  sent: Array<{ id: string; reply: Reply }>;
  edits: Array<{ id: string; reply: Reply }>;
  /** Each sent reply as it finally reads (its last edit). */
  finals(): Array<{ id: string; reply: Reply }>;
  text(): string;
}

let conversations = 0;
export function conversation(): Conversation {
  const tag = `c${++conversations}`;
  const sent: Conversation['sent'] = [];
  const edits: Conversation['edits'] = [];
  return {
    sent,
    edits,
    async send(reply) {
      const id = `${tag}-r${sent.length + 1}`;
      sent.push({ id, reply });
      return id;
    },
    async edit(id, reply) {
      edits.push({ id, reply });
    },
    finals: () => sent.map(({ id, reply }) => ({ id, reply: edits.filter((e) => e.id === id).at(-1)?.reply ?? reply })),
    text: () => sent.map((s) => s.reply.text).join('\n---\n'),
  };
}

export const OTHER_USER = { externalId: 'second-user', displayName: 'Sam' };
export const MODERATOR = { externalId: 'moderator', displayName: 'Mo', isAdmin: true };

export function pressAs(buttonId: string, user?: ButtonPress['user'], replyId = 'some-reply'): ButtonPress {
  const press = buttonPress(buttonId, replyId);
  return user ? { ...press, user } : press;
}

export function buttonOf(reply: Reply, action: string): string {
  const button = reply.buttons?.find((b) => b.id.split(':')[1] === action);
  assert.ok(button, `a ${action} button on: ${reply.text}\n${JSON.stringify(reply.buttons)}`);
  return button.id;
}

