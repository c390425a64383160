// Target prompts: the image's caption rewritten to say what the edit should leave there (a word
// replaced, an object moved, added or taken out). Where a caption names its objects with their
// places, as the procedural world's do, they stay in reading order (top left first), the order the
// shipped model learnt: it draws the first-named object most faithfully, so an object added or moved
// out of that order came out as a copy of its neighbour.
import type { Caption } from './caption.ts';
import { COLORS, SIZE_WORDS } from './lexicon.ts';
import { promptPlace, readRegion } from './positions.ts';
import { REGIONS, type Region } from './schema.ts';

const escape = (word: string) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The caption with one phrase replaced; undefined without a caption or when it lacks the phrase. */
export function substitute(caption: Caption | undefined, from: string, to: string): string | undefined {
  if (!caption) return undefined;
  const pattern = new RegExp(`\\b${escape(from)}s?\\b`);
  return pattern.test(caption.text) ? caption.text.replace(pattern, to).replace(/\s+/g, ' ').trim() : undefined;
}

/**
 * The caption with `noun` put in `region`: its place phrase ("in the center") rewritten, or one
 * added right after the noun when the caption gives it none.
 */
export function movedPrompt(caption: Caption | undefined, noun: string, region: Region): string | undefined {
  if (!caption) return undefined;
  const pattern = new RegExp(`\\b(${escape(noun)}s?)\\b(?:\\s+(?:in|at)\\s+the\\s+(?:top|bottom|upper|lower|center|centre|middle|left|right)(?:\\s+(?:left|right|middle|center|corner))?)?`);
  if (!pattern.test(caption.text)) return undefined;
  return inReadingOrder(caption.text.replace(pattern, `$1 in the ${promptPlace(region)}`).replace(/\s+/g, ' ').trim());
}

/**
 * The caption with one more thing in `region`, named as the world's captions name a second object
 * ("a red star in the center and a blue circle in the middle right on grass"), in reading order
 * among the others; before the background when the caption ends with it, else at the end.
 */
export function withAddedObject(caption: Caption | undefined, object: string, region: Region): string | undefined {
  if (!caption) return undefined;
  const added = `and ${/^[aeiou]/.test(object) ? 'an' : 'a'} ${object} in the ${promptPlace(region)}`;
  // Before the background ("… on grass", "… on grass, striped") when the caption ends with it.
  const background = caption.background ? new RegExp(`\\s+on\\s+(?:the\\s+|a\\s+)?${escape(caption.background)}(?:,\\s*[a-z]+)?$`).exec(caption.text) : null;
  return inReadingOrder(background ? `${caption.text.slice(0, background.index)} ${added}${background[0]}` : `${caption.text} ${added}`);
}

/**
 * The caption with `word` (a pattern: "striped") describing `noun`, where the world's grammar puts
 * it: after the size, before the colour ("a small striped green diamond", not "a small green striped
 * diamond", which the shipped model reads less well). Undefined when the caption lacks the noun.
 */
export function withPatternWord(caption: Caption | undefined, noun: string, word: string): string | undefined {
  return rewriteModifiers(caption, noun, (modifiers) => {
    const colourAt = modifiers.findIndex((m) => COLORS.has(m));
    return modifiers.toSpliced(colourAt < 0 ? modifiers.length : colourAt, 0, word);
  });
}

/**
 * The caption with `from` changed to `to` (or dropped, for `to` undefined) among the words that
 * describe `noun` ("make the square larger" where a small circle comes first changes the square's
 * "small", not the circle's). Falls back to the caption's first `from` when the noun's own words
 * don't have it; undefined when the caption has no `from` at all.
 */
export function rewordObject(caption: Caption | undefined, noun: string | undefined, from: string, to: string | undefined): string | undefined {
  const own = noun ? rewriteModifiers(caption, noun, (modifiers) => (modifiers.includes(from) ? modifiers.flatMap((m) => (m === from ? (to ? [to] : []) : [m])) : undefined)) : undefined;
  if (own) return own;
  if (to !== undefined) return substitute(caption, from, to);
  if (!caption) return undefined;
  const pattern = new RegExp(`\\b${escape(from)}\\s+`);
  return pattern.test(caption.text) ? caption.text.replace(pattern, '').trim() : undefined;
}

/** The caption with the words before `noun` in its phrase ("a small striped green diamond") rewritten; undefined if `rewrite` declines. */
function rewriteModifiers(caption: Caption | undefined, noun: string, rewrite: (modifiers: string[]) => string[] | undefined): string | undefined {
  if (!caption) return undefined;
  const phrase = new RegExp(`\\b((?:a|an|the|some)\\s+)?((?:(?!(?:and|in|on|at|of|with)\\b)[a-z]+\\s+){0,3}?)(${escape(noun)}s?)\\b`).exec(caption.text);
  if (!phrase) return undefined;
  const modifiers = rewrite((phrase[2] ?? '').trim().split(' ').filter(Boolean));
  if (!modifiers) return undefined;
  const article = phrase[1] ? (/^an?\s/.test(phrase[1]) ? (/^[aeiou]/.test(modifiers[0] ?? phrase[3]!) ? 'an ' : 'a ') : phrase[1]) : '';
  const rewritten = `${article}${[...modifiers, phrase[3]].join(' ')}`;
  return `${caption.text.slice(0, phrase.index)}${rewritten}${caption.text.slice(phrase.index + phrase[0].length)}`.replace(/\s+/g, ' ').trim();
}

