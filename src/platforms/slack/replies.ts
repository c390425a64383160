// Where replies go in Slack: chat.postMessage in the conversation (in the thread when there is
// one), chat.update for later edits, chat.postEphemeral for replies only the asker should see.
// Images are uploaded once each (files.uploadV2: getUploadURLExternal, the upload, then
// completeUploadExternal) and shown by image blocks that reference the file.
import type { webApi } from '@slack/bolt';
import { createHash } from 'node:crypto';
import { loadImage } from '../../store/images.ts';
import type { Reply, ReplyChannel, ReplyImage } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';
import type { PrismaClient } from '../../store/database.ts';
import { hasImages, replyBlocks, type SlackMessageContent } from './blocks.ts';

export interface ReplyTarget {
  channel: string;
  /** The thread to post in (its parent's ts); absent: the conversation itself. */
  threadTs?: string | undefined;
  /** Who ephemeral replies are for. */
  user: string;
  /**
   * Answers the person privately without the bot being in the conversation (a slash command's
   * response_url); used to say that the bot must be invited before it can post there.
   */
  respond?: ((text: string) => Promise<unknown>) | undefined;
}

/** A Slack message's id for the chat layer: ts is unique only within one conversation. */
export function slackMessageId(channel: string, ts: string): string {
  return `${channel}:${ts}`;
}

export function parseSlackMessageId(id: string): { channel: string; ts: string; ephemeral: boolean } | undefined {
  const match = /^(ephemeral:)?([A-Z0-9]+):(\d+\.\d+)$/.exec(id);
  if (!match) return undefined;
  return { ephemeral: match[1] !== undefined, channel: match[2] ?? '', ts: match[3] ?? '' };
}

/** The Slack error code of a failed Web API call (`not_in_channel`, `invalid_blocks`, …). */
export function slackErrorCode(error: unknown): string | undefined {
  const data = (error as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}

const CANNOT_POST = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);
const MAX_CACHED_FILES = 2_000;
/** Slack finishes processing an upload shortly after completeUploadExternal; until then an image block naming it is refused. */
const FILE_READY_DELAYS_MS = [300, 700, 1500, 3000];

/** Bytes to upload as a Slack file. */
interface Upload {
  data: Buffer;
  mediaType: string;
  name: string;
  alt: string;
}

export interface SlackReplies {
  channelFor(target: ReplyTarget): ReplyChannel;
}

