// Turning what someone typed into plain lowercase words the grammar can read: chat markup, mentions,
// code and links go; spelling variants fold; misspellings of the words that matter are corrected.
import nlp from 'compromise';
import { SPELLING_VARIANTS, correctionVocabulary } from './lexicon.ts';

/** Longer than any real instruction; beyond it we ask for a shorter one rather than guess. */
export const MAX_INSTRUCTION_CHARS = 1000;

export type InputProblem = 'empty' | 'too_long' | 'markup_only';

export interface CleanText {
  text: string;
  problem?: InputProblem;
}

const MARKUP_PATTERNS: RegExp[] = [
  /<(script|style)\b[^>]*>[\s\S]*?(<\/\1\s*>|$)/gi, // with everything inside
  /```[\s\S]*?(```|$)/g, // code blocks, closed or not
  /`[^`]*`/g, // inline code
  /<[@#!][^>]*>/g, // Discord / Slack mentions, channels, <!here>
  /<a?:\w+:\d+>/g, // custom emoji
  /<\/?[a-z][^>]*>/gi, // HTML tags
  /<(https?|mailto):[^>]*>/gi, // Slack links
  /\b(https?|ftp):\/\/\S+/gi,
  /\bwww\.\S+/gi,
  /@(everyone|here|channel)\b/gi,
  /@[\w.-]+/g, // plain @mentions
  /\[([^\]]*)\]\([^)]*\)/g, // markdown links: keep nothing, the label may be anything
  /&[a-z]+;|&#\d+;/gi, // HTML entities
  /\bjavascript:\S*/gi,
  /\$\{[^}]*\}/g,
];

/** Strips markup and anything but letters, digits and simple punctuation. */
export function stripMarkup(raw: string): string {
  let text = raw.normalize('NFKC');
  for (const pattern of MARKUP_PATTERNS) text = text.replace(pattern, ' ');
  return text
    .replace(/[‘’ʼ]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/[→⇒]|-+>|=>|(?<=\s|^)=(?=\s|$)/g, ' -> ')
    .replace(/[^\p{L}\p{N}\s,.;:!?'&+/%-]|->/gu, (m) => (m === '->' ? ' -> ' : ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

export function cleanInstruction(raw: unknown): CleanText {
  if (typeof raw !== 'string' || raw.trim() === '') return { text: '', problem: 'empty' };
  if (raw.length > MAX_INSTRUCTION_CHARS) return { text: '', problem: 'too_long' };
  const stripped = stripMarkup(raw);
  if (!/\p{L}|\d+:\d+/u.test(stripped)) return { text: '', problem: 'markup_only' };
  return { text: normalizeWords(stripped) };
}

/** Lowercase, separators spaced out, spelling variants folded, typos corrected. */
export function normalizeWords(text: string): string {
  const spaced = text
    .toLowerCase()
    .replace(/([,;!?])/g, ' $1 ')
    .replace(/\.(\s|$)/g, ' . ')
    .replace(/(\d)\s*[x×:]\s*(\d)/g, '$1:$2')
    .replace(/'s\b/g, " 's")
    .replace(/\s+/g, ' ')
    .trim();
  const words = spaced.split(' ').flatMap((word) => {
    const variant = SPELLING_VARIANTS[word];
    if (variant !== undefined) return variant === '' ? [] : [variant];
    return [correctSpelling(word)];
  });
  return words.join(' ').replace(/ 's\b/g, "'s").replace(/ ([,;!?.])/g, '$1').replace(/\s+/g, ' ').trim();
}

let vocabulary: { known: Set<string>; core: string[]; nouns: string[] } | undefined;
function getVocabulary() {
  vocabulary ??= (() => {
    const { core, nouns } = correctionVocabulary();
    return { known: new Set([...core, ...nouns]), core, nouns };
  })();
  return vocabulary;
}

const englishLexicon = (nlp.model() as { one: { lexicon: Record<string, unknown> } }).one.lexicon;

function isKnownWord(word: string, vocab: Set<string>): boolean {
  if (vocab.has(word) || word in englishLexicon) return true;
  // Inflections of known words (plurals, -ing, -ed, comparatives) are not typos.
  for (const suffix of ['s', 'es', 'ies', 'ing', 'ed', 'er', 'ier', 'est', 'ly', 'y', 'd']) {
    if (!word.endsWith(suffix)) continue;
    const stem = word.slice(0, -suffix.length);
    if (vocab.has(stem) || vocab.has(`${stem}e`) || vocab.has(`${stem}y`) || stem in englishLexicon) return true;
    if (stem.length > 2 && stem.at(-1) === stem.at(-2) && vocab.has(stem.slice(0, -1))) return true;
  }
  return false;
}

/**
 * Corrects a misspelling of a word the grammar relies on; leaves everything else alone. Short words
 * are only corrected toward the instruction's skeleton, and only by one edit (or a swapped pair).
 */
export function correctSpelling(word: string): string {
  if (word.length < 3 || !/^[a-z]+$/.test(word)) return word;
  const { known, core, nouns } = getVocabulary();
  if (isKnownWord(word, known)) return word;
  const all = [...core, ...nouns];
  if (word.length <= 5) {
    const swapped = all.find((c) => isTransposition(word, c));
    if (swapped) return swapped;
    if (word.length === 3) return word;
    return closest(word, core.filter((c) => c.length >= 4), 1) ?? word;
  }
  if (word.length === 6) return closest(word, all, 1) ?? word;
  return closest(word, core, 2) ?? closest(word, nouns, 1) ?? word;
}

function closest(word: string, candidates: string[], limit: number): string | undefined {
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - word.length) > limit) continue;
    // People rarely get the first letter wrong; "pears" is not a misspelt "ears".
    if (candidate[0] !== word[0] && !isTransposition(word.slice(0, 2), candidate.slice(0, 2))) continue;
    const distance = editDistance(word, candidate, limit);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const diff = [...a].flatMap((ch, i) => (ch === b[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && a[diff[0]!] === b[diff[1]!] && a[diff[1]!] === b[diff[0]!];
}

/** Damerau–Levenshtein (optimal string alignment) distance, giving up past `limit`. */
export function editDistance(a: string, b: string, limit = Infinity): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    let rowMin = Infinity;
    const row = d[i]!;
    const prev = d[i - 1]!;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      }
      row[j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
  }
  return d[a.length]![b.length]!;
}

/**
 * Corrects misspellings of the things this image shows ("the catt", "the hart" for a heart): a word we
 * don't know, one edit away from a noun of the caption with the same first letter, is that noun.
 * English words other than nouns ("start", "hate") are left alone.
 */
export function correctTowardCaption(text: string, captionNouns: Iterable<string>): string {
  const targets = [...new Set(captionNouns)].filter((w) => w.length >= 3 && /^[a-z]+$/.test(w));
  if (targets.length === 0) return text;
  const { known } = getVocabulary();
  return text
    .split(' ')
    .map((raw) => {
      const match = /^([a-z]+)([,.;!?]*)$/.exec(raw);
      if (!match) return raw;
      const word = match[1]!;
      if (word.length < 4 || known.has(word) || targets.includes(word) || targets.includes(singular(word))) return raw;
      const tag = englishLexicon[word];
      if (tag !== undefined && !/Noun|Singular|Plural|Name|Uncountable/.test(String(tag))) return raw;
      const near = targets.find((t) => t[0] === word[0] && Math.abs(t.length - word.length) <= 1 && editDistance(word, t, 1) <= 1);
      return near ? `${near}${match[2]}` : raw;
    })
    .join(' ');
}

/** Words safe to show back to a user or store in a plan: letters, digits, spaces, hyphens. */
export function safeWords(text: string, maxLength = 60): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' -]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, maxLength)
    .trim();
}

let singularCache = new Map<string, string>();
/** "cats" → "cat", "mice" → "mouse"; phrases keep their modifiers. */
export function singular(phrase: string): string {
  const cached = singularCache.get(phrase);
  if (cached !== undefined) return cached;
  const words = phrase.split(' ');
  const last = words.at(-1) ?? '';
  let base = last;
  if (/s$/.test(last) && !/(ss|us|is|glass|grass)$/.test(last) && last.length > 3) {
    const doc = nlp(`the ${last}`);
    doc.nouns().toSingular();
    base = doc.text().replace(/^the\s+/, '').trim() || last;
  }
  const result = [...words.slice(0, -1), base].join(' ');
  if (singularCache.size > 5000) singularCache = new Map();
  singularCache.set(phrase, result);
  return result;
}

/** "sitting" → "sit", "jumped" → "jump"; anything else unchanged. */
export function infinitive(verb: string): string {
  const words = verb.split(' ');
  const head = words[0] ?? verb;
  const doc = nlp(head);
  doc.verbs().toInfinitive();
  const base = doc.text().trim();
  const fixes: Record<string, string> = { ly: 'lie', lying: 'lie', laying: 'lie', lay: 'lie' };
  const lemma = fixes[head] ?? (base && /^[a-z]+$/.test(base) ? base : head);
  return [lemma, ...words.slice(1)].join(' ');
}

/** Part-of-speech tags compromise gives a word in the context of its clause. */
export function tagWords(clause: string): { word: string; tags: Set<string> }[] {
  return nlp(clause)
    .terms()
    .json()
    .map((term: { text: string; terms: { normal: string; tags: string[] }[] }) => ({
      word: term.terms[0]?.normal ?? term.text,
      tags: new Set(term.terms[0]?.tags ?? []),
    }));
}

/** The base of a comparative adjective ("snowier" → "snowy", "brighter" → "bright"), if it is one. */
export function comparativeBase(word: string): string | undefined {
  if (!/er$/.test(word) || word.length < 5) return undefined;
  const candidates: string[] = [];
  if (word.endsWith('ier')) candidates.push(`${word.slice(0, -3)}y`);
  const stem = word.slice(0, -2);
  candidates.push(stem, `${stem}e`);
  if (stem.length > 2 && stem.at(-1) === stem.at(-2)) candidates.unshift(stem.slice(0, -1));
  for (const base of candidates) {
    const forms = nlp(base).adjectives().conjugate()[0] as { Comparative?: string } | undefined;
    if (forms?.Comparative === word) return base;
  }
  const tags = tagWords(word)[0]?.tags;
  if (tags?.has('Comparative')) return candidates.find((c) => c.endsWith('y')) ?? candidates[0];
  return undefined;
}

/**
 * "undo that and make it green instead": an instruction that first goes back to the picture the
 * current one was made from. `rest` is what to do there ('' for a plain "undo").
 */
export function splitUndo(text: string): { undo: boolean; rest: string } {
  const match = /^\s*(?:please\s+)?(?:undo|revert|go back|step back|take (?:that|it) back|never ?mind|scratch that)(?:\s+(?:that|it|this|the last (?:edit|change|one|step)|what you (?:just )?did|one step))?\s*(?:[,;.!]\s*|\s+and\s+(?:then\s+)?|\s+then\s+|$)(.*)$/i.exec(text);
  if (!match) return { undo: false, rest: text };
  return { undo: true, rest: (match[1] ?? '').replace(/\s+instead[.!]?$/i, '').trim() };
}
