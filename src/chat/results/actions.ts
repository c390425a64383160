// The buttons under every result of /imagine and /edit (`<command>:<action>:<edit id>`): Stronger,
// Weaker, Try another method, Variations, Undo, Save to gallery, Delete. Work for the GPU goes
// through the queue like a command's; each new result is a child in the Edit tree of the image it
// was made from, with its own plan.
import { randomInt } from 'node:crypto';
import { EditPlan } from '../../plan/index.ts';
import { methodName } from '../../methods/index.ts';
import type { ButtonContext } from '../command.ts';
import { escapeMarkdown } from '../markdown.ts';
import { anotherMethod } from './alternatives.ts';
import { turnDial, type Direction } from './dials.ts';
import { saveToGallery } from './gallery.ts';
import { draw, edit, resultButtons } from './run.ts';
import { deleteImageWithInversions } from '../../store/inversions.ts';
import { findResult, isDrawing, isUuid, promptOf, type StoredResult } from './store.ts';

export const VARIATIONS = 2;

const ACTIONS = ['more', 'less', 'alt', 'vary', 'undo', 'save', 'del'] as const;
type Action = (typeof ACTIONS)[number];

export const UNKNOWN_BUTTON = 'That button is not one I know (it may come from an older version of the bot). Use the buttons under a newer result, or type a command.';

/** Handles a result button; false when the payload is not one (the command may know it). */
export async function handleResultButton(context: ButtonContext, payload: string): Promise<boolean> {
  const [action, editId, ...rest] = payload.split(':');
  if (!ACTIONS.includes(action as Action)) return false;
  if (!editId || rest.length > 0 || !isUuid(editId)) {
    await context.reply({ text: UNKNOWN_BUTTON, ephemeral: true });
    return true;
  }
  const lookup = await findResult(context.prisma, editId);
  if (lookup.kind !== 'found') {
    const why = {
      missing: 'I can\'t find the result this button belongs to; it may have been deleted.',
      deleted: 'That image has been deleted, so its buttons no longer work.',
      outdated: 'That result was made by an older version of the bot, so I can\'t work with its plan any more.',
    }[lookup.kind];
    await context.reply({ text: why, ephemeral: true });
    return true;
  }
  const result = lookup.result;
  switch (action as Action) {
    case 'more':
    case 'less':
      await turn(context, result, action === 'more' ? 'stronger' : 'weaker');
      break;
    case 'alt':
      await tryAnotherMethod(context, result);
      break;
    case 'vary':
      await vary(context, result);
      break;
    case 'undo':
      await undo(context, result);
      break;
    case 'save':
      await save(context, result);
      break;
    case 'del':
      await remove(context, result);
      break;
  }
  return true;
}

const key = (context: ButtonContext, part?: number) => `${context.press.platform}:button:${context.press.id}${part === undefined ? '' : `:${part}`}`;

/** Runs `plan` as `result` was run: a drawing again, or an edit of the same source image. */
async function rerun(context: ButtonContext, result: StoredResult, plan: EditPlan, heading: string, lead: string, part?: number): Promise<void> {
  if (isDrawing(plan)) {
    await draw(context, { plan, heading: `${heading}\n\n${escapeMarkdown(promptOf(plan) ?? '')}`, lead, idempotencyKey: key(context, part) });
    return;
  }
  if (!result.sourceImageId) {
    await context.reply({ text: 'The image this result was made from has been deleted, so I can\'t make it again.', ephemeral: true });
    return;
  }
  await edit(context, { plan, sourceImageId: result.sourceImageId, parentEditId: result.parentEditId, heading, lead, idempotencyKey: key(context, part) });
}

async function turn(context: ButtonContext, result: StoredResult, direction: Direction): Promise<void> {
  const turned = turnDial(result.plan, direction);
  if (turned.kind !== 'turned') {
    await context.reply({ text: turned.message, ephemeral: true });
    return;
  }
  const label = direction === 'stronger' ? 'Stronger' : 'Weaker';
  const change = `**${label}**: ${turned.name} ${turned.from} → ${turned.to}.`;
  // An edit's reply shows its plan's reason, which already says what was turned.
  await rerun(context, result, turned.plan, change, isDrawing(turned.plan) ? change : '');
}

