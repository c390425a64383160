// /imagine: a new image from a prompt, drawn by a worker, with progress while it is drawn.
import { defineCommand } from '../src/chat/command.ts';
import { cancelFromButton, followInReply } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import { planFromSlashOptions } from '../src/plan/index.ts';
import type { GeneratePayload } from '../src/studio/handlers.ts';

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
    const planned = planFromSlashOptions('imagine', args);
    if (planned.kind === 'clarify') {
      await context.reply(planned.question);
      return;
    }
    if (planned.plan.steps[0]?.method !== 'sample.ddim') {
      await context.reply(`${planned.plan.reason} Other shapes than square are not available from /imagine yet.`);
      return;
    }
    const prompt = escapeMarkdown(args.prompt);
    const payload: GeneratePayload = { plan: planned.plan, owner: { userId: context.user.id, workspaceId: context.workspace.id } };
    await followInReply(context, { kind: 'generate', payload }, 'imagine', `Drawing **${prompt}**`, (result) => ({
      text: `**${prompt}** (seed ${result.seed}, ${result.seconds.toFixed(1)} s)${result.notes.map((n) => `\nNote: ${escapeMarkdown(n)}.`).join('')}\nTo change it, type \`/edit\` and what to change.`,
      images: [{ imageId: result.imageId, alt: args.prompt }],
    }));
  },
  async onButton(context, payload) {
    if (!(await cancelFromButton(context, payload))) await context.reply('That button no longer does anything.');
  },
});
