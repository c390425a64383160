// /edit: change an image by a plain-English instruction (or a named method). The image is the one
// attached to (or replied to by) the message, else the user's latest image: their newest upload or
// result, or the image of theirs the bot showed them since (Undo's parent; not a /gallery listing). The
// result carries the buttons of every result (Stronger, Weaker, another method, Undo, …).
import { defineCommand } from '../src/chat/command.ts';
import { cancelFromButton } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { handleResultButton, UNKNOWN_BUTTON } from '../src/chat/results/actions.ts';
import { edit } from '../src/chat/results/run.ts';
import { attachedOrLatestImage, promptOf } from '../src/chat/results/store.ts';
import { defaultsFor, SEED_LIMITS, SETTING_LIMITS } from '../src/chat/settings.ts';
import { planFromSlashOptions } from '../src/plan/index.ts';
import { familyOf, isAvailable, METHOD_IDS } from '../src/plan/methods.ts';
import { exampleCaption, unreadable } from '../src/chat/wording.ts';
import { originOf } from '../src/studio/results.ts';

/** The methods one may name with `method:`: the editing methods this bot runs (not samplers, inversions or plain guidance). */
export const EDIT_METHODS = METHOD_IDS.filter((id) => isAvailable(id) && familyOf(id) !== 'sampler' && familyOf(id) !== 'inversion' && id !== 'guide.cfg');

export const editCommand = defineCommand({
  name: 'edit',
  description: 'Changes your latest image (or the attached one) as you describe.',
  options: {
    instruction: { type: 'string', description: 'What to change, e.g. "make the star blue"' },
    method: { type: 'string', description: 'Pick the editing method yourself, e.g. sdedit or p2p.replace', choices: EDIT_METHODS },
    strength: { type: 'number', description: 'How far the edit may go, 0 to 1', min: 0, max: 1 },
    caption: { type: 'string', description: 'What the image shows, for images you uploaded' },
    seed: { type: 'integer', description: 'Random seed', ...SEED_LIMITS },
    steps: { type: 'integer', description: 'Sampling steps (default: your saved default, else 50)', ...SETTING_LIMITS.steps },
  },
  image: { description: 'The image to edit (default: your latest)' },
  examples: [
    { usage: '/edit make the star blue', description: 'change one attribute of your latest image' },
    { usage: '/edit move the circle to the top left', description: 'move an object' },
    { usage: '/edit method:sdedit strength:0.6 instruction:on sand', description: 'choose the method yourself' },
    { usage: '/edit make the cat a tiger caption:a cat on a sofa', description: 'an upload, with Stable Diffusion weights: say what it shows', model: 'sd' },
  ],
  async run(context, args) {
    const wordless = args.instruction === undefined ? undefined : unreadable('instruction', args.instruction);
    if (wordless) {
      await context.reply({ text: wordless, ephemeral: true });
      return;
    }
    const imageId = await attachedOrLatestImage(context);
    if (!imageId) {
      await context.reply('There is no image to edit yet: attach one to your `/edit` message, or draw one with `/imagine`.');
      return;
    }
    const origin = await originOf(context.prisma, imageId);
    const caption = args.caption ?? (origin ? promptOf(origin.plan) : undefined);
    if (!caption) {
      const example = exampleCaption(context.models);
      await context.reply(`What does this image show? Say it with \`caption:\`, e.g. \`/edit ${example.instruction} caption:${example.caption}\`; the edit changes the words of that description.`);
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