async function tryAnotherMethod(context: ButtonContext, result: StoredResult): Promise<void> {
  const alternative = isDrawing(result.plan) ? undefined : anotherMethod(result.plan);
  if (!alternative) {
    const methods = result.plan.steps.map((s) => methodName(s.method)).join(', ');
    await context.reply({ text: `No other method I have fits this change (made with ${methods}). Try Stronger or Weaker, or describe it differently with \`/edit\`.`, ephemeral: true });
    return;
  }
  const line = `**Another method**: ${methodName(alternative.to)} (\`${alternative.to}\`) instead of ${methodName(alternative.from)} (\`${alternative.from}\`).`;
  await rerun(context, result, alternative.plan, line, line);
}

async function vary(context: ButtonContext, result: StoredResult): Promise<void> {
  const original = result.plan.output.seed;
  const seeds = new Set<number>();
  while (seeds.size < VARIATIONS) {
    const seed = randomInt(1, 2 ** 31);
    if (seed !== original) seeds.add(seed);
  }
  await Promise.all(
    [...seeds].map((seed, index) => {
      const plan = EditPlan.parse({ ...result.plan, output: { ...result.plan.output, seed } });
      const line = `**Variation ${index + 1} of ${VARIATIONS}** (seed ${seed}).`;
      return rerun(context, result, plan, line, line, index + 1);
    }),
  );
}

async function undo(context: ButtonContext, result: StoredResult): Promise<void> {
  if (isDrawing(result.plan)) {
    await context.reply({ text: 'This image was drawn from a prompt, not made from another image, so there is nothing to undo.', ephemeral: true });
    return;
  }
  if (!result.sourceImageId) {
    await context.reply({ text: 'The image this result was made from has been deleted, so I can\'t go back to it.', ephemeral: true });
    return;
  }
  const parent = result.parentEditId ? await findResult(context.prisma, result.parentEditId) : undefined;
  const continueHint = 'Reply to this message with what to change next, or use its buttons.';
  // Labelled as what it is: the earlier image brought back, nothing drawn or run again.
  if (parent?.kind === 'found' && parent.result.image.id === result.sourceImageId) {
    const plan = parent.result.plan;
    const what = promptOf(plan);
    await context.reply({
      text: `**Undo**: back to the image this was made from${what ? `: **${escapeMarkdown(what)}**` : ''}. Nothing was redrawn.\n\n${continueHint}`,
      images: [{ imageId: result.sourceImageId, alt: what ?? 'the earlier image' }],
      buttons: resultButtons(parent.result.editId, plan),
    });
    return;
  }
  await context.reply({
    text: `**Undo**: back to the image this was made from (your upload).\n\n${continueHint.replace(', or use its buttons', '')}`,
    images: [{ imageId: result.sourceImageId, alt: 'the earlier image' }],
  });
}

async function save(context: ButtonContext, result: StoredResult): Promise<void> {
  const saved = await saveToGallery(context.prisma, { editId: result.editId, userId: context.user.id, workspaceId: context.workspace.id });
  const text = {
    saved: `Saved to the gallery of ${escapeMarkdown(context.workspace.name)}. \`/gallery recent\` shows it; people can vote for it with 👍.`,
    'already-saved': 'This image is already in the gallery.',
    missing: 'That image has been deleted, so it can\'t go in the gallery.',
    'not-owner': `Only ${saved.kind === 'not-owner' ? escapeMarkdown(saved.ownerName) : 'its owner'} can save this image to the gallery.`,
  }[saved.kind];
  await context.reply({ text, ephemeral: true });
}

async function remove(context: ButtonContext, result: StoredResult): Promise<void> {
  const owner = result.image.ownerId === context.user.id;
  if (!owner && context.press.user.isAdmin !== true) {
    await context.reply({ text: `Only ${escapeMarkdown(result.image.ownerName)}, who made this image, or a moderator can delete it.`, ephemeral: true });
    return;
  }
  // Its gallery entries, votes and message records go by cascade; the edits it came from or led to stay.
  await deleteImageWithInversions(context.prisma, result.image.id, context.logger);
  context.logger.info({ imageId: result.image.id, editId: result.editId, by: context.user.id, asAdmin: !owner }, 'result deleted');
  const by = owner ? 'its owner' : 'a moderator';
  await context.updatePressed({ text: `This image was deleted by ${by}.` });
}
