// Drawing and editing as a conversation does them, from a command, a button under a result, or a
// gallery remix: the job through the queue with its progress reply, ending in the result with the
// buttons every result carries.
import { describePlan, type EditPlan } from '../../plan/index.ts';
import type { EditPayload, GeneratePayload } from '../../studio/handlers.ts';
import { followInReply, type ImageResult, type JobConversation } from '../job-reply.ts';
import { escapeMarkdown } from '../markdown.ts';
import type { Reply, ReplyButton } from '../messages.ts';
import { anotherMethod, anotherMethodLabel } from './alternatives.ts';
import { hasDial } from './dials.ts';
import { isDrawing, promptOf } from './store.ts';
import { afterLabel, drawingLines, outcomeLines } from './verdict.ts';

/** The command whose buttons a result carries: /imagine for drawings, /edit for edits. */
export type ResultCommand = 'imagine' | 'edit';

export function commandOf(plan: EditPlan): ResultCommand {
  return isDrawing(plan) ? 'imagine' : 'edit';
}

/** Every result's buttons; each names the Edit row that made the result (ids stay far below 100 characters). */
export function resultButtons(editId: string, plan: EditPlan): ReplyButton[] {
  const command = commandOf(plan);
  const button = (action: string, label: string): ReplyButton => ({ id: `${command}:${action}:${editId}`, label });
  const buttons: ReplyButton[] = [];
  if (hasDial(plan)) buttons.push(button('more', 'Stronger'), button('less', 'Weaker'));
  const alternative = command === 'edit' ? anotherMethod(plan) : undefined;
  if (alternative) buttons.push(button('alt', anotherMethodLabel(alternative)));
  buttons.push(button('vary', 'Variations'));
  if (command === 'edit') buttons.push(button('undo', 'Undo'));
  buttons.push(button('save', 'Save to gallery'), button('del', 'Delete'));
  return buttons;
}

const notes = (result: ImageResult) => result.notes.map((n) => `Note: ${escapeMarkdown(n)}.`);

/** A drawing: its prompt, seed and time. */
export function drawingReply(plan: EditPlan, result: ImageResult, lead?: string): Reply {
  const prompt = escapeMarkdown(promptOf(plan) ?? '');
  const seed = result.seed ?? plan.output.seed;
  return {
    text: [
      ...(lead ? [lead] : []),
      `**${prompt}** (seed ${seed}, guidance ${plan.output.guidance}, ${result.seconds.toFixed(1)} s)`,
      ...drawingLines(result.drawing),
      ...notes(result),
      'To change it, type `/edit` and what to change, or use the buttons.',
    ].join('\n'),
    images: [{ imageId: result.imageId, alt: promptOf(plan) ?? 'drawing' }],
    buttons: resultButtons(result.editId, plan),
  };
}

/** An edit: why this method, then the image before and after. */
export function editReply(plan: EditPlan, sourceImageId: string, result: ImageResult, lead?: string): Reply {
  return {
    text: [
      ...(lead ? [lead] : []),
      plan.reason,
      ...outcomeLines(plan, result.check),
      `${result.seconds.toFixed(1)} s${result.inversionReused ? ' (inversion reused from your earlier edit)' : ''}. Before and ${afterLabel(result.check)}:`,
      ...notes(result),
    ].join('\n'),
    images: [
      { imageId: sourceImageId, alt: 'before', label: 'Before' },
      { imageId: result.imageId, alt: afterLabel(result.check), label: afterLabel(result.check) === 'after' ? 'After' : 'Failed attempt' },
    ],
    buttons: resultButtons(result.editId, plan),
  };
}

export interface DrawRequest {
  plan: EditPlan;
  heading: string;
  idempotencyKey: string;
  /** A first line for the result (what this one is: "Variation 1 of 2"). */
  lead?: string;
}

export async function draw(context: JobConversation, request: DrawRequest): Promise<ImageResult | undefined> {
  const payload: GeneratePayload = { plan: request.plan, owner: { userId: context.user.id, workspaceId: context.workspace.id } };
  return followInReply(context, { kind: 'generate', payload }, { command: 'imagine', heading: request.heading, idempotencyKey: request.idempotencyKey }, (result) =>
    drawingReply(request.plan, result, request.lead),
  );
}

export interface EditRequest extends Omit<DrawRequest, 'heading'> {
  sourceImageId: string;
  /** The edit that made the source image (the new edit's parent in the tree). */
  parentEditId: string | undefined;
  /** Shown above the plan while it runs. */
  heading?: string;
}

export async function edit(context: JobConversation, request: EditRequest): Promise<ImageResult | undefined> {
  const { plan, sourceImageId } = request;
  const payload: EditPayload = {
    plan,
    owner: { userId: context.user.id, workspaceId: context.workspace.id },
    sourceImageId,
    ...(request.parentEditId ? { parentEditId: request.parentEditId } : {}),
  };
  const heading = [request.heading, describePlan(plan)].filter(Boolean).join('\n\n');
  return followInReply(context, { kind: 'edit', payload }, { command: 'edit', heading, idempotencyKey: request.idempotencyKey }, (result) =>
    editReply(plan, sourceImageId, result, request.lead),
  );
}
