// A clarifying question's choices as buttons (`edit:pick:<choice id>`). Each choice is a whole plan,
// kept in Postgres with the question's image, so pressing it runs that plan with no re-planning,
// on any platform and after a restart; only the person who was asked may press it.
import type { Choice } from '../../plan/index.ts';
import { EditPlan } from '../../plan/index.ts';
import type { ButtonContext, CommandContext } from '../command.ts';
import { escapeMarkdown } from '../markdown.ts';
import { edit } from './run.ts';
import { isUuid } from './store.ts';

export interface ChoiceSource {
  imageId: string;
  parentEditId: string | undefined;
}

/** Asks `question`, with one button per choice. */
export async function askWithButtons(context: Pick<CommandContext, 'prisma' | 'user' | 'reply'>, question: string, choices: readonly Choice[], source: ChoiceSource): Promise<void> {
  const stored = await Promise.all(
    choices.map((choice) =>
      context.prisma.pendingChoice.create({
        data: { userId: context.user.id, label: choice.label, plan: choice.plan as object, sourceImageId: source.imageId, parentEditId: source.parentEditId ?? null },
        select: { id: true, label: true },
      }),
    ),
  );
  const buttons = stored.map((row) => ({ id: `edit:pick:${row.id}`, label: row.label.slice(0, 80) }));
  await context.reply({ text: question, ...(buttons.length ? { buttons } : {}) });
}

/** Handles `pick:<id>`; false when the payload is not a choice. */
export async function pickChoice(context: ButtonContext, payload: string): Promise<boolean> {
  const [action, id, ...rest] = payload.split(':');
  if (action !== 'pick') return false;
  const row = id && rest.length === 0 && isUuid(id) ? await context.prisma.pendingChoice.findUnique({ where: { id } }) : null;
  if (!row) {
    await context.reply({ text: 'That choice is no longer available (its picture may have been deleted). Ask again with `/edit`.', ephemeral: true });
    return true;
  }
  if (row.userId !== context.user.id) {
    await context.reply({ text: 'That question was asked of someone else. Reply to the picture with your own instruction.', ephemeral: true });
    return true;
  }
  const plan = EditPlan.safeParse(row.plan);
  if (!plan.success || !row.sourceImageId) {
    await context.reply({ text: 'That choice was made by an older version of the bot, so I can\'t run it. Ask again with `/edit`.', ephemeral: true });
    return true;
  }
  await edit(context, {
    plan: plan.data,
    sourceImageId: row.sourceImageId,
    parentEditId: row.parentEditId ?? undefined,
    heading: `**${escapeMarkdown(row.label)}**`,
    idempotencyKey: `${context.press.platform}:button:${context.press.id}`,
  });
  return true;
}
