// /invert: inverts your latest image (or the attached one) with an inversion method and keeps the
// inversion in your store, so the next /edit of that image starts from it; says how faithful it is
// (the PSNR of the image regenerated from it) and how much it takes to keep.
import { defineCommand } from '../src/chat/command.ts';
import { submitAndFollow } from '../src/chat/follow-job.ts';
import { formatBytes } from '../src/chat/images.ts';
import { cancelFromButton, NO_QUEUE } from '../src/chat/job-reply.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import type { ReplyButton } from '../src/chat/messages.ts';
import { progressBar, progressReporter } from '../src/chat/progress.ts';
import { attachedOrLatestImage, promptOf } from '../src/chat/results/store.ts';
import { defaultsFor } from '../src/chat/settings.ts';
import { QuotaExceededError } from '../src/jobs/index.ts';
import { INVERSION_METHODS, type InversionMethod } from '../src/pipeline/inversion/index.ts';
import { DEFAULT_OUTPUT } from '../src/plan/schema.ts';
import { MAX_STEPS } from '../src/pipeline/sampling-checks.ts';
import type { InvertPayload, InvertResult } from '../src/studio/handlers.ts';
import { originOf } from '../src/studio/results.ts';

export const DEFAULT_INVERSION: InversionMethod = 'invert.direct';

const decibels = (value: number | null) => (value === null ? '∞ dB (identical)' : `${value.toFixed(2)} dB`);

function resultText(heading: string, result: Extract<InvertResult, { kind: 'inversion' }>): string {
  const stored = result.reused
    ? `- stored: already in your inversions (${result.bytes !== null ? formatBytes(result.bytes) : 'size unknown'}), reused: nothing was inverted again`
    : result.bytes !== null
      ? `- stored: ${formatBytes(result.bytes)} in your inversions (see \`/inversions list\`)`
      : `- not stored: ${escapeMarkdown(result.notStored ?? 'unknown reason')}`;
  return [
    heading,
    '',
    `- reconstruction PSNR: **${decibels(result.psnr)}** (the VAE's round trip alone: ${decibels(result.vaePsnr)}, the ceiling)`,
    stored,
    `- took ${result.seconds.toFixed(1)} s`,
    ...result.notes.map((n) => `Note: ${escapeMarkdown(n)}.`),
    '',
    `An \`/edit\` of this image that inverts with \`${result.method}\` under the same caption, steps and guidance starts from this inversion.`,
  ].join('\n');
}

export const invertCommand = defineCommand({
  name: 'invert',
  description: 'Inverts your latest image (or the attached one) and keeps the inversion for your next edits.',
  options: {
    method: { type: 'string', description: `Inversion method (default ${DEFAULT_INVERSION})`, choices: INVERSION_METHODS },
    caption: { type: 'string', description: 'What the image shows, for images you uploaded' },
    steps: { type: 'integer', description: 'Inversion steps (default: your setting, else 50)' },
    guidance: { type: 'number', description: 'Guidance the edits will use (default: your setting, else 7.5)' },
  },
  image: { description: 'The image to invert (default: your latest)' },
  examples: [
    { usage: '/invert', description: `invert your latest image with ${DEFAULT_INVERSION}` },
    { usage: '/invert invert.null_text steps:50', description: 'a slower, more faithful inversion' },
    { usage: '/invert caption:a red star on grass', description: 'an upload: say what it shows' },
  ],
  async run(context, args) {
    const jobs = context.jobs;
    if (!jobs) {
      await context.reply(NO_QUEUE);
      return;
    }
    const imageId = await attachedOrLatestImage(context);
    if (!imageId) {
      await context.reply('There is no image to invert yet: attach one to your `/invert` message, or draw one with `/imagine`.');
      return;
    }
    const origin = await originOf(context.prisma, imageId);
    const caption = args.caption ?? (origin ? promptOf(origin.plan) : undefined);
    if (caption === undefined) {
      await context.reply('What does this image show? Say it with `caption:`, e.g. `/invert caption:a cat on a sofa`; edits of the image invert it under that caption, so it must be the one you will edit with.');
      return;
    }
    const method = (args.method ?? DEFAULT_INVERSION) as InversionMethod;
    const defaults = await defaultsFor(context.prisma, context.user.id, context.workspace.id);
    const steps = args.steps ?? defaults.steps ?? DEFAULT_OUTPUT.steps;
    const guidance = args.guidance ?? defaults.guidance ?? DEFAULT_OUTPUT.guidance;
    if (steps < 1 || steps > MAX_STEPS) {
      await context.reply(`\`steps\` must be from 1 to ${MAX_STEPS}, not ${steps}.`);
      return;
    }
    if (guidance < 0 || guidance > 30) {
      await context.reply(`\`guidance\` must be from 0 to 30, not ${guidance}.`);
      return;
    }
    const payload: InvertPayload = { owner: { userId: context.user.id, workspaceId: context.workspace.id }, imageId, method, caption, steps, guidance, ...(defaults.model ? { model: defaults.model } : {}) };
    const heading = `Inverting with \`${method}\`: ${steps} steps, guidance ${guidance}, under **${escapeMarkdown(caption || '(empty caption)')}**`;
    const image = [{ imageId, alt: 'the inverted image' }];

    const sent = await context.reply({ text: `${heading}\n\nQueued…`, images: image });
    const progress = progressReporter(sent);
    let cancel: ReplyButton[] = [];
    const show = (status: string) => progress.report({ text: `${heading}\n\n${status}`, images: image, buttons: cancel });
    let outcome;
    try {
      outcome = await submitAndFollow(
        jobs,
        { kind: 'invert', payload, userId: context.user.id, workspaceId: context.workspace.id, idempotencyKey: `${context.message.platform}:${context.message.id}` },
        {
          onSubmitted: (record) => {
            cancel = [{ id: `invert:cancel:${record.id}`, label: 'Cancel' }];
          },
          onQueued: (position) => show(position ? `Position ${position} in the queue.` : 'Starting…'),
          onStarted: () => show(progressBar(0)),
          onProgress: (fraction) => show(progressBar(fraction)),
        },
      );
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      await progress.finish({ text: `${heading}\n\nYou have reached today's limit of ${error.limit} jobs; it resets at midnight UTC.`, images: image });
      return;
    }
    switch (outcome.state) {
      case 'succeeded': {
        const result = outcome.result as unknown as InvertResult;
        if (result.kind === 'refused') await progress.finish({ text: `${heading}\n\nI can't do this: ${escapeMarkdown(result.reason)}.`, images: image });
        else await progress.finish({ text: resultText(heading, result), images: image });
        return;
      }
      case 'cancelled':
        await progress.finish({ text: `${heading}\n\nCancelled.`, images: image });
        return;
      case 'failed':
        context.logger.error({ jobId: outcome.job.id, error: outcome.error }, 'invert job failed');
        await progress.finish({ text: `${heading}\n\nThat failed because of an error on my side; it has been logged. Please try again.`, images: image });
        return;
      case 'delivered-elsewhere':
        return;
    }
  },
  async onButton(context, payload) {
    if (!(await cancelFromButton(context, payload))) await context.reply('That button no longer does anything.');
  },
});
