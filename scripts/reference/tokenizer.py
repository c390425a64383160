"""Independent CLIP BPE tokenizer (OpenAI CLIP simple_tokenizer semantics) plus a
tiny BPE merge learner used to build a small test vocabulary.

Encoding of a text:
  1. clean: html.unescape twice (as OpenAI's basic_clean), Unicode NFC
     (what ftfy.fix_text / HF's fast tokenizer normalizer do for clean text),
     strip; collapse whitespace runs to one space; lowercase.
  2. pre-tokenize with
       <\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+
     (case-insensitive, like OpenAI's re.IGNORECASE).
  3. each piece -> UTF-8 bytes -> byte-to-unicode chars; the last char gets '</w>'.
  4. BPE: repeatedly merge the adjacent pair with the lowest merge rank.
  5. ids = vocab[symbol] for each resulting symbol.

Vocab layout (OpenAI / HF): 256 byte chars (in bytes_to_unicode order), the
same with '</w>', one entry per merge (concatenation), then <|startoftext|>,
<|endoftext|>.
"""
import html
import unicodedata
from collections import Counter

import regex as re

PAT = re.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    re.IGNORECASE,
)
SOT = "<|startoftext|>"
EOT = "<|endoftext|>"


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


BYTE_ENCODER = bytes_to_unicode()


def clean(text):
    text = html.unescape(html.unescape(text))
    text = unicodedata.normalize("NFC", text).strip()
    text = re.sub(r"\s+", " ", text).strip()
    return text.lower()


def pieces(text):
    return re.findall(PAT, clean(text))


def byte_encode(piece):
    return "".join(BYTE_ENCODER[b] for b in piece.encode("utf-8"))


def word_symbols(piece):
    s = byte_encode(piece)
    return list(s[:-1]) + [s[-1] + "</w>"]


def get_pairs(word):
    return set(zip(word[:-1], word[1:]))


class CLIPTokenizer:
    def __init__(self, vocab, merges):
        self.encoder = dict(vocab)
        self.ranks = {tuple(m): i for i, m in enumerate(merges)}
        self.cache = {SOT: SOT, EOT: EOT}

    def bpe(self, piece):
        if piece in self.cache:
            return self.cache[piece]
        word = word_symbols(piece)
        while len(word) > 1:
            pairs = get_pairs(word)
            best = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if best not in self.ranks:
                break
            a, b = best
            new = []
            i = 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == a and word[i + 1] == b:
                    new.append(a + b)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = new
        out = " ".join(word)
        self.cache[piece] = out
        return out

    def encode(self, text):
        ids = []
        for p in pieces(text):
            for sym in self.bpe(p).split(" "):
                ids.append(self.encoder[sym])
        return ids

    def tokens(self, text):
        return [s for p in pieces(text) for s in self.bpe(p).split(" ")]


def learn_bpe(corpus, num_merges):
    """Classic BPE learning over pre-tokenized, byte-encoded words.

    Each step merges the most frequent adjacent pair (ties: lexicographically
    smallest pair); merges whose concatenation already exists are skipped so
    every vocab entry is unique.
    """
    counts = Counter()
    for line in corpus:
        for p in pieces(line):
            if p in (SOT, EOT):
                continue
            counts[tuple(word_symbols(p))] += 1
    words = dict(counts)
    base = list(BYTE_ENCODER.values())
    existing = set(base) | {c + "</w>" for c in base}
    merges = []
    banned = set()
    while len(merges) < num_merges:
        pc = Counter()
        for w, c in words.items():
            for i in range(len(w) - 1):
                pc[(w[i], w[i + 1])] += c
        cands = [(c, p) for p, c in pc.items() if p not in banned]
        if not cands:
            break
        top = max(c for c, _ in cands)
        pair = min(p for c, p in cands if c == top)
        if pair[0] + pair[1] in existing:
            banned.add(pair)
            continue
        merges.append(pair)
        existing.add(pair[0] + pair[1])
        a, b = pair
        nw = {}
        for w, c in words.items():
            out = []
            i = 0
            while i < len(w):
                if i < len(w) - 1 and w[i] == a and w[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            nw[tuple(out)] = nw.get(tuple(out), 0) + c
        words = nw
    return merges


def build_vocab(merges):
    base = list(BYTE_ENCODER.values())
    toks = base + [c + "</w>" for c in base] + ["".join(m) for m in merges] + [SOT, EOT]
    assert len(set(toks)) == len(toks)
    return {t: i for i, t in enumerate(toks)}
