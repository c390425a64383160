// Actions and poses: "sit", "sitting down", "jump over the fence" → an infinitive action phrase.
import { COLORS, COMMON_NOUNS, EDIT_VERBS, SHAPES, SIZE_WORDS } from '../lexicon.ts';
import { readDirection, readRegion } from '../positions.ts';
import { comparativeBase, infinitive, singular, tagWords } from '../text.ts';
import { ACTION_RE, VAGUE } from './words.ts';

export const NOT_ACTIONS = new Set([
  'above', 'below', 'under', 'over', 'beneath', 'behind', 'beside', 'near', 'instead', 'too', 'again',
  'more', 'less', 'bigger', 'smaller', 'wider', 'taller', 'better', 'worse', 'different', 'like', 'look',
  'appear', 'seem', 'become', 'have', 'has', 'go', 'went', 'stay', 'remain', 'keep', 'exist', 'disappear',
  'vanish', 'gone', 'away', 'there', 'here', 'now', 'then', 'please', 'thanks',
]);

/** An action phrase: "sit", "sitting down", "jump over the fence", "raise its paw". */
export function readAction(phrase: string): string | undefined {
  const p = phrase.replace(/^(?:be\s+|start\s+|begin\s+|go\s+)/, '').trim();
  if (!p) return undefined;
  const known = ACTION_RE.exec(p);
  if (known) {
    const tail = p.slice(known[0].length).trim();
    return normalizeAction(`${known[1]}${tail && tail.split(' ').length <= 4 && /^[a-z' ]+$/.test(tail) ? ` ${tail}` : ''}`);
  }
  const words = p.split(' ');
  const head = words[0]!;
  if (words.length > 5 || EDIT_VERBS.has(head) || COLORS.has(head) || SIZE_WORDS[head]) return undefined;
  if (COMMON_NOUNS.has(singular(head)) || SHAPES.has(singular(head))) return undefined;
  if (words.length === 1 && tagWords(`the ${head}`)[1]?.tags.has('Noun')) return undefined;
  if (readRegion(head) || readDirection(head) || NOT_ACTIONS.has(head) || VAGUE.has(head)) return undefined;
  if (words.length === 1 && /er$/.test(head) && comparativeBase(head)) return undefined;
  const tags = tagWords(`the dog will ${p}`)[3]?.tags;
  const gerundTags = tagWords(`the dog is ${p}`)[3]?.tags;
  if (tags?.has('Verb') && !tags.has('Noun') && !tags.has('Adjective') && !tags.has('PastTense') && !tags.has('Participle')) return normalizeAction(p);
  if (/ing$/.test(head) && gerundTags?.has('Gerund')) return normalizeAction(p);
  return undefined;
}

export function normalizeAction(action: string): string {
  const words = action.split(' ');
  const [first, ...rest] = words;
  return [infinitive(first!), ...rest].join(' ').replace(/^lay\b/, 'lie');
}
