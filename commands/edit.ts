// /edit: change an image by a plain-English instruction (or a named method). The image is the one
// attached to (or replied to by) the message, else the user's latest image: their newest upload or
// result, or the image of theirs the bot showed them since (Undo's parent, a /gallery entry). The
// result carries the buttons of every result (Stronger, Weaker, another method, Undo, …).
import { defineCommand } from '../src/chat/command.ts';
import { cancelFromButton } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { handleResultButton, UNKNOWN_BUTTON } from '../src/chat/results/actions.ts';
import { edit } from '../src/chat/results/run.ts';
import { attachedOrLatestImage, promptOf } from '../src/chat/results/store.ts';
import { defaultsFor } from '../src/chat/settings.ts';
import { planFromSlashOptions } from '../src/plan/index.ts';
import { originOf } from '../src/studio/results.ts';

export const editCommand = defineCommand({
  name: 'edit',
  description: 'Changes your latest image (or the attached one) as you describe.',
  options: {
    instruction: { type: 'string', description: 'What to change, e.g. "make the star blue"' },
    method: { type: 'string', description: 'Pick the editing method yourself, e.g. sdedit or p2p.replace' },
    strength: { type: 'number', description: 'How far the edit may go, 0 to 1' },
    caption: { type: 'string', description: 'What the image shows, for images you uploaded' },
    seed: { type: 'integer', description: 'Random seed' },
    steps: { type: 'integer', description: 'Sampling steps (default: your saved default, else 50)' },
  },
  image: { description: 'The image to edit (default: your latest)' },
  examples: [
    { usage: '/edit make the star blue', description: 'change one attribute of your latest image' },
    { usage: '/edit move the circle to the top left', description: 'move an object' },
    { usage: '/edit method:sdedit strength:0.6 instruction:on sand', description: 'choose the method yourself' },
  ],
  async run(context, args) {
    const imageId = await attachedOrLatestImage(context);
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
    const defaults = await defaultsFor(context.prisma, context.user.id, context.workspace.id);
    const planned = planFromSlashOptions('edit', args, { ...defaults, caption, source: origin ? 'generated' : 'uploaded', imageId });
    if (planned.kind === 'clarify') {
      const choices = planned.choices.map((c) => `- ${escapeMarkdown(c.label)}`);
      await context.reply([planned.question, ...choices].join('\n'));
      return;
    }
    await edit(context, {
      plan: planned.plan,
      sourceImageId: imageId,
      parentEditId: origin?.editId,
      idempotencyKey: `${context.message.platform}:${context.message.id}`,
    });
  },
  async onButton(context, payload) {
    if (await cancelFromButton(context, payload)) return;
    if (await handleResultButton(context, payload)) return;
    await context.reply({ text: UNKNOWN_BUTTON, ephemeral: true });
  },
});
