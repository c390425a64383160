// /imagine: a new image from a prompt, drawn by a worker, with progress while it is drawn and the
// result's buttons (Stronger / Weaker turn the guidance, Variations draws it with other seeds).
import { defineCommand } from '../src/chat/command.ts';
import { cancelFromButton } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { handleResultButton, UNKNOWN_BUTTON } from '../src/chat/results/actions.ts';
import { draw } from '../src/chat/results/run.ts';
import { defaultsFor } from '../src/chat/settings.ts';
import { planFromSlashOptions } from '../src/plan/index.ts';

export const imagine = defineCommand({
  name: 'imagine',
  description: 'Draws a new image from a prompt.',
  options: {
    prompt: { type: 'string', description: 'What to draw', required: true },
    negative: { type: 'string', description: 'What to steer away from' },
    seed: { type: 'integer', description: 'Random seed: the same seed and prompt give the same image' },
    steps: { type: 'integer', description: 'Sampling steps (default: your saved default, else 50)' },
    guidance: { type: 'number', description: 'How closely to follow the prompt (default: your saved default, else 7.5)' },
  },
  examples: [
    { usage: '/imagine a large red star in the top left on grass', description: 'draw a scene of the shipped model\'s world' },
    { usage: '/imagine a small blue circle in the center on sky seed:7', description: 'the same seed gives the same picture' },
  ],
  async run(context, args) {
    const defaults = await defaultsFor(context.prisma, context.user.id, context.workspace.id);
    const planned = planFromSlashOptions('imagine', args, defaults);
    if (planned.kind === 'clarify') {
      await context.reply(planned.question);
      return;
    }
    if (planned.plan.steps[0]?.method !== 'sample.ddim') {
      await context.reply(`${planned.plan.reason} Other shapes than square are not available from /imagine yet.`);
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
