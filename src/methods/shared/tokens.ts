// Words and tokens of a prompt, for every method that speaks about "the word cat" while the model
// sees token positions: which positions of the text encoder's context a word occupies, and how the
// tokens of two prompts correspond (prompt-to-prompt's word-swap mapper and its refinement aligner,
// after the official code's ptp_utils.get_word_inds and seq_aligner.py).
import type { Diffusion } from '../../pipeline/diffusion.ts';
import { EditRequestError } from '../types.ts';

/** What these helpers need from a tokenizer: raw BPE ids (no start / end tokens) and the context length. */
export interface PromptTokenizer {
  encode(text: string): number[];
  /** Context length of the text encoder (77 for CLIP): start token, up to length − 2 tokens, end token, padding. */
  maxLength: number;
}

/** The model's tokenizer as the text encoder uses it. */
export function tokenizerOf(diffusion: Diffusion): PromptTokenizer {
  const tokenizer = diffusion.model.tokenizer;
  return { encode: (text) => tokenizer.encode(text), maxLength: diffusion.textLength };
}

/** A prompt split into words (at white space, as the official code's `text.split(" ")`) with their token positions. */
export interface PromptTokens {
  prompt: string;
  words: string[];
  /** Per word, its positions in the context (the start token is position 0, so the first word starts at 1). */
  positions: number[][];
  /** BPE ids without start / end tokens (untruncated). */
  ids: number[];
  /** Tokens the encoder sees: start + ids + end, at most `maxLength`. */
  length: number;
  truncated: boolean;
}

/** Lower case, without the punctuation around a word ("Circle," → "circle"). */
export function normalizeWord(word: string): string {
  return word.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}

export function promptTokens(tokenizer: PromptTokenizer, prompt: string): PromptTokens {
  const words = prompt.trim().split(/\s+/).filter((w) => w.length > 0);
  const positions: number[][] = [];
  const ids: number[] = [];
  // CLIP's pre-tokenizer never joins across white space, so the prompt's tokens are its words'
  // tokens in order (checked below; a tokenizer where that fails is refused rather than misread).
  for (const word of words) {
    const wordIds = tokenizer.encode(word);
    positions.push(wordIds.map((_, k) => 1 + ids.length + k));
    ids.push(...wordIds);
  }
  const whole = tokenizer.encode(prompt);
  if (whole.length !== ids.length || whole.some((id, i) => id !== ids[i])) {
    throw new Error(`tokens: the tokenizer splits '${prompt}' across word boundaries; word positions cannot be read from it`);
  }
  const limit = tokenizer.maxLength - 1; // positions < limit hold words; the end token takes the last slot
  return {
    prompt,
    words,
    positions: positions.map((p) => p.filter((i) => i < limit)),
    ids,
    length: Math.min(ids.length + 2, tokenizer.maxLength),
    truncated: ids.length + 2 > tokenizer.maxLength,
  };
}

/**
 * Context positions of `word` (one word or a phrase of several) in `prompt`: every occurrence, matched
 * word by word, case and surrounding punctuation ignored. Throws an EditRequestError naming the word
 * and the prompt when it is not there (or only past the encoder's context).
 */
export function wordPositions(tokenizer: PromptTokenizer, prompt: string | PromptTokens, word: string, what = 'prompt'): number[] {
  const tokens = typeof prompt === 'string' ? promptTokens(tokenizer, prompt) : prompt;
  const query = word.trim().split(/\s+/).map(normalizeWord).filter((w) => w.length > 0);
  if (query.length === 0) throw new EditRequestError(`an empty word was given to look up in the ${what} '${tokens.prompt}'`);
  const words = tokens.words.map(normalizeWord);
  const out = new Set<number>();
  let found = false;
  for (let start = 0; start + query.length <= words.length; start++) {
    if (query.every((q, k) => words[start + k] === q)) {
      found = true;
      for (let k = 0; k < query.length; k++) for (const p of tokens.positions[start + k] ?? []) out.add(p);
    }
  }
  if (!found) throw new EditRequestError(`'${word}' is not in the ${what} '${tokens.prompt}'`);
  if (out.size === 0) throw new EditRequestError(`'${word}' lies past the text encoder's ${tokenizer.maxLength} tokens in the ${what} '${tokens.prompt}'; shorten the prompt`);
  return [...out].sort((a, b) => a - b);
}

/** Words of `a` that `b` does not have at the same place (a word swap's changed words), by index. */
export function changedWords(a: PromptTokens, b: PromptTokens): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.words.length, b.words.length); i++) {
    if (normalizeWord(a.words[i] ?? '') !== normalizeWord(b.words[i] ?? '')) out.push(i);
  }
  return out;
}

/**
 * Prompt-to-prompt's replacement mapper (official get_replacement_mapper_): a [keys × keys] matrix,
 * row = source position, column = target position, so that the target's map of token n is
 * Σ_w source_map[w]·M[w, n]. Unchanged words map one to one; a swapped word maps onto its
 * replacement (one to one when they have as many tokens, else spread evenly). The prompts must have
 * as many words and as many tokens: a swap of words of equal token length (here `p2p.refine` handles
 * everything else, as the official code's AttentionRefine does).
 */
