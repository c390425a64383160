// /gallery: the workspace's saved results, best first, newest first, or your own. Each entry is a
// message of its own (so a 👍 reaction on it names one entry), with a 👍 button that votes (press
// again to take the vote back) and Remix, which makes the same edit on your latest image.
import { defineCommand, type ButtonContext, type CommandContext } from '../src/chat/command.ts';
import { cancelFromButton } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { UNKNOWN_BUTTON } from '../src/chat/results/actions.ts';
import { changeVote, entryReply, findEntry, GALLERY_VIEWS, listEntries, type GalleryView } from '../src/chat/results/gallery.ts';
import { retargetPlan } from '../src/chat/results/remix.ts';
import { edit } from '../src/chat/results/run.ts';
import { isUuid, latestImageOf, promptOf } from '../src/chat/results/store.ts';
import { originOf } from '../src/studio/results.ts';

/** Entries per /gallery page. */
export const GALLERY_PAGE = 3;

const TITLES: Record<GalleryView, string> = { top: 'Most liked', recent: 'Newest', mine: 'Your entries' };

type Conversation = Pick<CommandContext, 'prisma' | 'user' | 'workspace' | 'reply'>;

async function showPage(context: Conversation, view: GalleryView, offset: number): Promise<void> {
  const { entries, total } = await listEntries(context.prisma, { workspaceId: context.workspace.id, userId: context.user.id, view, offset, limit: GALLERY_PAGE });
  if (entries.length === 0) {
    const text =
      offset > 0
        ? 'There are no more entries.'
        : view === 'mine'
          ? 'You have nothing in the gallery yet. Press **Save to gallery** under one of your results to add it.'
          : 'The gallery is empty so far. Press **Save to gallery** under one of your results to add the first entry.';
    await context.reply({ text, ephemeral: offset > 0 });
    return;
  }
  await context.reply(`**${TITLES[view]}** in the gallery of ${escapeMarkdown(context.workspace.name)}: ${offset + 1}–${offset + entries.length} of ${total}. Vote with 👍; **Remix** makes the same edit on your latest image.`);
  for (const entry of entries) await context.reply(entryReply(entry));
  const next = offset + entries.length;
  if (next < total) {
    await context.reply({ text: `${total - next} more.`, buttons: [{ id: `gallery:more:${view}:${next}`, label: 'Show more' }] });
  }
}

async function entryOfWorkspace(context: ButtonContext, entryId: string) {
  const entry = isUuid(entryId) ? await findEntry(context.prisma, entryId) : undefined;
  if (!entry || entry.workspaceId !== context.workspace.id) {
    await context.reply({ text: 'That gallery entry no longer exists (its image may have been deleted).', ephemeral: true });
    return undefined;
  }
  return entry;
}

async function vote(context: ButtonContext, entryId: string): Promise<void> {
  const entry = await entryOfWorkspace(context, entryId);
  if (!entry) return;
  const outcome = await changeVote(context.prisma, entry.id, context.user.id, 'toggle');
  if (!outcome) {
    await context.reply({ text: 'That gallery entry no longer exists (its image may have been deleted).', ephemeral: true });
    return;
  }
  await context.updatePressed(entryReply({ ...entry, score: outcome.score }));
  const text = outcome.voted ? `Your 👍 is counted; the entry has ${outcome.score} now.` : `Your 👍 is taken back; the entry has ${outcome.score} now.`;
  await context.reply({ text, ephemeral: true });
}

async function remix(context: ButtonContext, entryId: string): Promise<void> {
  const entry = await entryOfWorkspace(context, entryId);
  if (!entry) return;
  const refuse = (why: string) => context.reply({ text: `I can't remix that onto your latest image: ${why}.`, ephemeral: true });
  if (!entry.plan) {
    await refuse('that entry has no plan I can read (it may come from an older version of the bot)');
    return;
  }
  const imageId = await latestImageOf(context.prisma, context.user.id);
  if (!imageId) {
    await refuse('you have no image yet. Draw one with `/imagine` or send one, then press **Remix** again');
    return;
  }
  const origin = await originOf(context.prisma, imageId);
  const caption = origin ? promptOf(origin.plan) : undefined;
  if (!origin || !caption) {
    await refuse('I only know what images I made show, and your latest image is an upload. Edit it with `/edit` and `caption:` instead');
    return;
  }
  const retargeted = retargetPlan(entry.plan, { caption, imageId });
  if (retargeted.kind === 'refused') {
    await refuse(retargeted.reason.replace(/\.$/, ''));
    return;
  }
  await edit(context, {
    plan: retargeted.plan,
    sourceImageId: imageId,
    parentEditId: origin.editId,
    heading: `**Remix** of ${entry.title ? `**${escapeMarkdown(entry.title)}**` : 'a gallery entry'} by ${escapeMarkdown(entry.authorName)}, on your latest image.`,
    lead: `**Remix** of a gallery entry by ${escapeMarkdown(entry.authorName)}.`,
    idempotencyKey: `${context.press.platform}:button:${context.press.id}`,
  });
}

export const gallery = defineCommand({
  name: 'gallery',
  description: "Shows this workspace's gallery: the most liked, the newest, or your own entries.",
  options: {
    view: { type: 'string', description: 'top (most votes, the default), recent, or mine', choices: GALLERY_VIEWS },
  },
  examples: [
    { usage: '/gallery', description: 'the most liked entries' },
    { usage: '/gallery recent', description: 'the newest entries' },
    { usage: '/gallery mine', description: 'the entries you saved' },
  ],
  async run(context, args) {
    await showPage(context, (args.view as GalleryView | undefined) ?? 'top', 0);
  },
  async onButton(context, payload) {
    if (await cancelFromButton(context, payload)) return;
    const [action, first, second, ...rest] = payload.split(':');
    if (rest.length === 0 && action === 'vote' && first && second === undefined) return vote(context, first);
    if (rest.length === 0 && action === 'remix' && first && second === undefined) return remix(context, first);
    if (rest.length === 0 && action === 'more' && (GALLERY_VIEWS as readonly string[]).includes(first ?? '') && /^\d{1,6}$/.test(second ?? '')) {
      return showPage(context, first as GalleryView, Number(second));
    }
    await context.reply({ text: UNKNOWN_BUTTON, ephemeral: true });
  },
});
