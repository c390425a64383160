// /imagine: a new image from a prompt, with progress while it is drawn.
import { defineCommand } from '../src/chat/command.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { progressBar, progressReporter } from '../src/chat/progress.ts';
import { planFromSlashOptions } from '../src/plan/index.ts';
import { generate } from '../src/studio/generate.ts';

export const imagine = defineCommand({
  name: 'imagine',
  description: 'Draws a new image from a prompt.',
  options: {
    prompt: { type: 'string', description: 'What to draw', required: true },
    negative: { type: 'string', description: 'What to steer away from' },
    seed: { type: 'integer', description: 'Random seed: the same seed and prompt give the same image' },
    steps: { type: 'integer', description: 'Sampling steps (default 50)' },
    guidance: { type: 'number', description: 'How closely to follow the prompt (default 7.5)' },
  },
  examples: [
    { usage: '/imagine a large red star in the top left on grass', description: 'draw a scene of the shipped model\'s world' },
    { usage: '/imagine a small blue circle in the center on sky seed:7', description: 'the same seed gives the same picture' },
  ],
  async run(context, args) {
    if (!context.studio) {
      await context.reply('This bot runs no image model right now, so I cannot draw. An admin can check its configuration (RETOUCH_MODEL_DIR).');
      return;
    }
    const planned = planFromSlashOptions('imagine', args);
    if (planned.kind === 'clarify') {
      await context.reply(planned.question);
      return;
    }
    if (planned.plan.steps[0]?.method !== 'sample.ddim') {
      await context.reply(`${planned.plan.reason} That method is not available yet; try a square image.`);
      return;
    }
    const prompt = escapeMarkdown(args.prompt);
    const ahead = context.studio.queued;
    const sent = await context.reply(`Drawing **${prompt}**${ahead ? ` — ${ahead} ahead of you in the queue` : ''}…`);
    const progress = progressReporter(sent);
    const outcome = await generate(context.studio, context.prisma, {
      plan: planned.plan,
      owner: { userId: context.user.id, workspaceId: context.workspace.id },
      onStep: ({ step, total }) => progress.report({ text: `Drawing **${prompt}** ${progressBar(step, total)}` }),
    });
    await progress.finish({
      text: `**${prompt}** (seed ${outcome.seed}, ${outcome.seconds.toFixed(1)} s)${outcome.truncated ? '\nNote: the prompt was longer than the model reads and was cut.' : ''}\nReply with \`/edit\` and what to change.`,
      images: [{ imageId: outcome.imageId, alt: args.prompt }],
    });
  },
});
