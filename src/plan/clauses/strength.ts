// Reweighting (strength): "more snow", "much less fog", "make it snowier", "make the snow heavier".
import type { Amount, Intent } from '../intents.ts';
import { BACKGROUNDS, COLORS, COMMON_NOUNS, LESS_WORDS, MORE_WORDS, SHAPES } from '../lexicon.ts';
import { readDirection } from '../positions.ts';
import { comparativeBase, singular, tagWords } from '../text.ts';
import { readObject } from './nouns.ts';
import { DETERMINERS, SIZE_COMPARATIVES, VAGUE, alternation } from './words.ts';

export function parseReweight(c: string, amount: Amount): Intent[] | undefined {
  const more = alternation(MORE_WORDS);
  const less = alternation(LESS_WORDS);
  const lead = new RegExp(
    `^(?:(?:make it|make the (?:image|picture|scene)|add|give it|give me|put|use|i want|with|have|show)\\s+)?(?:(?:the\\s+)?(?:amount of|number of)\\s+)?(?:(${more})|(${less}))\\s+(?:(?:the\\s+)?(?:amount of|number of|of the|of)\\s+)?(?:the\\s+)?(.+)$`,
  );
  let match = lead.exec(c);
  let isMore: boolean | undefined;
  let phrase: string | undefined;
  /** "make the star less red": whose quality it is. */
  let owner: string | undefined;
  if (match) {
    isMore = !!match[1];
    phrase = match[3];
    // "lower the circle" moves a countable thing down; "lower the fog" weakens it.
    const thing = singular((phrase ?? '').replace(DETERMINERS, ''));
    if (match[2] === 'lower' && (SHAPES.has(thing) || COMMON_NOUNS.has(thing)) && !MASS_NOUNS.has(thing)) return undefined;
  } else {
    // "make the sky more blue", "make it less snowy", "the snow more intense"
    match = new RegExp(`^(?:make\\s+)?(.+?)\\s+(?:(more)|(less))\\s+([a-z-]+)$`).exec(c);
    if (match && match[4] !== 'like' && !/^(?:wider|taller|bigger|smaller)$/.test(match[4]!)) {
      const subject = readObject(match[1]!);
      const quality = match[4]!;
      if (subject) {
        isMore = !!match[2];
        if (['intense', 'visible', 'prominent', 'noticeable', 'pronounced', 'obvious', 'vivid', 'strong', 'dominant'].includes(quality)) {
          phrase = subject.noun ?? quality;
        } else {
          phrase = quality;
          owner = subject.noun;
        }
      }
    }
  }
  if (phrase === undefined || isMore === undefined) {
    // "snowier", "make it fluffier"
    const comparative = /^(?:make\s+)?(?:(?:it|the (?:image|picture|scene|.+?))\s+)?(?:look\s+)?(?:even\s+)?([a-z]+er)$/.exec(c);
    // "make the snow heavier": more of the snow itself (but a thinner man is a resize).
    const intensity = comparative ? INTENSITY[comparative[1]!] : undefined;
    if (comparative && intensity !== undefined) {
      const subject = readObject(c.replace(/^make\s+/, '').replace(/\s*(?:look\s+)?(?:even\s+)?[a-z]+er$/, ''));
      const noun = subject?.noun;
      if (noun && (MASS_NOUNS.has(noun) || (!COMMON_NOUNS.has(noun) && !SHAPES.has(noun)))) {
        return [{ kind: 'reweight', word: noun, more: intensity, amount }];
      }
    }
    if (comparative && SIZE_COMPARATIVES.has(comparative[1]!)) return undefined;
    const base = comparative ? comparativeBase(comparative[1]!) : undefined;
    if (!comparative || !base || VAGUE.has(base)) return undefined;
    if (['big', 'small', 'large', 'tall', 'wide', 'tiny', 'little', 'short', 'long', 'broad', 'high', 'low', 'huge', 'narrow', 'thin', 'fat'].includes(base)) return undefined;
    const subject = c.replace(/^make\s+/, '').replace(/\s*(?:look\s+)?(?:even\s+)?[a-z]+er$/, '');
    const object = subject ? readObject(subject) : undefined;
    if (object?.noun && !COLORS.has(base)) {
      // "make the sky bluer": a colour comparative on a named object reweights that colour.
    }
    return [{ kind: 'reweight', word: base, more: true, amount, adjective: true, ...(object?.noun ? { object: object.noun } : {}) }];
  }
  phrase = phrase
    .replace(/\s+(?:please|in it|in the (?:image|picture|scene|background|sky)|on (?:it|the ground)|everywhere|overall|there|around)$/, '')
    .trim();
  if (/^(?:like this|of (?:these|this|them))$/.test(phrase)) return undefined;
  if (!phrase || phrase.split(' ').length > 3) return undefined;
  const words = phrase.split(' ');
  // "more to the left" is a move, "less wide" a canvas change; neither is a token.
  if (readDirection(phrase)) return undefined;
  const head = words.at(-1)!;
  if (['it', 'this', 'that', 'them'].includes(head)) return undefined;
  const word = singular(phrase.replace(DETERMINERS, ''));
  if (VAGUE.has(word)) return undefined;
  const single = !word.includes(' ');
  const tags = single ? tagWords(`it looks ${word}`)[2]?.tags : undefined;
  const adjective = !!tags?.has('Adjective') && !COMMON_NOUNS.has(word) && !BACKGROUNDS.has(word);
  return [{ kind: 'reweight', word, more: isMore, amount, ...(adjective ? { adjective } : {}), ...(owner ? { object: owner } : {}) }];
}

export const INTENSITY: Record<string, boolean> = {
  heavier: true, thicker: true, denser: true, stronger: true, bolder: true, deeper: true, louder: true,
  richer: true, fuller: true, lighter: false, thinner: false, weaker: false, fainter: false, sparser: false,
  softer: false, subtler: false,
};

export const MASS_NOUNS = new Set([
  'snow', 'rain', 'fog', 'mist', 'smoke', 'fire', 'cloud', 'grass', 'hair', 'fur', 'beard', 'foliage',
  'leaves', 'leaf', 'water', 'wave', 'light', 'shadow', 'color', 'texture', 'stripe', 'dot', 'pattern',
  'crowd', 'forest', 'flower', 'blossom', 'steam', 'dust', 'sand', 'makeup', 'outline', 'line', 'glow',
]);
