import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../weights.ts';

/**
 * CLIP's byte-level BPE tokenizer, run by `@huggingface/tokenizers`. Stable Diffusion folders ship
 * `vocab.json` + `merges.txt` (no `tokenizer.json`); the tokenizer.json is then assembled here with
 * the pipeline of transformers' CLIPTokenizerFast (see README.md). Start/end tokens and padding are
 * added by `encodePadded`, not by the library's post-processor.
 */

/** CLIP's pre-tokenization regex (Oniguruma syntax, as in the Rust tokenizers' tokenizer.json). */
export const CLIP_SPLIT_PATTERN = String.raw`<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`;

export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';
/** transformers' CLIPTokenizer keeps merges.txt lines [1, 49152 - 256 - 2 + 1) (line 0 is "#version"). */
const MAX_MERGES = 49152 - 256 - 2;

/**
 * The part of `@huggingface/tokenizers`' Tokenizer used here. Its published .d.ts files use
 * extensionless relative imports that NodeNext resolution cannot follow (the class types as `any`),
 * so the surface is declared here.
 */
export interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[]; tokens: string[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  token_to_id(token: string): number | undefined;
  id_to_token(id: number): string | undefined;
  get_vocab(withAddedTokens?: boolean): Map<string, number>;
}

export interface PaddedBatch {
  /** Row-major [batch, length] int64, ready to feed as `input_ids`. */
  ids: BigInt64Array;
  /** The same ids as numbers, one row per text. */
  rows: number[][];
  shape: [number, number];
  /** Number of tokens before padding (start and end included), per row. */
  lengths: number[];
  length: number;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ModelLoadError(`cannot read tokenizer file ${path}: ${(error as Error).message}`);
  }
}

