// What a chat platform hands us and what we hand back, with nothing platform-specific in it.
// Adapters (local web chat, Discord, Slack) translate their events into these and these into their
// own messages.

export type Platform = 'discord' | 'slack' | 'local';

/** A file someone attached to a message, already downloaded by the adapter. */
export interface Attachment {
  filename: string;
  /** As the sender declared it; never trusted, the bytes are inspected instead. */
  contentType: string | undefined;
  data: Buffer;
}

export interface IncomingMessage {
  /** The platform's id for this message, unique within the platform. */
  id: string;
  platform: Platform;
  /** The Discord guild, Slack team, or the local chat. */
  workspace: { externalId: string; name: string };
  user: { externalId: string; displayName: string };
  text: string;
  /**
   * Set by platforms whose slash commands arrive already split into a name and options (Discord,
   * Slack); the dispatcher then uses it instead of parsing `text`.
   */
  command?: { name: string; options: Record<string, string | number | boolean> } | undefined;
  attachments: Attachment[];
  /** The message this one answers, when the user replied to one. */
  replyToMessageId?: string | undefined;
}

/** A click on a button of an earlier reply. */
export interface ButtonPress {
  id: string;
  platform: Platform;
  workspace: { externalId: string; name: string };
  user: { externalId: string; displayName: string };
  /** The button's id as the reply declared it: `<command>:<payload>`. */
  buttonId: string;
  /** The reply that carried the button. */
  replyId: string;
}

export interface ReplyImage {
  /** An Image row; adapters fetch its bytes (or link to them) themselves. */
  imageId: string;
  alt: string;
}

export interface ReplyButton {
  /** `<command>:<payload>`: the dispatcher routes a press to that command's onButton. */
  id: string;
  label: string;
}

/** What the bot says. The text is markdown as Discord reads it (**bold**, `code`, `- ` lists). */
export interface Reply {
  text: string;
  images?: ReplyImage[];
  buttons?: ReplyButton[];
}

/**
 * Where replies to one message or button press go. Each adapter implements this: the web chat
 * pushes them down a WebSocket, Discord would answer the interaction and edit it, Slack would post
 * and then chat.update.
 */
export interface ReplyChannel {
  /** Sends a new reply and returns its id, for later updates. */
  send(reply: Reply): Promise<string>;
  /** Replaces an earlier reply's content (progress, then the final result). */
  edit(replyId: string, reply: Reply): Promise<void>;
}
