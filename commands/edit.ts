// /edit: change an image by a plain-English instruction (or a named method). The image is the one
// attached to the message, else the user's latest image (an upload or a result of the bot).
import { defineCommand, type CommandContext } from '../src/chat/command.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { cancelFromButton, followInReply } from '../src/chat/job-reply.ts';
import { describePlan, planFromSlashOptions, type EditPlan } from '../src/plan/index.ts';
import type { EditPayload } from '../src/studio/handlers.ts';
import { originOf } from '../src/studio/results.ts';

/** The prompt that describes what an image the bot made shows: its last step's full prompt. */
function promptOf(plan: EditPlan): string | undefined {
  for (const step of [...plan.steps].reverse()) if (step.params.prompt) return step.params.prompt;
  return plan.source.caption;
}

async function sourceImage(context: CommandContext): Promise<string | undefined> {
  if (context.images[0]) return context.images[0].id;
  const latest = await context.prisma.image.findFirst({ where: { ownerId: context.user.id }, orderBy: { createdAt: 'desc' }, select: { id: true } });
  return latest?.id;
}

export const editCommand = defineCommand({
  name: 'edit',
  description: 'Changes your latest image (or the attached one) as you describe.',
  options: {
    instruction: { type: 'string', description: 'What to change, e.g. "make the star blue"' },
    method: { type: 'string', description: 'Pick the editing method yourself, e.g. sdedit or p2p.replace' },
    strength: { type: 'number', description: 'How far the edit may go, 0 to 1' },
    caption: { type: 'string', description: 'What the image shows, for images you uploaded' },
    seed: { type: 'integer', description: 'Random seed' },
    steps: { type: 'integer', description: 'Sampling steps (default 50)' },
  },
  image: { description: 'The image to edit (default: your latest)' },
  examples: [
    { usage: '/edit make the star blue', description: 'change one attribute of your latest image' },
    { usage: '/edit move the circle to the top left', description: 'move an object' },
    { usage: '/edit method:sdedit strength:0.6 instruction:on sand', description: 'choose the method yourself' },
  ],
  async run(context, args) {
    const imageId = await sourceImage(context);
    if (!imageId) {
      await context.reply('There is no image to edit yet: attach one to your `/edit` message, or draw one with `/imagine`.');
      return;
    }
    const origin = await originOf(context.prisma, imageId);
    const caption = args.caption ?? (origin ? promptOf(origin.plan) : undefined);
    if (!caption) {
      await context.reply('What does this image show? Say it with `caption:`, e.g. `/edit make the cat a tiger caption:a cat on a sofa`; the edit changes the words of that description.');
      return;
    }
    const planned = planFromSlashOptions('edit', args, { caption, source: origin ? 'generated' : 'uploaded', imageId });
    if (planned.kind === 'clarify') {
      const choices = planned.choices.map((c) => `- ${escapeMarkdown(c.label)}`);
      await context.reply([planned.question, ...choices].join('\n'));
      return;
    }
    const { plan } = planned;
    const payload: EditPayload = { plan, owner: { userId: context.user.id, workspaceId: context.workspace.id }, sourceImageId: imageId, parentEditId: origin?.editId };
    await followInReply(context, { kind: 'edit', payload }, 'edit', describePlan(plan), (result) => ({
      text: [
        plan.reason,
        `Done in ${result.seconds.toFixed(1)} s${result.inversionReused ? ' (inversion reused from your earlier edit)' : ''}. Before and after:`,
        ...result.notes.map((n) => `Note: ${escapeMarkdown(n)}.`),
      ].join('\n'),
      images: [
        { imageId, alt: 'before' },
        { imageId: result.imageId, alt: 'after' },
      ],
    }));
  },
  async onButton(context, payload) {
    if (!(await cancelFromButton(context, payload))) await context.reply('That button no longer does anything.');
  },
});
