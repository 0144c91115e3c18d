"""CoNLL reading: `token ... tag` per line (tag last), blank line between sentences, -DOCSTART- ignored.

Two readers with the same result. `iter_sentences` / `read_conll`: a small, dependency-light,
incremental parser that yields one sentence at a time with the line number where it starts, so that
any error names the file and line. `scan_conll`: the same file as numpy arrays (tokens as byte
ranges, tags interned to ints) for large files; it declines (returns None) any file the generic reader
would reject or read in a way it does not reproduce, so callers fall back to `read_conll`.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import VinerfactsError


class ConllError(VinerfactsError):
    """A CoNLL file that cannot be read; the message names the file and line."""


@dataclass
class ConllSentence:
    tokens: list[str]
    tags: list[str]
    line: int  # 1-based line of the first token
    document: int  # index of the -DOCSTART- section (0 when there is none)


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise ConllError(f"{path}: file not found") from None
    with handle:
        for number, raw in enumerate(handle, 1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[3:]  # a byte order mark (Windows editors) is not part of the first token
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise ConllError(f"{path}:{number}: byte {e.start} of the line is not UTF-8 (0x{raw[e.start]:02x})") from None


def iter_sentences(path: Path) -> Iterator[ConllSentence]:
    path = Path(path)
    tokens: list[str] = []
    tags: list[str] = []
    start = 0
    document = 0
    seen_docstart = False
    any_line = False
    for number, line in _lines(path):
        any_line = True
        fields = line.split()
        if not fields:
            if tokens:
                yield ConllSentence(tokens, tags, start, document)
                tokens, tags = [], []
            continue
        if fields[0] == "-DOCSTART-":
            if tokens:
                yield ConllSentence(tokens, tags, start, document)
                tokens, tags = [], []
            if seen_docstart:
                document += 1
            seen_docstart = True
            continue
        if len(fields) < 2:
            raise ConllError(f"{path}:{number}: expected 'token tag' (tag in the last column), found one column {line.strip()!r}")
        if not tokens:
            start = number
        tokens.append(fields[0])
        tags.append(fields[-1])
    if tokens:
        yield ConllSentence(tokens, tags, start, document)
    if not any_line:
        raise ConllError(f"{path}: file is empty (expected CoNLL lines 'token tag')")


def read_conll(path: Path) -> list[ConllSentence]:
    sentences = list(iter_sentences(path))
    if not sentences:
        raise ConllError(f"{Path(path)}: no sentences (only blank or -DOCSTART- lines)")
    return sentences


# ---------------------------------------------------------------- the fast reader (numpy)

# Every character `str.split()` splits on (the generic reader's field separators), as UTF-8.
ASCII_SPACES = b"\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f "
UNICODE_SPACES = "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
BOM = b"\xef\xbb\xbf"
MAX_TAG_BYTES = 64


@dataclass
class ConllArrays:
    """A CoNLL file as arrays over its token lines (what `read_conll` gives, without a Python object per
    token). Token k is the first field of its line, its tag the last field; sentences are runs of
    consecutive token lines."""

    path: Path
    data: bytes  # the file, a BOM replaced by spaces
    words: object  # np.ndarray: words[i] = the 8 bytes at offset i (little-endian uint64), zero-padded
    tok_start: object  # np.ndarray int64: byte offset of each token
    tok_end: object
    tag_id: object  # np.ndarray int32: index into `tags`
    tags: list[str]  # distinct tags
    sent_start: object  # np.ndarray int64: index of each sentence's first token (plus a final n_tokens)
    sent_line: object  # np.ndarray int64: 1-based line of each sentence's first token
    sent_doc: object  # np.ndarray int64: -DOCSTART- section of each sentence

    @property
    def n_tokens(self) -> int:
        return len(self.tok_start)

    @property
    def n_sentences(self) -> int:
        return len(self.sent_line)

    def tokens(self, k: int) -> list[str]:
        """The tokens of sentence k (0-based)."""
        a, b = int(self.sent_start[k]), int(self.sent_start[k + 1])
        data = self.data
        return [data[s:e].decode("utf-8") for s, e in zip(self.tok_start[a:b].tolist(), self.tok_end[a:b].tolist())]

    def sentence_tags(self, k: int) -> list[str]:
        a, b = int(self.sent_start[k]), int(self.sent_start[k + 1])
        tags = self.tags
        return [tags[i] for i in self.tag_id[a:b].tolist()]


def _windows(np, data: bytes):
    """words[i] = bytes i..i+7 of data as one little-endian uint64 (past the end: zeros)."""
    buf = data + bytes(16)
    return np.ndarray((len(data) + 9,), dtype="<u8", buffer=buf, strides=(1,))


def _masked_words(np, words, start, length, j: int):
    """Word j (bytes 8j..8j+7) of each field, bytes past the field's length zeroed."""
    masks = np.array([(1 << 8 * b) - 1 for b in range(9)], dtype=np.uint64)
    return words[start + 8 * j] & masks[np.clip(length - 8 * j, 0, 8)]


