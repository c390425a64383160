// The message a Slack message answers (a thread's parent, or the message a shortcut was used on),
// fetched with conversations.replies, with its images downloaded for the chat layer.
import type { webApi } from '@slack/bolt';
import type { ReferencedMessage } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';
import { isImageFile, type DownloadedFiles, type FileDownloader, type SlackFile } from './files.ts';
import { slackErrorCode, slackMessageId } from './replies.ts';

/** The parts of a Slack message we read. */
export interface SlackMessage {
  ts?: string;
  thread_ts?: string;
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  files?: SlackFile[];
}

/** Slack answers these when the message is not there (deleted, or never was). */
const GONE = new Set(['thread_not_found', 'message_not_found']);

export type FoundMessage = { state: 'found'; message: SlackMessage } | { state: 'missing' } | { state: 'unknown' };

/** `threadTs`: the thread the message is in, when it is a reply (found among that thread's messages). */
export async function findMessage(client: webApi.WebClient, logger: Logger, channel: string, ts: string, threadTs?: string): Promise<FoundMessage> {
  const inThread = threadTs !== undefined && threadTs !== ts;
  try {
    const result = await client.conversations.replies(
      inThread ? { channel, ts: threadTs, oldest: ts, latest: ts, inclusive: true, limit: 10 } : { channel, ts, limit: 1 },
    );
    const message = (result.messages as SlackMessage[] | undefined)?.find((m) => m.ts === ts);
    // A deleted parent that had replies stays as a tombstone.
    if (!message || message.subtype === 'tombstone') return { state: 'missing' };
    return { state: 'found', message };
  } catch (error) {
    const code = slackErrorCode(error);
    if (code !== undefined && GONE.has(code)) return { state: 'missing' };
    logger.warn({ err: error, slackError: code, channel, ts }, 'conversations.replies failed; going on without the referenced message');
    return { state: 'unknown' };
  }
}

/** The reference for the chat layer, plus which of the message's images could not be taken (other files are left alone). */
export async function referencedMessage(
  client: webApi.WebClient,
  logger: Logger,
  downloader: FileDownloader,
  channel: string,
  ts: string,
  threadTs?: string,
): Promise<{ reference: ReferencedMessage; skipped: string[] }> {
  const found = await findMessage(client, logger, channel, ts, threadTs);
  const messageId = slackMessageId(channel, ts);
  if (found.state === 'missing') return { reference: { messageId, attachments: [], missing: true }, skipped: [] };
  const downloaded: DownloadedFiles = found.state === 'found' ? await downloader.download(found.message.files?.filter(isImageFile)) : { attachments: [], skipped: [] };
  return { reference: { messageId, attachments: downloaded.attachments }, skipped: downloaded.skipped };
}
