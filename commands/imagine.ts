// /imagine: a new image from a prompt, drawn by a worker, with progress while it is drawn and the
// result's buttons (Stronger / Weaker turn the guidance, Variations draws it with other seeds).
import { defineCommand } from '../src/chat/command.ts';
import { cancelFromButton } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { handleResultButton, UNKNOWN_BUTTON } from '../src/chat/results/actions.ts';
import { draw } from '../src/chat/results/run.ts';
import { defaultsFor, SEED_LIMITS, SETTING_LIMITS } from '../src/chat/settings.ts';
import { planFromSlashOptions } from '../src/plan/index.ts';
import { hasReader } from '../src/reading/index.ts';
import { unreadable } from '../src/chat/wording.ts';

/** Longest prompt accepted; the plan's options keep no more (src/plan/slash.ts). */
const MAX_PROMPT_CHARS = 500;

/** Shapes /imagine draws: the model's square, or wider through MultiDiffusion (width:height). */
const SIZES = ['square', '3:2', '16:9', '2:1', '3:1', '4:1'] as const;

export const imagine = defineCommand({
  name: 'imagine',
  description: 'Draws a new image from a prompt.',
  options: {
    prompt: { type: 'string', description: 'What to draw', required: true },
    negative: { type: 'string', description: 'What to steer away from' },
    seed: { type: 'integer', description: 'Random seed: the same seed and prompt give the same image', ...SEED_LIMITS },
    steps: { type: 'integer', description: 'Sampling steps (default: your saved default, else 50)', ...SETTING_LIMITS.steps },
    guidance: { type: 'number', description: 'How closely to follow the prompt (default: your saved default, else 7.5)', ...SETTING_LIMITS.guidance },
    size: { type: 'string', description: 'Shape: square (default) or wider, width:height', choices: SIZES },
  },
  examples: [
    { usage: '/imagine a large red star in the top left on grass', description: 'draw a scene of the shipped model\'s world' },
    { usage: '/imagine a small blue circle in the center on sky seed:7', description: 'the same seed gives the same picture' },
    { usage: '/imagine a red star and a blue heart on grass', description: 'two things at once' },
    { usage: '/imagine a watercolor of a lighthouse at dusk', description: 'anything, with Stable Diffusion weights', model: 'sd' },
  ],
  async run(context, args) {
    const defaults = await defaultsFor(context.prisma, context.user.id, context.workspace.id);
    for (const [name, text] of [['prompt', args.prompt], ['negative', args.negative]] as const) {
      if (text !== undefined && text.length > MAX_PROMPT_CHARS) {
        await context.reply({ text: `That ${name === 'prompt' ? 'prompt' : 'negative prompt'} is ${text.length} characters long; the limit is ${MAX_PROMPT_CHARS} (and the model reads only its first 77 tokens, about 300 characters). Please shorten it.`, ephemeral: true });
        return;
      }
    }
    const wordless = unreadable('prompt', args.prompt);
    if (wordless) {
      await context.reply({ text: wordless, ephemeral: true });
      return;
    }
    const { size, ...rest } = args;
    const model = defaults.model ?? context.models.defaultName;
    if (size && size !== 'square' && hasReader(model)) {
      await context.reply({ text: `This model draws square pictures only: its world is one 3×3 grid, and wider windows come out as fragments. Wider sizes (${SIZES.filter((s) => s !== 'square').join(', ')}) work with Stable Diffusion weights (RETOUCH_MODEL_DIR).`, ephemeral: true });
      return;
    }
    const planned = planFromSlashOptions('imagine', { ...rest, ...(size && size !== 'square' ? { ratio: size } : {}) }, defaults);
    if (planned.kind === 'clarify') {
      await context.reply(planned.question);
      return;
    }
    await draw(context, {
      plan: planned.plan,
      heading: `Drawing **${escapeMarkdown(args.prompt)}**`,
      idempotencyKey: `${context.message.platform}:${context.message.id}`,
    });
  },
  async onButton(context, payload) {
    if (await cancelFromButton(context, payload)) return;
    if (await handleResultButton(context, payload)) return;
    await context.reply({ text: UNKNOWN_BUTTON, ephemeral: true });
  },
});
