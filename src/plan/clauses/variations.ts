// Variations: "show me variations", "give me 3 more like this", "reroll".
import type { Amount, Intent } from '../intents.ts';

export const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twelve: 12,
  couple: 2, 'a couple': 2, 'a couple of': 2, pair: 2, few: 3, 'a few': 3, several: 4, some: 4, bunch: 6,
  'a bunch of': 6, dozen: 12, 'a dozen': 12, handful: 4,
};
/** `parseClause` reads what a variation asks besides being one ("a blue version"); clause.ts passes itself. */
export function parseVariations(c: string, amount: Amount, parseClause: (clause: string) => Intent[]): Intent[] | undefined {
  const cue =
    /\b(variations?|variants?|versions?|alternatives?|options|re-?roll|remix|more like (?:this|it|that|these)|similar (?:ones|images|pictures|versions)|something similar|others like (?:this|it)|another (?:one|take|version|go|try|variant|attempt)|other takes?|different takes?|explore|try again|surprise me|more of (?:these|this|them|those)|give it another (?:go|shot|try)|one more time|shuffle|randomi[sz]e|re-?generate|regen|redo it|iterations?|spin-?offs?)\b/;
  if (!cue.test(c)) return undefined;
  // "a blue version", "a watercolor version": the variation word is incidental.
  const remainder = c
    .replace(cue, ' ')
    .replace(/\b(show|give|make|generate|create|produce|render|draw|try|me|us|a|an|some|of|it|this|the|image|picture|one|ones|please|with|few|more|different|couple|several|bunch|\d+|two|three|four|five|six|eight|ten|slight|subtle|small|minor|wild|crazy|bold|big|drastic|radical|random|new|other|quick|similar|like|variation|variations|can|i|see|get|have|want|would|love|need)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (remainder) {
    const inner = parseClause(c.replace(cue, ' ').replace(/\b(?:a|an|some|few|couple of|\d+)\s*$/, '').trim());
    if (inner.length > 0 && inner.every((i) => i.kind !== 'bare_noun' && i.kind !== 'variations')) return inner;
    if (remainder.split(' ').length > 2) return undefined;
  }
  let count = 4;
  const digits = /\b(\d{1,2})\b/.exec(c);
  if (digits) count = Number(digits[1]);
  else {
    for (const [word, n] of Object.entries(NUMBER_WORDS)) {
      if (new RegExp(`\\b${word}\\b`).test(c) && word !== 'one' && word !== 'some') {
        count = n;
        break;
      }
    }
    if (/\b(another|one more|one other)\b/.test(c) && !/\b(variations|versions|options|ones)\b/.test(c)) count = 1;
  }
  count = Math.max(1, Math.min(16, count));
  let variation: Amount = amount;
  if (/\b(slight|subtle|small|minor|close|similar|gentle|light)\b/.test(c)) variation = 'slight';
  if (/\b(wild|crazy|bold|drastic|radical|very different|completely different|big|wilder|different|creative|experimental|random)\b/.test(c) && !/\bslight/.test(c))
    variation = 'strong';
  return [{ kind: 'variations', count, amount: variation }];
}
