// One turn of an edit conversation, as every front end plans it (chat command, reply to a picture,
// `retouch edit --instruction`, the conversation eval): "undo that and …" steps back to the picture
// this one was made from; the picture is described (read back on the shipped model, where a picture
// from outside its world is turned away); "it" means what the last edit was about; then the plan,
// or a question whose choices are whole plans, or a reply that explains.
import { WORLD_LIMITS } from '../plan/world.ts';
import { planFromSlashOptions, type Choice, type EditPlan, type PlanOptions, type SlashOptions } from '../plan/index.ts';
import { splitUndo } from '../plan/text.ts';
import { hasReader, readPicture } from '../reading/index.ts';
import { drawnWith } from '../studio/generate.ts';
import type { RgbImage } from '../support/image.ts';
import { promptOf } from './results/store.ts';

/** A picture as the turn sees it: its pixels (read only when needed) and the plan that made it, if the bot did. */
export interface TurnPicture {
  pixels: () => Promise<RgbImage | undefined>;
  madeBy?: EditPlan;
}

export interface TurnInput {
  /** /edit's options; `instruction` is the plain-English part. */
  options: SlashOptions;
  picture: TurnPicture;
  /** The picture this one was made from, when the bot made it by an edit ("undo that and …" goes there). */
  parent?: () => Promise<TurnPicture | undefined>;
  modelName: string;
  /** Saved defaults (steps, guidance, model) and what the caller knows of the picture. */
  defaults: Pick<PlanOptions, 'seed' | 'steps' | 'guidance' | 'model' | 'imageId'>;
}

/** `onParent`: the plan edits the parent picture (after "undo that and …"), not the one replied to. */
export type TurnPlan =
  | { kind: 'plan'; plan: EditPlan; onParent: boolean }
  | { kind: 'clarify'; question: string; choices: Choice[]; onParent: boolean }
  | { kind: 'reply'; text: string; showParent?: boolean };

export async function planTurn(input: TurnInput): Promise<TurnPlan> {
  let picture = input.picture;
  let options = input.options;
  // "it" is what the last edit was about, also in "undo that and make it red" (not the edit before it).
  const focus = picture.madeBy?.steps.at(-1)?.params.object;
  let onParent = false;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const instruction = text(options.instruction);
  const undo = instruction ? splitUndo(instruction) : { undo: false, rest: '' };
  if (undo.undo) {
    const parent = await input.parent?.();
    if (!parent) return { kind: 'reply', text: 'There is nothing to undo: this picture was not made by an edit. Say what to change, e.g. "make the star blue".' };
    if (!undo.rest) return { kind: 'reply', text: 'Back to the picture the last edit was made from. Reply to it with what to change next.', showParent: true };
    picture = parent;
    onParent = true;
    options = { ...options, instruction: undo.rest };
  }
  const described = await describePicture(picture, input.modelName, text(options.caption));
  if (described.kind !== 'described') return { kind: 'reply', text: described.text };
  const { caption, world } = described;
  const drawn = picture.madeBy ? drawnWith(picture.madeBy, input.modelName) : undefined;
  const planned = planFromSlashOptions('edit', world ? { ...options, caption: undefined } : options, {
    ...input.defaults,
    caption,
    world,
    source: picture.madeBy ? 'generated' : 'uploaded',
    ...(focus ? { focus } : {}),
    ...(drawn ? { drawnWith: drawn } : {}),
  });
  return planned.kind === 'plan' ? { kind: 'plan', plan: planned.plan, onParent } : { ...planned, onParent };
}

/** What the bot knows of a picture: read back on a model that has a read-back, else its prompt or the caption given. */
export type PictureDescription = { kind: 'described'; caption: string; world: boolean } | { kind: 'outside' | 'undescribed'; text: string };

/**
 * On a model whose pictures can be read back (the shipped model), the reading is the caption: it
 * names everything the picture shows (place, size, colour, pattern, background), which pins the
 * layout for prompt-driven methods; a picture plainly not of that model's world is turned away.
 * Elsewhere the caption given, or the prompt that made the picture, is all there is.
 */
export async function describePicture(picture: TurnPicture, modelName: string, given: string | undefined): Promise<PictureDescription> {
  const caption = given ?? (picture.madeBy ? promptOf(picture.madeBy) : undefined);
  const pixels = hasReader(modelName) ? await picture.pixels() : undefined;
  if (pixels) {
    const reading = await readPicture(pixels);
    if (!reading.inWorld) {
      return { kind: 'outside', text: `This picture doesn't look like one of my model's: read as its world, it would be “${reading.caption}”, and that explains the picture poorly, so an edit would ruin it. ${WORLD_LIMITS}` };
    }
    return { kind: 'described', caption: reading.caption, world: true };
  }
  if (!caption) return { kind: 'undescribed', text: 'What does this image show? Say it with `caption:`, e.g. `/edit make the cat a tiger caption:a cat on a sofa`; the edit changes the words of that description.' };
  return { kind: 'described', caption, world: false };
}
