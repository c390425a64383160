// What a caption (a generated image's prompt, or a description of an upload) says is in the image:
// its objects with their colour, size and pattern, the background and where things are. Both the
// procedural world's captions ("a large red star in the top left on grass, striped") and ordinary
// ones ("a cat sitting on a sofa") are read.
import { BACKGROUNDS, COLORS, COMMON_NOUNS, KINDS, MATERIALS, SHAPES, SIZE_WORDS, TEXTURES } from './lexicon.ts';
import { PLACE_PHRASE, readRegion } from './positions.ts';
import type { Region } from './schema.ts';
import { normalizeWords, singular, tagWords } from './text.ts';

export interface CaptionObject {
  noun: string;
  color?: string;
  size?: string;
  texture?: string;
  material?: string;
  region?: Region;
}

export interface Caption {
  text: string;
  /** Every word, singular, for "does the caption mention X". */
  words: Set<string>;
  objects: CaptionObject[];
  background?: string;
}

const NOT_OBJECTS = new Set([
  'top', 'bottom', 'left', 'right', 'center', 'middle', 'corner', 'side', 'image', 'picture', 'photo',
  'background', 'foreground', 'front', 'view', 'scene', 'style', 'lot', 'bit', 'part', 'half',
]);

export function readCaption(raw: string | undefined): Caption | undefined {
  if (!raw || !raw.trim()) return undefined;
  const text = normalizeWords(raw.replace(/[^\p{L}\p{N}\s,.'-]/gu, ' ')).slice(0, 500);
  if (!text) return undefined;
  const tokens = text.split(/[\s,.;:!?]+/).filter((t) => /^[\p{L}\p{N}'-]+$/u.test(t));
  const words = new Set(tokens.flatMap((t) => [t, singular(t)]));
  const tags = tagWords(text.replace(/[,.]/g, ' '));
  const objects: CaptionObject[] = [];
  let background: string | undefined;

  // Phrases after "on", "against", "over" that name a backdrop are the background.
  const backgroundMatch =
    /\b(?:on|against|over|in front of|with)\s+(?:a\s+|an\s+|the\s+)?([a-z ]+?)\s+background\b/.exec(text) ??
    /\b(?:on|against|under|in)\s+(?:a\s+|an\s+|the\s+)?(plain|sky|grass|night|sand|beach|forest|desert|city|ocean|space|snow|field|meadow|water|jungle|street|park|garden)\b/.exec(
      text,
    );
  if (backgroundMatch) background = backgroundMatch[1];

  let pending: Omit<CaptionObject, 'noun'> = {};
  let previousWasNoun = false;
  for (let i = 0; i < tags.length; i++) {
    const { word, tags: t } = tags[i]!;
    const base = singular(word);
    if (COLORS.has(word)) pending.color = word;
    else if (SIZE_WORDS[word] && !SHAPES.has(word)) pending.size = word;
    else if (TEXTURES[word]) pending.texture = word;
    else if (MATERIALS[word] && !COMMON_NOUNS.has(word)) pending.material = word;
    const isNoun =
      SHAPES.has(base) ||
      COMMON_NOUNS.has(base) ||
      (t.has('Noun') && !t.has('Pronoun') && !t.has('Verb') && !t.has('Gerund') && !/ing$/.test(word));
    const isModifier =
      COLORS.has(word) || !!SIZE_WORDS[word] || !!TEXTURES[word] || (!!MATERIALS[word] && !COMMON_NOUNS.has(word));
    if (isNoun && !isModifier && !NOT_OBJECTS.has(base) && base !== background && /^[a-z]+$/.test(base)) {
      // "teddy bear", "fire truck": a noun right after a noun makes one compound object.
      const last = objects.at(-1);
      const compound = previousWasNoun && !t.has('Verb') && !t.has('Gerund') && (COMMON_NOUNS.has(base) || SHAPES.has(base));
      if (last && compound && !last.noun.includes(' ')) last.noun = `${tags[i - 1]!.word} ${base}`;
      else objects.push({ noun: base, ...pending });
      pending = {};
      previousWasNoun = true;
    } else previousWasNoun = false;
  }
  // "…, striped": a trailing pattern belongs to the main object.
  const trailing = /,\s*([a-z]+)\s*$/.exec(text)?.[1];
  const first = objects[0];
  if (trailing && first) {
    if (TEXTURES[trailing]) first.texture = trailing;
    else if (COLORS.has(trailing)) first.color = trailing;
  }
  // "in the top left" after an object puts that object there.
  const placeRe = /\b(?:in|at|on)\s+(?:the\s+)?((?:very\s+)?(?:top|upper|bottom|lower|left|right|center|middle)(?:\s+(?:left|right|center|middle|corner|side|edge|half|part))*)/g;
  for (const match of text.matchAll(placeRe)) {
    const region = match[1] && PLACE_PHRASE.test(match[1]) ? readRegion(match[1]) : undefined;
    if (!region) continue;
    const before = text.slice(0, match.index);
    const owner = [...objects].reverse().find((o) => new RegExp(`\\b${o.noun}s?\\b`).test(before));
    if (owner && !owner.region) owner.region = region;
  }
  if (!background) {
    const bg = [...BACKGROUNDS].find((b) => new RegExp(`\\b(?:on|in|at)\\s+(?:the\\s+|a\\s+)?${b}\\b`).test(text));
    if (bg) background = bg;
  }
  // Settings ("in a park", "on the grass") are where things are, not things to edit by default.
  const filtered = objects.filter((o, i) => o.noun !== background && (i === 0 || !BACKGROUNDS.has(o.noun)));
  return { text, words, objects: filtered, background };
}

/** Whether the caption names this word (or its singular). */
export function mentions(caption: Caption, word: string): boolean {
  const parts = word.split(' ');
  return parts.every((part) => caption.words.has(part) || caption.words.has(singular(part)));
}

/** The object a phrase refers to, matched by its noun. */
export function findObject(caption: Caption, noun: string): CaptionObject | undefined {
  const base = singular(noun.split(' ').at(-1) ?? noun);
  const whole = singular(noun);
  return (
    caption.objects.find((o) => o.noun === whole || o.noun === base || singular(o.noun) === base) ??
    caption.objects.find((o) => o.noun.split(' ').includes(base)) ??
    caption.objects.find((o) => sameKind(base, o.noun.split(' ').at(-1)!))
  );
}

/** "dog" and "retriever", "sofa" and "couch": one names a kind the other belongs to. */
export function sameKind(a: string, b: string): boolean {
  return (KINDS[a]?.includes(b) ?? false) || (KINDS[b]?.includes(a) ?? false);
}

/** The main subject: the first object named. */
export function mainObject(caption: Caption): CaptionObject | undefined {
  return caption.objects[0];
}