export function replacementMapper(tokenizer: PromptTokenizer, source: string, target: string): { align: Float32Array; changed: number[] } {
  const x = promptTokens(tokenizer, source);
  const y = promptTokens(tokenizer, target);
  if (x.words.length !== y.words.length || x.ids.length !== y.ids.length) {
    throw new EditRequestError(
      `a word swap needs prompts of the same length: '${source}' has ${x.words.length} words (${x.ids.length} tokens) and '${target}' ${y.words.length} words (${y.ids.length} tokens); use p2p.refine to add, remove or change words of another length`,
    );
  }
  const keys = tokenizer.maxLength;
  const align = new Float32Array(keys * keys);
  const changed = changedWords(x, y);
  // The official loop: walk both sequences; a swapped word maps as a block onto its replacement,
  // everything else one to one (with equal totals, the two pointers meet again after the last swap).
  const blocks = changed
    .map((w) => ({ from: x.positions[w] ?? [], to: y.positions[w] ?? [] }))
    .filter((b) => b.from.length > 0 && b.to.length > 0);
  let i = 0;
  let j = 0;
  let next = 0;
  while (i < keys && j < keys) {
    const block = blocks[next];
    if (block && block.from[0] === i) {
      const { from, to } = block;
      if (from.length === to.length) from.forEach((s, k) => (align[s * keys + (to[k] as number)] = 1));
      else for (const s of from) for (const t of to) align[s * keys + t] = 1 / to.length;
      next++;
      i += from.length;
      j += to.length;
    } else {
      align[i * keys + j] = 1;
      i++;
      j++;
    }
  }
  return { align, changed };
}

/** Scores of the official seq_aligner: gap 0, match 1, mismatch −1. */
export interface AlignScore {
  gap: number;
  match: number;
  mismatch: number;
}

export const SEQ_ALIGNER_SCORE: AlignScore = { gap: 0, match: 1, mismatch: -1 };

/**
 * Global (Needleman–Wunsch) alignment of two sequences as the official seq_aligner.global_align and
 * get_aligned_sequences: for every element of `y`, the index of the element of `x` it is aligned
 * with, or −1 where `y` has an element `x` lacks. Ties prefer a gap in `x` (left), then in `y` (up),
 * then the diagonal, as the official traceback does.
 */
export function globalAlign<T>(x: readonly T[], y: readonly T[], score: AlignScore = SEQ_ALIGNER_SCORE): number[] {
  const rows = x.length + 1;
  const cols = y.length + 1;
  const matrix = new Float64Array(rows * cols);
  const trace = new Uint8Array(rows * cols);
  for (let j = 1; j < cols; j++) {
    matrix[j] = j * score.gap;
    trace[j] = 1;
  }
  for (let i = 1; i < rows; i++) {
    matrix[i * cols] = i * score.gap;
    trace[i * cols] = 2;
  }
  trace[0] = 4;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const left = (matrix[i * cols + j - 1] as number) + score.gap;
      const up = (matrix[(i - 1) * cols + j] as number) + score.gap;
      const diag = (matrix[(i - 1) * cols + j - 1] as number) + (x[i - 1] === y[j - 1] ? score.match : score.mismatch);
      const best = Math.max(left, up, diag);
      matrix[i * cols + j] = best;
      trace[i * cols + j] = best === left ? 1 : best === up ? 2 : 3;
    }
  }
  const mapper: number[] = [];
  let i = x.length;
  let j = y.length;
  while (i > 0 || j > 0) {
    const t = trace[i * cols + j];
    if (t === 3) {
      i--;
      j--;
      mapper.push(i);
    } else if (t === 1) {
      j--;
      mapper.push(-1);
    } else if (t === 2) {
      i--;
    } else break;
  }
  return mapper.reverse();
}

/**
 * Prompt-to-prompt's refinement aligner (official seq_aligner.get_refinement_mapper): the token
 * sequences with start and end tokens are aligned globally; a target position aligned with a source
 * token takes that token's map (alpha 1), a token the target adds keeps its own (alpha 0). Positions
 * past the target's end token map to the same position (alpha 1), as the official mapper does.
 * Returns the [keys × keys] align matrix (row = source position, column = target position) and the
 * per-target-position alphas.
 */
export function refinementMapper(tokenizer: PromptTokenizer, source: string, target: string): { align: Float32Array; alphas: Float32Array; added: number[] } {
  const keys = tokenizer.maxLength;
  const x = [-1, ...promptTokens(tokenizer, source).ids, -2].slice(0, keys); // −1 / −2: start and end tokens
  const y = [-1, ...promptTokens(tokenizer, target).ids, -2].slice(0, keys);
  const mapper = globalAlign(x, y);
  const align = new Float32Array(keys * keys);
  const alphas = new Float32Array(keys).fill(1);
  const added: number[] = [];
  for (let n = 0; n < keys; n++) {
    const from = n < y.length ? (mapper[n] as number) : n;
    if (from < 0) {
      alphas[n] = 0;
      added.push(n);
    } else align[from * keys + n] = 1;
  }
  return { align, alphas, added };
}