def same_fields(np, a_words, a_start, a_end, b_words, b_start, b_end) -> bool:
    """Whether fields a[k] and b[k] have the same bytes, for every k."""
    length = a_end - a_start
    if not np.array_equal(length, b_end - b_start):
        return False
    longest = int(length.max()) if len(length) else 0
    sel = np.arange(len(length))
    for j in range((longest + 7) // 8):
        if j:
            sel = sel[length[sel] > 8 * j]
        la = _masked_words(np, a_words, a_start[sel], length[sel], j)
        lb = _masked_words(np, b_words, b_start[sel], length[sel], j)
        if not np.array_equal(la, lb):
            return False
    return True


def _intern(np, words, start, length):
    """(ids, representatives): equal fields get equal ids; representatives[i] indexes a field with id i.
    None if the fields cannot be told apart exactly (hash collision; practically never)."""
    n_words = (int(length.max()) + 7) // 8
    keys = [_masked_words(np, words, start, length, j) for j in range(n_words)]
    for attempt, multiplier in enumerate((0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)):
        h = np.zeros(len(start), dtype=np.uint64)
        for j, key in enumerate(keys):
            h ^= (key + np.uint64(j + 1)) * np.uint64(multiplier)
            h = (h << np.uint64(29)) | (h >> np.uint64(35))
        bits = 16
        bucket = ((h * np.uint64(multiplier)) >> np.uint64(64 - bits)).astype(np.int64)
        rep = np.full(1 << bits, -1, dtype=np.int64)
        rep[bucket] = np.arange(len(start))
        mine = rep[bucket]
        if all(np.array_equal(key[mine], key) for key in keys):
            used = np.flatnonzero(rep >= 0)
            dense = np.full(1 << bits, -1, dtype=np.int32)
            dense[used] = np.arange(len(used), dtype=np.int32)
            return dense[bucket], rep[used]
    return None


def _has_unicode_space(np, arr) -> bool:
    """Whether valid UTF-8 bytes contain a non-ASCII whitespace character (see UNICODE_SPACES)."""
    cand = np.flatnonzero((arr == 0xC2) | (arr == 0xE2) | (arr == 0xE3) | (arr == 0x9A))
    if not len(cand):
        return False
    n = len(arr)
    lead = arr[cand]
    nxt = arr[np.minimum(cand + 1, n - 1)]
    nxt2 = arr[np.minimum(cand + 2, n - 1)]
    prv = arr[np.maximum(cand - 1, 0)]
    hit = (lead == 0xC2) & ((nxt == 0x85) | (nxt == 0xA0))
    hit |= (lead == 0xE2) & (nxt == 0x80) & (((nxt2 >= 0x80) & (nxt2 <= 0x8A)) | (nxt2 == 0xA8) | (nxt2 == 0xA9) | (nxt2 == 0xAF))
    hit |= (lead == 0xE2) & (nxt == 0x81) & (nxt2 == 0x9F)
    hit |= (lead == 0xE3) & (nxt == 0x80) & (nxt2 == 0x80)
    hit |= (lead == 0x9A) & (prv == 0xE1) & (nxt == 0x80)  # U+1680 (E1 9A 80): 0x9A is the rarer byte
    return bool(hit.any())


def scan_conll(path: Path) -> ConllArrays | None:
    """`read_conll` for large files: the same tokens, tags, sentences and line numbers as arrays, or None
    when the file needs the generic reader (unreadable, empty, not UTF-8, a line with one column,
    whitespace other than ASCII, control characters, very long tags): that reader then gives the
    exact error, or the result, for such files."""
    import numpy as np

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data:
        return None
    if data.startswith(BOM):
        data = b"   " + data[3:]
    arr = np.frombuffer(data, dtype=np.uint8)
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if _has_unicode_space(np, arr):
            return None
    n = len(arr)
    ev = np.flatnonzero(arr <= 32)  # whitespace, newlines (and control characters: then the generic reader)
    evb = arr[ev]
    byte_counts = np.bincount(evb, minlength=33)
    allowed = np.zeros(33, dtype=bool)
    allowed[list(ASCII_SPACES)] = True
    if byte_counts[~allowed].any():
        return None
    # Fields lie between two consecutive events; a virtual newline before the start and after the end.
    pos = np.empty(len(ev) + 2, dtype=np.int64)
    pos[0], pos[1:-1], pos[-1] = -1, ev, n
    is_nl = np.empty(len(ev) + 2, dtype=bool)
    is_nl[0], is_nl[1:-1], is_nl[-1] = True, evb == 10, True
    k = np.flatnonzero(pos[1:] - pos[:-1] > 1)
    if not len(k):
        return None
    f_start = pos[k] + 1
    f_end = pos[k + 1]
    f_line = np.cumsum(is_nl)[k] - 1  # 0-based line of each field
    new_line = np.empty(len(k), dtype=bool)
    new_line[0] = True
    np.not_equal(f_line[1:], f_line[:-1], out=new_line[1:])
    first = np.flatnonzero(new_line)  # first field of each non-blank line
    last = np.empty_like(first)
    last[:-1] = first[1:] - 1
    last[-1] = len(k) - 1
    line = f_line[first]
    words = _windows(np, data)
    token_line = np.ones(len(first), dtype=bool)
    doc_lines = np.zeros(0, dtype=np.int64)
    if b"-DOCSTART-" in data:
        length = f_end[first] - f_start[first]
        cand = np.flatnonzero(length == 10)
        w0 = int.from_bytes(b"-DOCSTAR", "little")
        w1 = int.from_bytes(b"T-", "little")
        is_doc = (words[f_start[first[cand]]] == np.uint64(w0)) & ((words[f_start[first[cand]] + 8] & np.uint64(0xFFFF)) == np.uint64(w1))
        token_line[cand[is_doc]] = False
        doc_lines = line[cand[is_doc]]
    if np.any(token_line & (first == last)):
        return None  # a one-column line: the generic reader names it
    t_first, t_last, t_line = first[token_line], last[token_line], line[token_line]
    if not len(t_line):
        return None
    starts = np.empty(len(t_line), dtype=bool)
    starts[0] = True
    np.not_equal(t_line[1:], t_line[:-1] + 1, out=starts[1:])
    sent_first = np.flatnonzero(starts)
    sent_start = np.append(sent_first, len(t_line)).astype(np.int64)
    sent_line = t_line[sent_first] + 1
    seen = np.searchsorted(doc_lines, sent_line - 1)
    sent_doc = np.maximum(seen - 1, 0)
    tag_start, tag_end = f_start[t_last], f_end[t_last]
    tag_len = tag_end - tag_start
    if int(tag_len.max()) > MAX_TAG_BYTES:
        return None
    interned = _intern(np, words, tag_start, tag_len)
    if interned is None:
        return None
    tag_id, reps = interned
    tags = [data[s:e].decode("utf-8") for s, e in zip(tag_start[reps].tolist(), tag_end[reps].tolist())]
    return ConllArrays(path, data, words, f_start[t_first], f_end[t_first], tag_id, tags, sent_start, sent_line, sent_doc)