export function slackReplies(client: webApi.WebClient, prisma: PrismaClient, logger: Logger): SlackReplies {
  const files = new Map<string, Promise<string | undefined>>();

  /** The Slack file holding `key`'s bytes, uploaded on first use. */
  function fileFor(key: string, load: () => Promise<Upload | undefined>): Promise<string | undefined> {
    let file = files.get(key);
    if (file === undefined) {
      file = load().then((bytes) => (bytes ? upload(key, bytes) : undefined));
      if (files.size >= MAX_CACHED_FILES) files.delete(files.keys().next().value ?? '');
      files.set(key, file);
      // A failed upload is tried again next time.
      void file.then((id) => id === undefined && files.delete(key));
    }
    return file;
  }

  async function storedImage(image: ReplyImage): Promise<Upload | undefined> {
    const stored = await loadImage(prisma, image.imageId);
    if (!stored) {
      logger.warn({ imageId: image.imageId }, 'reply names an image that is not stored');
      return undefined;
    }
    return { data: stored.data, mediaType: stored.mediaType, name: `retouch-${image.imageId}`, alt: image.alt };
  }

  async function upload(key: string, { data, mediaType, name, alt }: Upload): Promise<string | undefined> {
    try {
      const extension = mediaType === 'image/jpeg' ? 'jpg' : mediaType.replace('image/', '');
      const result = (await client.files.uploadV2({
        file: data,
        filename: `${name}.${extension}`,
        title: alt.slice(0, 250) || 'image',
        alt_text: alt.slice(0, 1000),
      })) as { files?: Array<{ files?: Array<{ id?: string }> }> };
      const id = result.files?.[0]?.files?.[0]?.id;
      if (!id) logger.error({ key }, 'Slack upload returned no file id');
      return id;
    } catch (error) {
      logger.error({ err: error, key, slackError: slackErrorCode(error) }, 'could not upload an image to Slack');
      return undefined;
    }
  }

  async function render(reply: Reply): Promise<SlackMessageContent> {
    const ids = new Map<string, string>();
    for (const image of reply.images ?? []) {
      const id = await fileFor(image.imageId, () => storedImage(image));
      if (id !== undefined) ids.set(image.imageId, id);
    }
    // A progress update repeats the latest preview: the same bytes are the same file, uploaded once.
    const preview = reply.preview;
    const previewFile = preview
      ? await fileFor(`preview:${createHash('sha256').update(preview.data).digest('hex')}`, async () => ({ ...preview, name: 'retouch-preview', alt: 'work in progress' }))
      : undefined;
    return replyBlocks(reply, ids, previewFile);
  }

  /** Posts or updates; while a just-uploaded file is still processing Slack refuses its block, so wait a little and try again. */
  async function withImagesReady<T>(content: SlackMessageContent, call: (content: SlackMessageContent) => Promise<T>): Promise<T> {
    for (const delay of hasImages(content) ? FILE_READY_DELAYS_MS : []) {
      try {
        return await call(content);
      } catch (error) {
        if (slackErrorCode(error) !== 'invalid_blocks') throw error;
        logger.debug({ delay }, 'Slack refused the image blocks; waiting for the upload to be processed');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    try {
      return await call(content);
    } catch (error) {
      if (slackErrorCode(error) !== 'invalid_blocks' || !hasImages(content)) throw error;
      logger.error({ err: error }, 'Slack kept refusing the image blocks; sending the reply without its images');
      const blocks = content.blocks.filter((block) => block.type !== 'image');
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'The image could not be shown here; please try again in a moment.' }] });
      return call({ text: content.text, blocks });
    }
  }

  return {
    channelFor(target) {
      let toldCannotPost = false;
      const failed = async (method: string, error: unknown): Promise<never> => {
        const code = slackErrorCode(error);
        logger.error({ err: error, method, slackError: code, channel: target.channel }, 'Slack Web API call failed');
        if (code !== undefined && CANNOT_POST.has(code) && target.respond && !toldCannotPost) {
          toldCannotPost = true;
          await target
            .respond("I can't post in this conversation yet. Please add me to it (for example with `/invite @Retouch`) and try again.")
            .catch((respondError: unknown) => logger.error({ err: respondError }, 'could not answer through the response URL either'));
        }
        throw error;
      };

      const postEphemeral = async (reply: Reply): Promise<string> => {
        const content = await render(reply);
        try {
          const result = await withImagesReady(content, (c) =>
            client.chat.postEphemeral({ channel: target.channel, user: target.user, thread_ts: target.threadTs, text: c.text, blocks: c.blocks }),
          );
          return `ephemeral:${slackMessageId(target.channel, result.message_ts ?? '0.0')}`;
        } catch (error) {
          return failed('chat.postEphemeral', error);
        }
      };

      return {
        async send(reply) {
          if (reply.ephemeral) return postEphemeral(reply);
          const content = await render(reply);
          try {
            const result = await withImagesReady(content, (c) =>
              client.chat.postMessage({
                channel: target.channel,
                thread_ts: target.threadTs,
                text: c.text,
                blocks: c.blocks,
                unfurl_links: false,
                unfurl_media: false,
              }),
            );
            return slackMessageId(result.channel ?? target.channel, result.ts ?? '');
          } catch (error) {
            return failed('chat.postMessage', error);
          }
        },
        async edit(replyId, reply) {
          const id = parseSlackMessageId(replyId);
          if (id === undefined) throw new Error(`not a Slack message id: ${replyId}`);
          // Ephemeral messages can't be updated through the Web API; the new content is a new one.
          if (id.ephemeral) {
            await postEphemeral(reply);
            return;
          }
          const content = await render(reply);
          try {
            await withImagesReady(content, (c) => client.chat.update({ channel: id.channel, ts: id.ts, text: c.text, blocks: c.blocks }));
          } catch (error) {
            await failed('chat.update', error);
          }
        },
        // Ephemeral replies can't be updated later, so they have no address.
        addressOf: (replyId) => (parseSlackMessageId(replyId)?.ephemeral === false ? { platform: 'slack', messageId: replyId } : undefined),
      };
    },
  };
}
