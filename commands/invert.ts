// /invert: inverts your latest image (or the attached one) with an inversion method and keeps the
// inversion in your store, so the next /edit of that image starts from it; says how faithful it is
// (the PSNR of the image regenerated from it) and how much it takes to keep.
import { defineCommand } from '../src/chat/command.ts';
import { inversionHeading, inversionText } from '../src/chat/inversion-reply.ts';
import { cancelFromButton, followInReply, NO_QUEUE } from '../src/chat/job-reply.ts';
import { describePicture } from '../src/chat/edit-turn.ts';
import { attachedOrLatestImage } from '../src/chat/results/store.ts';
import { defaultsFor, SETTING_LIMITS } from '../src/chat/settings.ts';
import { exampleCaption } from '../src/chat/wording.ts';
import { INVERSION_METHODS, type InversionMethod } from '../src/pipeline/inversion/index.ts';
import { DEFAULT_OUTPUT } from '../src/plan/schema.ts';
import { GUIDANCE, STEPS } from '../src/config/limits.ts';
import type { InvertPayload, InvertResult } from '../src/studio/handlers.ts';
import { loadRgb, originOf } from '../src/studio/results.ts';

export const DEFAULT_INVERSION: InversionMethod = 'invert.direct';

export const invertCommand = defineCommand({
  name: 'invert',
  description: 'Inverts your latest image (or the attached one) and keeps the inversion for your next edits.',
  options: {
    method: { type: 'string', description: `Inversion method (default ${DEFAULT_INVERSION})`, choices: INVERSION_METHODS },
    caption: { type: 'string', description: 'What the image shows, for images you uploaded' },
    steps: { type: 'integer', description: 'Inversion steps (default: your setting, else 50)', ...SETTING_LIMITS.steps },
    guidance: { type: 'number', description: 'Guidance the edits will use (default: your setting, else 7.5)', ...SETTING_LIMITS.guidance },
  },
  image: { description: 'The image to invert (default: your latest)' },
  examples: [
    { usage: '/invert', description: `invert your latest image with ${DEFAULT_INVERSION}` },
    { usage: '/invert invert.null_text steps:50', description: 'a slower, more faithful inversion' },
    { usage: '/invert caption:a red star on grass', description: 'an upload: say what it shows' },
  ],
  async run(context, args) {
    if (!context.jobs) {
      await context.reply(NO_QUEUE);
      return;
    }
    const imageId = await attachedOrLatestImage(context);
    if (!imageId) {
      await context.reply('There is no image to invert yet: attach one to your `/invert` message, or draw one with `/imagine`.');
      return;
    }
    const origin = await originOf(context.prisma, imageId);
    const defaults = await defaultsFor(context.prisma, context.user.id, context.workspace.id);
    // Under the caption its edits will use: on the shipped model, what the picture reads as.
    const described = await describePicture({ pixels: async () => (await loadRgb(context.prisma, imageId))?.image, ...(origin ? { madeBy: origin.plan } : {}) }, defaults.model ?? context.models.defaultName, args.caption);
    if (described.kind !== 'described') {
      await context.reply(described.kind === 'undescribed' ? `What does this image show? Say it with \`caption:\`, e.g. \`/invert caption:${exampleCaption(context.models).caption}\`; edits of the image invert it under that caption, so it must be the one you will edit with.` : described.text);
      return;
    }
    const caption = described.caption;
    const method = (args.method ?? DEFAULT_INVERSION) as InversionMethod;
    const steps = args.steps ?? defaults.steps ?? DEFAULT_OUTPUT.steps;
    const guidance = args.guidance ?? defaults.guidance ?? DEFAULT_OUTPUT.guidance;
    if (steps < STEPS.min || steps > STEPS.max) {
      await context.reply(`\`steps\` must be from ${STEPS.min} to ${STEPS.max}, not ${steps}.`);
      return;
    }
    if (guidance < GUIDANCE.min || guidance > GUIDANCE.max) {
      await context.reply(`\`guidance\` must be from ${GUIDANCE.min} to ${GUIDANCE.max}, not ${guidance}.`);
      return;
    }
    const payload: InvertPayload = { owner: { userId: context.user.id, workspaceId: context.workspace.id }, imageId, method, caption, steps, guidance, ...(defaults.model ? { model: defaults.model } : {}) };
    const image = [{ imageId, alt: 'the inverted image' }];
    const heading = inversionHeading(payload);
    await followInReply<InvertResult>(
      context,
      { kind: 'invert', payload },
      { command: 'invert', heading, idempotencyKey: `${context.message.platform}:${context.message.id}`, images: image },
      (result) => ({ text: inversionText(heading, result), images: image }),
    );
  },
  async onButton(context, payload) {
    if (!(await cancelFromButton(context, payload))) await context.reply('That button no longer does anything.');
  },
});
