// /edit: change an image by a plain-English instruction (or a named method). The image is the one
// attached to (or replied to by) the message, else the user's latest image: their newest upload or
// result, or the image of theirs the bot showed them since (Undo's parent; not a /gallery listing). The
// result carries the buttons of every result (Stronger, Weaker, another method, Undo, …); a question
// back carries one button per choice.
import { defineCommand, type CommandContext } from '../src/chat/command.ts';
import { planTurn, type TurnPicture } from '../src/chat/edit-turn.ts';
import { cancelFromButton } from '../src/chat/job-reply.ts';
import { handleResultButton, UNKNOWN_BUTTON } from '../src/chat/results/actions.ts';
import { askWithButtons, pickChoice } from '../src/chat/results/choices.ts';
import { edit } from '../src/chat/results/run.ts';
import { attachedOrLatestImage } from '../src/chat/results/store.ts';
import { defaultsFor, SEED_LIMITS, SETTING_LIMITS } from '../src/chat/settings.ts';
import { unreadable } from '../src/chat/wording.ts';
import { findMethod, METHOD_IDS, SCHEDULER_KINDS } from '../src/methods/index.ts';
import { loadRgb, originOf } from '../src/studio/results.ts';

/** The methods one may name with `method:`: the registered editing methods, in METHODS.md's order. */
export const EDIT_METHODS = METHOD_IDS.filter((id) => findMethod(id) !== undefined);

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
    scheduler: { type: 'string', description: 'Sampler, where the method allows another (default: ddim)', choices: SCHEDULER_KINDS },
  },
  image: { description: 'The image to edit (default: your latest)' },
  examples: [
    { usage: '/edit make the star blue', description: 'change one attribute of your latest image' },
    { usage: '/edit move the circle to the top left', description: 'move an object' },
    { usage: '/edit undo that and make it green instead', description: 'go back one edit, then change that picture' },
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
    const defaults = await defaultsFor(context.prisma, context.user.id, context.workspace.id);
    const pictureOf = (id: string, madeBy: Awaited<ReturnType<typeof originOf>>): TurnPicture => ({
      pixels: async () => (await loadRgb(context.prisma, id))?.image,
      ...(madeBy ? { madeBy: madeBy.plan } : {}),
    });
    const parentId = origin?.sourceImageId;
    const parentOrigin = parentId ? await originOf(context.prisma, parentId) : undefined;
    const turn = await planTurn({
      options: args,
      picture: pictureOf(imageId, origin),
      parent: async () => (parentId ? pictureOf(parentId, parentOrigin) : undefined),
      modelName: defaults.model ?? context.models.defaultName,
      defaults: { ...defaults, imageId },
    });
    if (turn.kind === 'reply') {
      await context.reply({ text: turn.text, ...(turn.showParent && parentId ? { images: [{ imageId: parentId, alt: 'the earlier picture' }] } : {}) });
      return;
    }
    const source = turn.onParent && parentId ? { imageId: parentId, parentEditId: parentOrigin?.editId } : { imageId, parentEditId: origin?.editId };
    if (turn.kind === 'clarify') {
      await askWithButtons(context, turn.question, turn.choices, source);
      return;
    }
    await edit(context, { plan: turn.plan, sourceImageId: source.imageId, parentEditId: source.parentEditId, idempotencyKey: idempotencyKey(context) });
  },
  async onButton(context, payload) {
    if (await cancelFromButton(context, payload)) return;
    if (await pickChoice(context, payload)) return;
    if (await handleResultButton(context, payload)) return;
    await context.reply({ text: UNKNOWN_BUTTON, ephemeral: true });
  },
});

const idempotencyKey = (context: CommandContext) => `${context.message.platform}:${context.message.id}`;