function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModelLoadError(`tokenizer file ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A special token as written in special_tokens_map.json / tokenizer_config.json: a string or {content}. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  return undefined;
}

/** Reads merges.txt: skips the "#version" header and blank lines, keeps CLIP's first 48894 merges. */
export function parseMerges(text: string, path = 'merges.txt'): [string, string][] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const body = lines[0]?.startsWith('#version') ? lines.slice(1) : lines;
  const merges: [string, string][] = [];
  for (const [i, line] of body.entries()) {
    if (line.trim() === '') continue;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new ModelLoadError(`${path}: line ${i + (body === lines ? 1 : 2)} is not a merge "a b": ${JSON.stringify(line.slice(0, 80))}`);
    }
    merges.push([parts[0], parts[1]]);
    if (merges.length === MAX_MERGES) break;
  }
  return merges;
}

/** The tokenizer.json of CLIPTokenizerFast for a vocab and merges (no post-processor: bos/eos are ours). */
export function clipTokenizerJson(vocab: Record<string, number>, merges: readonly (readonly [string, string])[]): Record<string, unknown> {
  const added = [BOS_TOKEN, EOS_TOKEN].flatMap((content) => {
    const id = vocab[content];
    return id === undefined ? [] : [{ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }];
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: String.raw`\s+` }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: vocab[EOS_TOKEN] === undefined ? null : EOS_TOKEN,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: merges.map(([a, b]) => [a, b]),
    },
  };
}

export interface ClipTokenizerOptions {
  /** Padding token (default: from special_tokens_map.json / tokenizer_config.json, else <|endoftext|>). */
  padToken?: string;
  /** Default sequence length of `encodePadded` (tokenizer_config's model_max_length, else 77). */
  maxLength?: number;
}

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;

  constructor(
    readonly tokenizer: HfTokenizer,
    readonly source: string,
    specials: { bos?: string; eos?: string; pad?: string } = {},
    readonly maxLength = 77,
  ) {
    const id = (token: string, role: string): number => {
      const value = tokenizer.token_to_id(token);
      if (value === undefined) throw new ModelLoadError(`${source}: the ${role} token ${JSON.stringify(token)} is not in the vocabulary`);
      return value;
    };
    this.bosId = id(specials.bos ?? BOS_TOKEN, 'start');
    this.eosId = id(specials.eos ?? EOS_TOKEN, 'end');
    this.padId = id(specials.pad ?? specials.eos ?? EOS_TOKEN, 'padding');
  }

  /**
   * Loads `dir/tokenizer.json` if present, else builds it from `dir/vocab.json` and `dir/merges.txt`.
   * Special tokens come from special_tokens_map.json, then tokenizer_config.json (both optional).
   */
  static fromFolder(dir: string, options: ClipTokenizerOptions = {}): ClipTokenizer {
    const config = existsSync(join(dir, 'tokenizer_config.json')) ? readJson(join(dir, 'tokenizer_config.json')) : {};
    const specialMap = existsSync(join(dir, 'special_tokens_map.json')) ? readJson(join(dir, 'special_tokens_map.json')) : {};
    if (!isRecord(config)) throw new ModelLoadError(`${join(dir, 'tokenizer_config.json')} is not a JSON object`);
    if (!isRecord(specialMap)) throw new ModelLoadError(`${join(dir, 'special_tokens_map.json')} is not a JSON object`);
    const special = (key: string) => tokenContent(specialMap[key]) ?? tokenContent(config[key]);

    let json: unknown;
    let source: string;
    const jsonPath = join(dir, 'tokenizer.json');
    if (existsSync(jsonPath)) {
      json = readJson(jsonPath);
      source = jsonPath;
      if (!isRecord(json) || !isRecord(json.model)) throw new ModelLoadError(`${jsonPath}: not a tokenizer.json (no "model" object)`);
      // bos/eos are added by encodePadded: drop the library's post-processor so `encode` gives raw BPE ids.
      json = { ...json, post_processor: null };
    } else {
      const vocabPath = join(dir, 'vocab.json');
      const mergesPath = join(dir, 'merges.txt');
      if (!existsSync(vocabPath)) throw new ModelLoadError(`missing tokenizer file ${vocabPath} (and no tokenizer.json in ${dir})`);
      if (!existsSync(mergesPath)) throw new ModelLoadError(`missing tokenizer file ${mergesPath} (and no tokenizer.json in ${dir})`);
      const vocab = readJson(vocabPath);
      if (!isRecord(vocab) || !Object.values(vocab).every((v) => Number.isInteger(v))) {
        throw new ModelLoadError(`${vocabPath}: expected an object of token -> integer id`);
      }
      json = clipTokenizerJson(vocab as Record<string, number>, parseMerges(readText(mergesPath), mergesPath));
      source = vocabPath;
    }
    let tokenizer: HfTokenizer;
    try {
      tokenizer = new Tokenizer(json as object, { ...config, clean_up_tokenization_spaces: false }) as HfTokenizer;
    } catch (error) {
      throw new ModelLoadError(`${source}: cannot build the tokenizer: ${(error as Error).message}`);
    }
    const maxLength = options.maxLength ?? (typeof config.model_max_length === 'number' && config.model_max_length <= 100_000 ? config.model_max_length : 77);
    return new ClipTokenizer(tokenizer, source, { bos: special('bos_token'), eos: special('eos_token'), pad: options.padToken ?? special('pad_token') }, maxLength);
  }

  /** Raw BPE ids (no start/end tokens). */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /** The BPE pieces of `text` (byte-level strings, word ends marked "</w>"), aligned with `encode`. */
  tokens(text: string): string[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).tokens;
  }

  /**
   * Which pieces of `encode(text)` make up each word: a word ends at a piece ending in "</w>"
   * (a word here is what CLIP's split regex yields: letters, one digit, or a run of punctuation).
   * Positions are offsets into the raw ids; add 1 for the start token in `encodePadded` rows.
   */
  words(text: string): { word: string; positions: number[] }[] {
    const { ids, tokens } = this.tokenizer.encode(text, { add_special_tokens: false });
    const words: { word: string; positions: number[] }[] = [];
    let current: number[] = [];
    const close = () => {
      if (!current.length) return;
      words.push({ word: this.decode(current.map((p) => ids[p] as number), true), positions: current });
      current = [];
    };
    tokens.forEach((piece, i) => {
      current.push(i);
      if (piece.endsWith('</w>') || piece === BOS_TOKEN || piece === EOS_TOKEN) close();
    });
    close();
    return words;
  }

  /**
   * <|startoftext|> ids <|endoftext|>, truncated to `maxLength` (the end token kept last) and padded
   * with the padding token, for each text.
   */
  encodePadded(texts: string | readonly string[], maxLength = this.maxLength): PaddedBatch {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`maxLength must be an integer >= 2, got ${maxLength}`);
    const list = typeof texts === 'string' ? [texts] : texts;
    const rows = list.map((text) => {
      const body = this.encode(text).slice(0, maxLength - 2);
      return [this.bosId, ...body, this.eosId];
    });
    const lengths = rows.map((row) => row.length);
    const padded = rows.map((row) => [...row, ...new Array<number>(maxLength - row.length).fill(this.padId)]);
    const ids = new BigInt64Array(list.length * maxLength);
    padded.forEach((row, b) => row.forEach((id, t) => (ids[b * maxLength + t] = BigInt(id))));
    return { ids, rows: padded, shape: [list.length, maxLength], lengths, length: maxLength };
  }

  /**
   * Text of ids. Unless `keepSpecial`, a leading start token is dropped and everything from the
   * first end token on (the end token and the padding after it) is cut.
   */
  decode(ids: readonly number[], keepSpecial = false): string {
    let kept = [...ids];
    if (!keepSpecial) {
      if (kept[0] === this.bosId) kept = kept.slice(1);
      const end = kept.indexOf(this.eosId);
      if (end >= 0) kept = kept.slice(0, end);
    }
    if (kept.length === 0) return '';
    return this.tokenizer.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: false }).trim();
  }

  get vocabSize(): number {
    return this.tokenizer.get_vocab(true).size;
  }
}
