// A Reply as Discord shows it: text within Discord's length limit, images as PNG attachments with
// their alt text (and a progress update's preview), buttons as rows of buttons whose custom_id is the button's id.
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type AttachmentPayload,
} from 'discord.js';
import { loadImage } from '../../store/images.ts';
import type { Reply, ReplyButton, ReplyImage } from '../../chat/messages.ts';
import type { Logger } from '../../log.ts';
import type { PrismaClient } from '../../store/database.ts';

/** Discord's limits on one message. */
export const MAX_CONTENT_CHARS = 2000;
export const MAX_BUTTONS_PER_ROW = 5;
export const MAX_BUTTON_ROWS = 5;
const MAX_CUSTOM_ID_CHARS = 100;
const MAX_LABEL_CHARS = 80;
const MAX_ALT_CHARS = 1024;
const MAX_FILES = 10;

export interface DiscordMessageBody {
  content: string;
  files: AttachmentPayload[];
  components: Array<APIActionRowComponent<APIButtonComponentWithCustomId>>;
  /** The bot's texts quote prompts and names; none of them may ping anyone. */
  allowedMentions: { parse: [] };
}

/** For an edit: `attachments: []` drops the attachments the message had, so only `files` remain. */
export interface DiscordEditBody extends DiscordMessageBody {
  attachments: [];
}

export type Renderer = (reply: Reply) => Promise<DiscordMessageBody>;

export function createRenderer(prisma: PrismaClient, logger: Logger): Renderer {
  return async (reply) => {
    const files = await imageFiles(prisma, reply.images ?? [], logger);
    // A progress update's preview is a few kilobytes; re-attaching it with each edit keeps it shown.
    if (reply.preview) files.push({ attachment: reply.preview.data, name: `preview.${reply.preview.mediaType.replace('image/', '')}`, description: 'work in progress' });
    const missing = (reply.images?.length ?? 0) - files.length;
    const note = missing > 0 ? `\n(${missing === 1 ? 'One image' : `${missing} images`} could not be attached: no longer stored.)` : '';
    return {
      content: fitContent(`${reply.text}${note}`),
      files,
      components: buttonRows(reply.buttons ?? [], logger),
      allowedMentions: { parse: [] },
    };
  };
}

export function forEdit(body: DiscordMessageBody): DiscordEditBody {
  return { ...body, attachments: [] };
}

function fitContent(text: string): string {
  if (text.length <= MAX_CONTENT_CHARS) return text;
  return `${text.slice(0, MAX_CONTENT_CHARS - 1)}…`;
}

async function imageFiles(prisma: PrismaClient, images: ReplyImage[], logger: Logger): Promise<AttachmentPayload[]> {
  const files: AttachmentPayload[] = [];
  const usedNames = new Set<string>();
  for (const image of images.slice(0, MAX_FILES)) {
    const stored = await loadImage(prisma, image.imageId);
    if (stored === undefined) {
      logger.warn({ imageId: image.imageId }, 'a reply names an image that is not stored; sent without it');
      continue;
    }
    const name = uniqueName(fileNameFor(image.alt, files.length + 1), usedNames);
    files.push({ attachment: stored.data, name, description: image.alt.slice(0, MAX_ALT_CHARS) });
  }
  if (images.length > MAX_FILES) logger.warn({ images: images.length }, `Discord takes at most ${MAX_FILES} files per message; the rest were left off`);
  return files;
}

/** "a large red star" → "a-large-red-star.png"; empty or odd alt text → "image-2.png". */
export function fileNameFor(alt: string, position: number): string {
  const slug = alt
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `${slug || `image-${position}`}.png`;
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let n = 2; used.has(candidate); n++) candidate = name.replace(/\.png$/, `-${n}.png`);
  used.add(candidate);
  return candidate;
}

function buttonRows(buttons: ReplyButton[], logger: Logger): DiscordMessageBody['components'] {
  const seen = new Set<string>();
  const usable = buttons.filter((button) => {
    if (button.id.length > MAX_CUSTOM_ID_CHARS) {
      logger.warn({ buttonId: button.id }, `button id is over Discord's ${MAX_CUSTOM_ID_CHARS} characters; button left off`);
      return false;
    }
    // Discord refuses a message whose buttons share an id.
    if (seen.has(button.id)) return false;
    seen.add(button.id);
    return true;
  });
  const limit = MAX_BUTTONS_PER_ROW * MAX_BUTTON_ROWS;
  if (usable.length > limit) logger.warn({ buttons: usable.length }, `Discord shows at most ${limit} buttons; the rest were left off`);
  const rows: DiscordMessageBody['components'] = [];
  for (let start = 0; start < Math.min(usable.length, limit); start += MAX_BUTTONS_PER_ROW) {
    rows.push({
      type: ComponentType.ActionRow,
      components: usable.slice(start, start + MAX_BUTTONS_PER_ROW).map((button) => ({
        type: ComponentType.Button,
        style: styleOf(button),
        custom_id: button.id,
        label: button.label.slice(0, MAX_LABEL_CHARS),
      })),
    });
  }
  return rows;
}

function styleOf(button: ReplyButton): ButtonStyle.Secondary | ButtonStyle.Danger {
  return /^(cancel|delete)\b/i.test(button.label) ? ButtonStyle.Danger : ButtonStyle.Secondary;
}
