// Clauses without a verb: "blue", "bigger", "sky on top", "to the left", "a tiger".
import type { Amount, Intent } from '../intents.ts';
import { COMMON_NOUNS } from '../lexicon.ts';
import { PLACE_PHRASE, readDirection, readRegion } from '../positions.ts';
import { comparativeBase, tagWords } from '../text.ts';
import { normalizeAction } from './actions.ts';
import { describeTarget, isNounLike, readObject } from './nouns.ts';
import { classifyValue } from './values.ts';
import { ACTION_RE, SIZE_COMPARATIVES, VAGUE } from './words.ts';

export function parseBare(c: string, amount: Amount): Intent[] | undefined {
  const value = c.replace(/^(?:make it|more|it|just|go)\s+/, '').replace(/\s+(?:instead|please|version|one)$/, '').trim();
  const kind = classifyValue(value);
  if (kind) {
    if ('size' in kind) return [{ kind: 'resize', size: kind.size, relative: /er$/.test(value), amount }];
    if ('attribute' in kind) return [{ kind: 'attribute', attribute: kind.attribute, value: kind.value }];
    if ('scene' in kind) return [{ kind: 'scene', phrase: kind.scene, word: kind.word }];
    return [{ kind: 'style', style: kind.style, amount }];
  }
  if (/^(?:bigger|larger|smaller|tinier)$/.test(value)) {
    return [{ kind: 'resize', size: /^(?:bigger|larger)$/.test(value) ? 'large' : 'small', relative: true, amount }];
  }
  // "… and in the center": a place alone moves the thing just mentioned.
  if (/^(?:to|into|in|at|on|toward|towards)\s/.test(c) && PLACE_PHRASE.test(c)) {
    const region = readRegion(c);
    if (region) return [{ kind: 'move', region, amount }];
  }
  const direction = readDirection(c.replace(/^(?:move|go|more)\s+/, ''));
  if (direction && /^(?:move|go|more|to the|a bit|left|right|up|down)/.test(c)) return [{ kind: 'move', direction, amount }];
  // "a red circle on the left", "sky on top": one piece of a region prompt.
  const piece = /^(.+?)\s+(?:(?:in|at|on|to|along|across)\s+)?(?:the\s+)?((?:very\s+)?(?:top|upper|bottom|lower|left|right|center|middle|above|below|underneath|beneath|up top|down below)(?:\s+(?:left|right|middle|center|half|side|corner|part|third|edge|area|of the image|of the picture))*)$/.exec(c);
  if (piece) {
    const region = readRegion(piece[2]!.replace(/^up top$/, 'top').replace(/^down below$/, 'bottom'));
    const object = readObject(piece[1]!);
    if (region && object?.noun) {
      const prompt = describeTarget(object);
      return [{ kind: 'region_piece', prompt, region }];
    }
  }
  const action = ACTION_RE.exec(c);
  if (action && action[0] === c) return [{ kind: 'pose', action: normalizeAction(c) }];
  const comparative = /^[a-z]+er$/.test(value) && !SIZE_COMPARATIVES.has(value) ? comparativeBase(value) : undefined;
  if (comparative && !VAGUE.has(comparative)) {
    return [{ kind: 'reweight', word: comparative, more: true, amount }];
  }
  const noun = readObject(c);
  const hasVerb = tagWords(`the ${c}`).slice(1).some((t) => t.tags.has('Verb') && !COMMON_NOUNS.has(t.word));
  if (noun?.noun && !hasVerb && c.split(' ').length <= 4 && isNounLike(noun.noun.split(' ').at(-1)!)) {
    return [{ kind: 'bare_noun', noun: describeTarget(noun) }];
  }
  return undefined;
}