/** Colours a new object may be given, in order of preference, and those each background hides. */
const NEW_OBJECT_COLOURS = ['red', 'blue', 'yellow', 'green', 'orange', 'purple', 'pink', 'white', 'cyan', 'brown'];
const HIDDEN_BY: Record<string, string[]> = {
  sky: ['blue', 'cyan', 'white'], grass: ['green'], sand: ['yellow', 'orange', 'brown'], night: ['blue', 'purple'], plain: ['white'],
};

/**
 * The colour a new object gets when none was said: one no other object has and the background
 * doesn't hide — the first such in a fixed order, or a random one when `pick` is given.
 */
export function newObjectColour(taken: readonly (string | undefined)[], background: string | undefined, pick?: (colours: string[]) => string): string {
  const unavailable = new Set([...taken, ...(HIDDEN_BY[background ?? ''] ?? [])]);
  const available = NEW_OBJECT_COLOURS.filter((c) => !unavailable.has(c));
  if (available.length === 0) return 'red';
  return pick ? pick(available) : available[0]!;
}

/**
 * A new object's phrase completed to the caption's grammar. Where the caption gives every object a
 * size and a colour (as the world's captions do), one said without them gets a medium size and a
 * colour no other object has and the background doesn't hide: the shipped model drew "a red circle"
 * there in 1 of 12 scenes, "a medium circle" in 5, "a medium red circle" in 12 of 12. `colour` is
 * the one chosen, for the reply to say so; other captions get the phrase as it was said.
 */
export function completedObject(caption: Caption | undefined, object: string): { phrase: string; colour?: string } {
  if (!caption || caption.objects.length === 0 || !caption.objects.every((o) => o.size && o.color)) return { phrase: object };
  const words = object.split(' ');
  const hasSize = words.some((w) => SIZE_WORDS[w]);
  const hasColour = words.some((w) => COLORS.has(w));
  if (hasSize && hasColour) return { phrase: object };
  const colour = hasColour ? undefined : newObjectColour(caption.objects.map((o) => o.color), caption.background);
  const noun = words.at(-1)!;
  const phrase = [hasSize ? '' : 'medium', ...words.slice(0, -1), colour ?? '', noun].filter(Boolean).join(' ');
  return colour ? { phrase, colour } : { phrase };
}

/** The caption without `noun`'s phrase; "the background" when nothing else is left. */
export function withoutObject(caption: Caption | undefined, noun: string): string | undefined {
  if (!caption) return undefined;
  // The object's phrase with up to four words before its noun ("a large striped red star in the
  // center"), and an "and" that joined it to another object's.
  const pattern = new RegExp(`(\\s+and\\s+)?(?:\\b(?:a|an|the|some|two|three)\\s+)?(?:(?!(?:and|in|at|on|with|of|a|an|the|top|bottom|upper|lower|left|right|middle|center)\\b)[a-z]+\\s+){0,4}?\\b${escape(noun)}s?\\b(?:\\s+(?:sitting|standing|lying))?(?:\\s+(?:in|at) the (?:top|bottom|upper|lower|center|middle|left|right)(?:\\s+(?:left|right|middle))?)?(\\s+and\\s+)?`);
  const result = caption.text.replace(pattern, (_all, before?: string, after?: string) => (before && after ? ' and ' : ' ')).replace(/,\s*(?:flat|striped|dotted|outlined)\s*$/, '').replace(/\s+(?:on|in|at|with|and|of|by|under|near|a|an|the)\s*$/, '').replace(/^\s*(?:on|in|at|with|and)\s+/, '').replace(/\s+/g, ' ').replace(/^[,\s]+|[,\s]+$/g, '').trim();
  return result || 'the background';
}

const PLACED = /\s(?:in|at) the ((?:top|bottom|middle|center|left|right)(?: (?:left|right|middle))?)$/;

/**
 * "a red star in the center and a blue circle in the top left on grass" → the circle first. Only
 * when every object phrase names its place; anything else is returned as it is.
 */
export function inReadingOrder(prompt: string): string {
  const split = / on [a-z ]+(?:, [a-z]+)?$/.exec(prompt);
  const head = split ? prompt.slice(0, split.index) : prompt;
  const phrases = head.split(' and ');
  if (phrases.length < 2) return prompt;
  const places = phrases.map((phrase) => PLACED.exec(phrase)?.[1]);
  if (places.some((place) => place === undefined)) return prompt;
  const order = (index: number) => REGIONS.indexOf(readRegion(places[index]!) ?? 'center');
  const sorted = phrases.map((_, index) => index).sort((a, b) => order(a) - order(b) || a - b);
  return `${sorted.map((index) => phrases[index]).join(' and ')}${split ? split[0] : ''}`;
}
