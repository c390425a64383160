// Noun phrases: "the big red star in the top left" → its noun, colour, size, texture and place.
import type { Size } from '../lexicon.ts';
import type { Region } from '../schema.ts';
import { BACKGROUNDS, COLORS, COLOR_SHADES, COMMON_NOUNS, EDIT_VERBS, SHAPES, SIZE_WORDS, TEXTURES } from '../lexicon.ts';
import { PLACE_PHRASE, readRegion } from '../positions.ts';
import { singular, tagWords } from '../text.ts';
import { DETERMINERS, GLOBAL_WORDS, PRONOUNS } from './words.ts';

export interface ObjectPhrase {
  /** The noun, singular ("cat", "teddy bear"); undefined for "it" / "the image". */
  noun?: string;
  global: boolean;
  color?: string;
  size?: Size;
  texture?: string;
  region?: Region;
}

export const NOT_IN_NOUN_PHRASE = new Set([
  'it', 'look', 'looks', 'like', 'is', 'be', 'are', 'was', 'to', 'of', 'should', 'would', 'could', 'can',
  'will', 'must', 'me', 'you', 'i', 'we', 'and', 'or', 'not', 'no', 'into', 'than', 'so', 'too', 'very',
  'please', 'if', 'then', 'but', 'with', 'for', 'from', 'by', 'at', 'as', 'more', 'less', 'instead',
  'there', 'his', 'her', 'its', 'their', 'my', 'your', 'our', 'over', 'under', 'onto', 'across', 'through',
  'around', 'behind', 'beside', 'next', 'near', 'above', 'below', 'against', 'toward', 'towards', 'up',
  'down', 'off', 'out', 'about', 'what', 'why', 'how', 'who', 'where', 'when', 'which', 'do', 'does',
  'did', 'am', 'were', 'been', 'being', 'has', 'have', 'had', 'not', "don't", "can't", 'yes', 'them',
  'him', 'they', 'he', 'she', 'this', 'that', 'these', 'those', 'us', 'something', 'anything', 'nothing',
  'everything', 'someone', 'anyone', 'somehow', 'here', 'two', 'three', 'four', 'five', 'another', 'second',
  'duplicate', 'copy', 'clone',
]);

/** Reads "the big red star in the top left" into its parts; undefined if it isn't a noun phrase. */
export function readObject(phrase: string): ObjectPhrase | undefined {
  let p = phrase.trim().replace(/^(?:of|for|on|to)\s+/, '');
  if (!p) return undefined;
  let region: Region | undefined;
  const place = /\s+(?:in|at|on|from|near)\s+(?:the\s+)?(.+)$/.exec(p);
  if (place && PLACE_PHRASE.test(`the ${place[1]}`)) {
    region = readRegion(place[1]!);
    p = p.slice(0, place.index);
  } else {
    const trailing = /\s+(?:on the\s+)?(left|right|top|bottom|(?:top|bottom|upper|lower)\s+(?:left|right))(?:\s+one)?$/.exec(p);
    if (trailing && p.split(' ').length > 1) {
      region = readRegion(trailing[1]!);
      p = p.slice(0, trailing.index);
    }
  }
  p = p.replace(/\s+(?:over there|here|there|please|in the image|in the picture|in the photo)$/, '').trim();
  // "the top left one", "the shape on the right": which one by where it is.
  if (region && /^(?:the\s+)?(?:one|thing|shape|object|the|)$/.test(p) && /\b(?:one|thing|shape|object)\b/.test(phrase)) return { global: false, noun: `${region} one`, region };
  if (PRONOUNS.has(p)) return { global: GLOBAL_WORDS.has(p.split(' ').at(-1) ?? ''), region };
  while (DETERMINERS.test(p)) p = p.replace(DETERMINERS, '');
  if (PRONOUNS.has(p)) return { global: GLOBAL_WORDS.has(p.split(' ').at(-1) ?? ''), region };
  // "the red one", "the small one": which one by how it looks.
  const qualified = /^([a-z]+)\s+(?:one|thing|shape|object)$/.exec(p);
  if (qualified && (COLORS.has(qualified[1]!) || SIZE_WORDS[qualified[1]!] || TEXTURES[qualified[1]!])) {
    return { global: false, noun: `${qualified[1]} one`, region };
  }
  const words = p.split(' ').filter(Boolean);
  if (words.some((w) => NOT_IN_NOUN_PHRASE.has(w))) return undefined;
  if (EDIT_VERBS.has(words[0]!) && !COMMON_NOUNS.has(words[0]!) && !SHAPES.has(words[0]!)) return undefined;
  const result: ObjectPhrase = { global: false, region };
  const rest: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (next && (COLOR_SHADES.has(word) || COLORS.has(word)) && COLORS.has(next)) {
      result.color = `${word} ${next}`;
      i++;
    } else if (COLORS.has(word) && i < words.length - 1) result.color = word;
    else if (SIZE_WORDS[word] && i < words.length - 1) result.size = SIZE_WORDS[word];
    else if (TEXTURES[word] && i < words.length - 1) result.texture = word;
    else rest.push(word);
  }
  if (rest.length === 1 && (COLORS.has(rest[0]!) || SIZE_WORDS[rest[0]!]) && !/^(?:a|an)\s/.test(phrase.trim())) {
    if (COLORS.has(rest[0]!)) result.color = rest[0]!;
    return result;
  }
  if (rest.length === 0 || rest.length > 4) return undefined;
  if (rest.some((w) => !/^[a-z][a-z'-]*$/.test(w))) return undefined;
  const last = rest.at(-1)!;
  if (EDIT_VERBS.has(last) && !COMMON_NOUNS.has(last)) return undefined;
  if (['the', 'a', 'an', 'to', 'of', 'with', 'and', 'in', 'on', 'is', 'be'].includes(last)) return undefined;
  result.noun = singular(rest.slice(-3).join(' ').replace(/'s\b/g, ''));
  if (PRONOUNS.has(result.noun)) {
    delete result.noun;
    result.global = GLOBAL_WORDS.has(last);
  }
  return result;
}

export function isNounLike(word: string): boolean {
  const base = singular(word);
  if (SHAPES.has(base) || COMMON_NOUNS.has(base) || BACKGROUNDS.has(base)) return true;
  const tags = tagWords(`the ${word}`)[1]?.tags;
  return !!tags && tags.has('Noun') && !tags.has('Pronoun');
}
/** "reimagined", "cozy": a lone word compromise reads as a description rather than a thing. */
export function looksLikeAdjective(noun: string): boolean {
  if (noun.includes(' ') || COMMON_NOUNS.has(noun) || SHAPES.has(noun) || BACKGROUNDS.has(noun)) return false;
  const tags = tagWords(`it looks ${noun}`)[2]?.tags;
  return !!tags && (tags.has('Adjective') || tags.has('PastTense') || tags.has('Participle') || tags.has('Gerund'));
}

/** The noun phrase a swap should write into the prompt: "tiger", "red fox", "large dog". */
export function describeTarget(target: ObjectPhrase): string {
  return [target.size, target.color, target.texture ? TEXTURES[target.texture] : undefined, target.noun].filter(Boolean).join(' ');
}
