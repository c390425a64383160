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

/** Who sent a message or pressed a button, as the platform knows them. */
export interface Sender {
  externalId: string;
  displayName: string;
  /**
   * The platform says this person may moderate here (Discord: Manage Messages in the channel;
   * Slack: a workspace admin or owner). Admin actions such as deleting someone else's result check it.
   */
  isAdmin?: boolean | undefined;
}

/** The message a reply answers, as far as the adapter could find it. */
export interface ReferencedMessage {
  /** The platform's id of that message: for the bot's own replies, the id ReplyChannel.send returned. */
  messageId: string;
  /**
   * Images on that message which the adapter downloaded (an upload the bot never stored, e.g. one
   * posted before the bot joined). The dispatcher first looks for images it recorded for messageId.
   */
  attachments: Attachment[];
  /** The platform says that message no longer exists (deleted). */
  missing?: boolean | undefined;
}

export interface IncomingMessage {
  /** The platform's id for this message, unique within the platform. */
  id: string;
  platform: Platform;
  /** The Discord guild, Slack team, or the local chat. */
  workspace: { externalId: string; name: string };
  /** The Discord channel or Slack conversation; settings can limit the channels the bot listens in. */
  channelId?: string | undefined;
  user: Sender;
  /** Without the bot's mention, when the message @-mentioned it. */
  text: string;
  /**
   * Set by platforms whose slash commands arrive already split into a name and options (Discord,
   * Slack); the dispatcher then uses it instead of parsing `text`.
   */
  command?: { name: string; options: Record<string, string | number | boolean> } | undefined;
  attachments: Attachment[];
  /**
   * The message this one answers: a reply (Discord, local chat) or the thread's parent (Slack). A
   * message with a reference and plain text (no command) is an edit instruction for its image.
   */
  replyTo?: ReferencedMessage | undefined;
}

/** A click on a button of an earlier reply. */
export interface ButtonPress {
  id: string;
  platform: Platform;
  workspace: { externalId: string; name: string };
  channelId?: string | undefined;
  user: Sender;
  /** The button's id as the reply declared it: `<command>:<payload>`. */
  buttonId: string;
  /** The reply that carried the button. */
  replyId: string;
}

export interface ReplyImage {
  /** An Image row; adapters fetch its bytes (or link to them) themselves. */
  imageId: string;
  alt: string;
  /** A caption to show with it ("Before", "After"), where the platform can. */
  label?: string;
}

export interface ReplyButton {
  /** `<command>:<payload>`: the dispatcher routes a press to that command's onButton. */
  id: string;
  label: string;
}

/** A small picture of work in progress, not stored anywhere: the latest one replaces the one before. */
export interface ReplyPreview {
  data: Buffer;
  /** e.g. image/webp */
  mediaType: string;
  /** The concept dictionary's layout of the prompt (where things will go), not a picture in progress. */
  layout?: boolean;
}

/** What the bot says. The text is markdown as Discord reads it (**bold**, `code`, `- ` lists). */
export interface Reply {
  text: string;
  images?: ReplyImage[];
  buttons?: ReplyButton[];
  /**
   * Progress updates of long work carry the latest preview; the same picture comes with every update
   * until a newer one, so an adapter that uploads files should skip one it already shows.
   */
  preview?: ReplyPreview;
  /**
   * Its images are shown for browsing (a gallery listing), not to work on: a reply to the message
   * still finds them, but they don't become the viewer's latest image (what /edit and Remix change).
   */
  browse?: boolean;
  /**
   * Only the person who asked should see it (errors, refusals, confirmations). Discord sends it
   * ephemeral, Slack as chat.postEphemeral; the web chat has one person and shows it normally.
   * Only meaningful on send: an ephemeral reply can't later become public or the reverse.
   */
  ephemeral?: boolean;
}

/**
 * Where replies to one message or button press go. Each adapter implements this: the web chat
 * pushes them down a WebSocket, Discord would answer the interaction and edit it, Slack would post
 * and then chat.update.
 */
export interface ReplyChannel {
  /**
   * Sends a new reply and returns its id, for later updates. The id is the platform's id of the
   * message that shows it (Discord message id, Slack ts, web reply id), so that when someone later
   * replies to that message, IncomingMessage.replyTo.messageId names the same id.
   */
  send(reply: Reply): Promise<string>;
  /** Replaces an earlier reply's content (progress, then the final result). */
  edit(replyId: string, reply: Reply): Promise<void>;
  /**
   * Where a reply can be found again by another process after a restart (the platform's ids of its
   * conversation and message, `messageId` being the reply's id), for delivering a result that
   * finished while the bot was down; undefined where a reply can't be found again (ephemeral ones).
   */
  addressOf?(replyId: string): ReplyAddress | undefined;
}

/**
 * A reply's whereabouts as plain strings (stored with a job), read back by the same platform's adapter;
 * `platform` says which adapter that is.
 */
export type ReplyAddress = { platform: Platform } & Record<string, string>;
