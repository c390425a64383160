// A Reply as a Slack message: mrkdwn sections for the text, an image block per image (a file the
// bot uploaded, referenced by id, so chat.update can swap progress for the result in place), and an
// actions block with one button per reply button.
import type { types } from '@slack/bolt';
import type { Reply } from '../../chat/messages.ts';
import { splitText, toMrkdwn } from './text.ts';

type KnownBlock = types.KnownBlock;

/** Block Kit's limits (https://docs.slack.dev/reference/block-kit/blocks). */
const SECTION_TEXT_LIMIT = 3000;
const FALLBACK_TEXT_LIMIT = 3900;
const BUTTON_LABEL_LIMIT = 75;
const ALT_TEXT_LIMIT = 2000;
const ACTIONS_PER_BLOCK = 25;

export interface SlackMessageContent {
  /** Shown in notifications and where blocks can't be. */
  text: string;
  blocks: KnownBlock[];
}

/** `files` maps each of the reply's image ids to the Slack file that holds it; `previewFile` holds its preview. */
export function replyBlocks(reply: Reply, files: ReadonlyMap<string, string>, previewFile?: string): SlackMessageContent {
  const mrkdwn = toMrkdwn(reply.text).trim();
  const blocks: KnownBlock[] = [];
  if (mrkdwn !== '') {
    for (const piece of splitText(mrkdwn, SECTION_TEXT_LIMIT)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: piece } });
  }
  for (const image of reply.images ?? []) {
    const id = files.get(image.imageId);
    if (id === undefined) continue;
    const alt = image.alt.trim() || 'image';
    blocks.push({
      type: 'image',
      slack_file: { id },
      alt_text: alt.slice(0, ALT_TEXT_LIMIT),
      title: { type: 'plain_text', text: alt.slice(0, ALT_TEXT_LIMIT) },
    });
  }
  if (previewFile !== undefined) {
    blocks.push({ type: 'image', slack_file: { id: previewFile }, alt_text: 'work in progress' });
  }
  const buttons = reply.buttons ?? [];
  for (let start = 0; start < buttons.length; start += ACTIONS_PER_BLOCK) {
    blocks.push({
      type: 'actions',
      elements: buttons.slice(start, start + ACTIONS_PER_BLOCK).map((button) => ({
        type: 'button' as const,
        action_id: button.id,
        value: button.id,
        text: { type: 'plain_text' as const, text: button.label.slice(0, BUTTON_LABEL_LIMIT), emoji: true },
      })),
    });
  }
  // A message needs something to show.
  if (blocks.length === 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '…' } });
  const text = mrkdwn === '' ? (reply.images?.map((i) => i.alt).join(', ') ?? '') : mrkdwn;
  return { text: text.slice(0, FALLBACK_TEXT_LIMIT) || 'Retouch', blocks };
}

/** Whether a message's blocks show images (so a Slack "invalid_blocks" may mean a file still processing). */
export function hasImages(content: SlackMessageContent): boolean {
  return content.blocks.some((block) => block.type === 'image');
}
