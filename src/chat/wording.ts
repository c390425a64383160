// What people may draw and how to say it: the shipped model's world in words (for /help and for
// examples in replies), which examples fit the models this bot has, and the answer to a prompt or
// instruction with no words in it (only emoji, code or formatting).
import { SHIPPED_MODEL_NAME } from '../models/catalog.ts';
import { cleanInstruction, MAX_INSTRUCTION_CHARS } from '../plan/text.ts';
import { BACKGROUNDS, COLOURS, SHAPES, SIZES, STYLES } from '../reading/index.ts';
import type { UsageExample } from './command.ts';

/** What the shipped model can draw, in one sentence. */
export function shippedWorld(): string {
  const list = (words: readonly string[]) => words.join(', ');
  return (
    `The shipped model (\`${SHIPPED_MODEL_NAME}\`) draws only its own small world: ${list(SHAPES.map((s) => (s.endsWith('s') ? `${s}es` : `${s}s`)))}; ` +
    `in ${list(COLOURS)}; ${list(SIZES)}; ${list(STYLES)}; in one of nine places (top left to bottom right); on a ${list(BACKGROUNDS)} background.`
  );
}

/** Whether this bot has a model besides the shipped one (Stable Diffusion weights configured). */
export function hasStableDiffusion(models: { names: readonly string[] }): boolean {
  return models.names.some((name) => name !== SHIPPED_MODEL_NAME);
}

/** The examples to show: every untagged one, the shipped model's, and Stable Diffusion's when it is configured. */
export function examplesFor(examples: readonly UsageExample[], models: { names: readonly string[] }): UsageExample[] {
  return examples.filter((example) => example.model !== 'sd' || hasStableDiffusion(models));
}

/** An example instruction for replies, drawable by the default model. */
export function exampleCaption(models: { defaultName: string }): { instruction: string; caption: string } {
  return models.defaultName === SHIPPED_MODEL_NAME
    ? { instruction: 'make the star blue', caption: 'a large red star in the center on grass' }
    : { instruction: 'make the cat a tiger', caption: 'a cat on a sofa' };
}

/**
 * The refusal of an instruction (or prompt) the planner can't read: no words (only emoji, code or
 * formatting), or longer than it reads. Undefined when it is fine.
 */
export function unreadable(what: 'instruction' | 'prompt', text: string): string | undefined {
  const { problem } = cleanInstruction(text);
  if (problem === 'too_long') {
    return `That ${what} is ${text.length.toLocaleString('en')} characters long; an ${what} may have at most ${MAX_INSTRUCTION_CHARS.toLocaleString('en')}. Please say it more briefly.`;
  }
  if (problem !== 'markup_only' && problem !== 'empty') return undefined;
  return what === 'instruction'
    ? 'There are no words in that for me to read: emoji, code and formatting are left out. Say in words what to change, e.g. `make the star blue` or `move the circle to the top left`.'
    : 'There are no words in that prompt for me to draw from: emoji, code and formatting are left out. Say in words what to draw, e.g. `/imagine a large red star on grass`.';
}
