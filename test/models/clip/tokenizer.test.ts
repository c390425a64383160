import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ClipTokenizer, clipTokenizerJson, parseMerges } from '../../../src/models/clip/index.ts';
import { ModelLoadError } from '../../../src/models/weights.ts';
import { FIXTURES } from './helpers.ts';

const DIR = join(FIXTURES, 'tokenizer');
const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { text: string; ids: number[]; tokens?: string[] }[];
const info = JSON.parse(readFileSync(join(DIR, 'info.json'), 'utf8')) as { bos_token_id: number; eos_token_id: number };

const scratch = mkdtempSync(join(tmpdir(), 'clip-tokenizer-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of the fixture folder (the files in `copy`) with extra files. */
function folder(name: string, files: Record<string, string> = {}, copy = ['vocab.json', 'merges.txt']): string {
  const dir = join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const file of copy) copyFileSync(join(DIR, file), join(dir, file));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

test(`all ${cases.length} reference cases tokenize to the reference ids and pieces`, () => {
  const tokenizer = ClipTokenizer.fromFolder(DIR);
  const failures: string[] = [];
  for (const { text, ids, tokens } of cases) {
    const got = tokenizer.encode(text);
    if (got.join() !== ids.join()) failures.push(`${JSON.stringify(text)}: got [${got}] want [${ids}]`);
    if (tokens && tokenizer.tokens(text).join('|') !== tokens.join('|')) failures.push(`${JSON.stringify(text)}: pieces ${tokenizer.tokens(text).join('|')} want ${tokens.join('|')}`);
  }
  assert.deepEqual(failures, []);
});

test('special ids come from the vocabulary; start/end tokens in the text map to their ids', () => {
  const tokenizer = ClipTokenizer.fromFolder(DIR);
  assert.equal(tokenizer.bosId, info.bos_token_id);
  assert.equal(tokenizer.eosId, info.eos_token_id);
  assert.equal(tokenizer.padId, info.eos_token_id, 'SD-1.x style: no pad token given pads with <|endoftext|>');
  const ids = tokenizer.encode('a cat<|endoftext|>');
  assert.equal(ids.at(-1), info.eos_token_id);
});

test('encodePadded adds start/end, pads with the pad token and truncates keeping the end token last', () => {
  const sd1 = ClipTokenizer.fromFolder(folder('sd1', { 'special_tokens_map.json': JSON.stringify({ pad_token: '<|endoftext|>' }) }));
  const cat = sd1.encode('photo of a cat');
  const batch = sd1.encodePadded(['photo of a cat', 'a large red star in the top left on grass, striped'], 8);
  assert.deepEqual(batch.shape, [2, 8]);
  assert.deepEqual(batch.rows[0], [info.bos_token_id, ...cat, info.eos_token_id, ...Array(8 - cat.length - 2).fill(info.eos_token_id)]);
  const long = sd1.encode('a large red star in the top left on grass, striped');
  assert.deepEqual(batch.rows[1], [info.bos_token_id, ...long.slice(0, 6), info.eos_token_id]);
  assert.deepEqual(batch.lengths, [cat.length + 2, 8]);
  assert.deepEqual(Array.from(batch.ids, Number), [...(batch.rows[0] as number[]), ...(batch.rows[1] as number[])]);
  assert.equal(sd1.encodePadded('').rows[0]?.length, 77, 'default length 77');
  assert.deepEqual(sd1.encodePadded('', 4).rows[0], [info.bos_token_id, info.eos_token_id, info.eos_token_id, info.eos_token_id]);

  // SD-2.x: tokenizer_config / special_tokens_map name "!" (id 0) as the pad token.
  const sd2 = ClipTokenizer.fromFolder(
    folder('sd2', {
      'special_tokens_map.json': JSON.stringify({ bos_token: { content: '<|startoftext|>' }, eos_token: { content: '<|endoftext|>' }, pad_token: '!' }),
      'tokenizer_config.json': JSON.stringify({ model_max_length: 77, pad_token: '!' }),
    }),
  );
  assert.equal(sd2.padId, 0);
  assert.deepEqual(sd2.encodePadded('photo of a cat', 10).rows[0], [info.bos_token_id, ...cat, info.eos_token_id, 0, 0, 0, 0]);
  // tokenizer_config alone (object form, as older transformers wrote it).
  const sd2b = ClipTokenizer.fromFolder(folder('sd2b', { 'tokenizer_config.json': JSON.stringify({ pad_token: { __type: 'AddedToken', content: '!' } }) }));
  assert.equal(sd2b.padId, 0);
});

test('decode inverts encode up to normalisation and drops start, end and padding', () => {
  const tokenizer = ClipTokenizer.fromFolder(DIR);
  for (const text of ['photo of a cat', 'A Photo Of A CAT', "It's a dog's life, isn't it?", 'café']) {
    const normalised = text.toLowerCase();
    const decoded = tokenizer.decode(tokenizer.encodePadded(text, 40).rows[0] as number[]);
    assert.equal(decoded.replace(/\s+/g, ''), normalised.replace(/\s+/g, ''), text);
  }
  assert.equal(tokenizer.decode(tokenizer.encode('photo of a cat')), 'photo of a cat');
});

test('words() groups BPE pieces into words with their positions', () => {
  const tokenizer = ClipTokenizer.fromFolder(DIR);
  const words = tokenizer.words('starry night, photo');
  assert.deepEqual(words.map((w) => w.word), ['starry', 'night', ',', 'photo']);
  const flat = words.flatMap((w) => w.positions);
  assert.deepEqual(flat, tokenizer.encode('starry night, photo').map((_, i) => i));
  assert.ok((words[0]?.positions.length ?? 0) > 1, 'starry is split into several pieces');
});

test('a tokenizer.json in the folder is used when present', () => {
  const vocab = JSON.parse(readFileSync(join(DIR, 'vocab.json'), 'utf8')) as Record<string, number>;
  const merges = parseMerges(readFileSync(join(DIR, 'merges.txt'), 'utf8'));
  const json = clipTokenizerJson(vocab, merges);
  // A post-processor in the file must not leak start/end tokens into encode().
  const withPost = { ...json, post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', info.eos_token_id], cls: ['<|startoftext|>', info.bos_token_id], trim_offsets: false, add_prefix_space: false } };
  const dir = folder('json', { 'tokenizer.json': JSON.stringify(withPost) }, []);
  const tokenizer = ClipTokenizer.fromFolder(dir);
  for (const { text, ids } of cases.slice(0, 10)) assert.deepEqual(tokenizer.encode(text), ids, text);
});

test('missing or corrupt files fail with a ModelLoadError naming the file', () => {
  const noVocab = folder('no-vocab', {}, ['merges.txt']);
  assert.throws(() => ClipTokenizer.fromFolder(noVocab), (error: unknown) => error instanceof ModelLoadError && /vocab\.json/.test(error.message));
  const noMerges = folder('no-merges', {}, ['vocab.json']);
  assert.throws(() => ClipTokenizer.fromFolder(noMerges), (error: unknown) => error instanceof ModelLoadError && /merges\.txt/.test(error.message));
  const badVocab = folder('bad-vocab', { 'vocab.json': '{"a": 1,' }, ['merges.txt']);
  assert.throws(() => ClipTokenizer.fromFolder(badVocab), (error: unknown) => error instanceof ModelLoadError && /vocab\.json.*not valid JSON/.test(error.message));
  const badMerges = folder('bad-merges', { 'merges.txt': '#version: 0.2\nt h\nonlyone\n' }, ['vocab.json']);
  assert.throws(() => ClipTokenizer.fromFolder(badMerges), (error: unknown) => error instanceof ModelLoadError && /merges\.txt.*line 3/.test(error.message));
  const badConfig = folder('bad-config', { 'special_tokens_map.json': '[' });
  assert.throws(() => ClipTokenizer.fromFolder(badConfig), (error: unknown) => error instanceof ModelLoadError && /special_tokens_map\.json/.test(error.message));
  const unknownPad = folder('unknown-pad', { 'special_tokens_map.json': JSON.stringify({ pad_token: '<pad>' }) });
  assert.throws(() => ClipTokenizer.fromFolder(unknownPad), (error: unknown) => error instanceof ModelLoadError && /<pad>/.test(error.message));
});
