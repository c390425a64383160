// Images people share in Slack, downloaded for the chat layer: only image types, at most the upload
// limit, fetched from url_private with the bot token (which is sent to Slack's own file host only).
import { formatBytes, MAX_UPLOAD_BYTES } from '../../chat/images.ts';
import type { Attachment } from '../../chat/messages.ts';
import { escapeMarkdown } from '../../chat/markdown.ts';
import type { Logger } from '../../log.ts';

/** The parts of a Slack file object we read. */
export interface SlackFile {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const DOWNLOAD_TIMEOUT_MS = 30_000;

export interface DownloadedFiles {
  attachments: Attachment[];
  /** One polite sentence per file that was not taken, for the person who shared it. */
  skipped: string[];
}

export interface FileDownloader {
  download(files: readonly SlackFile[] | undefined): Promise<DownloadedFiles>;
}

/** `fileOrigins`: where Slack serves url_private (files.slack.com, or a stand-in's origin). */
export function fileDownloader(botToken: string, fileOrigins: ReadonlySet<string>, logger: Logger): FileDownloader {
  async function downloadOne(file: SlackFile): Promise<Attachment | string> {
    const name = file.name ?? file.title ?? 'file';
    const shown = `**${escapeMarkdown(name)}**`;
    if (!file.mimetype || !IMAGE_TYPES.has(file.mimetype)) return `I skipped ${shown}: I can only use PNG, JPEG, WebP and GIF images.`;
    if ((file.size ?? 0) > MAX_UPLOAD_BYTES) {
      return `I skipped ${shown}: it is ${formatBytes(file.size ?? 0)}, over the ${formatBytes(MAX_UPLOAD_BYTES)} limit.`;
    }
    const url = file.url_private_download ?? file.url_private;
    if (!url || !fileOrigins.has(safeOrigin(url))) {
      logger.warn({ fileId: file.id, url }, 'Slack file has no download address on Slack');
      return `I could not download ${shown} from Slack.`;
    }
    try {
      const response = await fetch(url, { headers: { authorization: `Bearer ${botToken}` }, signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
      // Without access Slack answers with its sign-in page instead of the file.
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok || type.startsWith('text/html')) {
        logger.warn({ fileId: file.id, status: response.status, type }, 'Slack refused a file download (is the files:read scope granted?)');
        await response.body?.cancel();
        return `I could not download ${shown} from Slack: I may lack permission to read files.`;
      }
      const data = await readLimited(response, MAX_UPLOAD_BYTES);
      if (data === undefined) return `I skipped ${shown}: it is over the ${formatBytes(MAX_UPLOAD_BYTES)} limit.`;
      return { filename: name, contentType: file.mimetype, data };
    } catch (error) {
      logger.warn({ err: error, fileId: file.id }, 'Slack file download failed');
      return `I could not download ${shown} from Slack; please try again.`;
    }
  }

  return {
    async download(files) {
      const result: DownloadedFiles = { attachments: [], skipped: [] };
      for (const file of files ?? []) {
        const outcome = await downloadOne(file);
        if (typeof outcome === 'string') result.skipped.push(outcome);
        else result.attachments.push(outcome);
      }
      return result;
    },
  };
}

async function readLimited(response: Response, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!response.body) return Buffer.alloc(0);
  for await (const chunk of response.body) {
    total += chunk.length;
    // Leaving the loop early cancels the download.
    if (total > limit) return undefined;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

export function isImageFile(file: SlackFile): boolean {
  return file.mimetype !== undefined && IMAGE_TYPES.has(file.mimetype);
}
