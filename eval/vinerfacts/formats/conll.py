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


BOM = b"\xef\xbb\xbf"


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
MAX_TAG_BYTES = 64
CHUNK_BYTES = 1 << 18  # the file is scanned in blocks of whole lines: small temporaries


@dataclass
class ConllArrays:
    """A CoNLL file as arrays over its token lines: what `read_conll` gives, without a Python object
    per token. A token is the first field of its line, its tag the last field; a sentence is a run
    of consecutive token lines. Tokens are kept as fingerprints that are exact for comparing two
    files (length, first 8 bytes, the bytes of longer tokens); `tokens(k)` reads them back."""

    path: Path
    tok_len: object  # np.ndarray uint16: byte length of each token
    tok_head: object  # np.ndarray uint64: each token's first 8 bytes (zero-padded)
    tok_tail: object  # np.ndarray uint8: bytes 9.. of the tokens longer than 8 bytes, concatenated
    tag_id: object  # np.ndarray int16: index into `tags`
    tags: list[str]  # distinct tags
    sent_start: object  # np.ndarray int64: index of each sentence's first token, then the number of tokens
    sent_line: object  # np.ndarray int64: 1-based line of each sentence's first token
    sent_doc: object  # np.ndarray int64: -DOCSTART- section of each sentence (as ConllSentence.document)
    _lines: tuple | None = None

    @property
    def n_tokens(self) -> int:
        return len(self.tok_len)

    @property
    def n_sentences(self) -> int:
        return len(self.sent_line)

    def same_tokens(self, other: "ConllArrays") -> bool:
        """Whether both files have the same sentences of the same tokens."""
        import numpy as np

        return all(
            np.array_equal(a, b)
            for a, b in ((self.sent_start, other.sent_start), (self.tok_len, other.tok_len), (self.tok_head, other.tok_head), (self.tok_tail, other.tok_tail))
        )

    def tokens(self, k: int) -> list[str]:
        """The tokens of sentence k (0-based), read back from the file (the generic reader's way)."""
        if self._lines is None:
            import numpy as np

            data = self.path.read_bytes()
            if data.startswith(BOM):
                data = b"   " + data[3:]
            ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
            self._lines = (data, np.concatenate(([-1], ends, [len(data)])))
        data, nl = self._lines
        first = int(self.sent_line[k]) - 1
        count = int(self.sent_start[k + 1] - self.sent_start[k])
        bounds = nl[first : first + count + 1].tolist()
        return [data[a + 1 : b].decode("utf-8").split()[0] for a, b in zip(bounds[:-1], bounds[1:])]

    def sentence_tags(self, k: int) -> list[str]:
        a, b = int(self.sent_start[k]), int(self.sent_start[k + 1])
        tags = self.tags
        return [tags[i] for i in self.tag_id[a:b].tolist()]


class _Interner:
    """Equal tags -> equal ids, across blocks: a hash table keyed by the tag's bytes (8 per word), every
    tag checked against its bucket's bytes (a collision makes the scan decline; practically never)."""

    BITS = 16
    MULT = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD,
            0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9, 0x2545F4914F6CDD1D)  # one per word, then length

    def __init__(self, np):
        self.np = np
        size = 1 << self.BITS
        self.keys: dict[int, object] = {}  # word j -> bucket's word j (allocated when a tag is that long)
        self.length = np.full(size, -1, dtype=np.int64)
        self.dense = np.full(size, -1, dtype=np.int32)
        self.tags: list[str] = []

    def ids(self, chunk: bytes, words, start, length):
        np = self.np
        keys = [_masked_words(np, words, start, length, j) for j in range((int(length.max()) + 7) // 8)]
        for j in range(len(keys)):
            if j not in self.keys:
                self.keys[j] = np.zeros(1 << self.BITS, dtype=np.uint64)
        # the same tag hashes the same in every block (words past its end are zero and add nothing)
        h = length.astype(np.uint64) * np.uint64(self.MULT[-1])
        for j, key in enumerate(keys):
            h += key * np.uint64(self.MULT[j])
        h ^= h >> np.uint64(31)
        bucket = ((h * np.uint64(self.MULT[1])) >> np.uint64(64 - self.BITS)).astype(np.intp)
        seen = np.zeros(1 << self.BITS, dtype=bool)
        seen[bucket] = True
        for b in np.flatnonzero(seen & (self.length < 0)).tolist():
            i = int(np.argmax(bucket == b))
            s = int(start[i])
            self.length[b] = length[i]
            for j, key in enumerate(keys):
                self.keys[j][b] = key[i]
            self.dense[b] = len(self.tags)
            self.tags.append(chunk[s : s + int(length[i])].decode("utf-8"))
        if not np.array_equal(self.length[bucket], length):
            return None
        for j, key in enumerate(keys):
            if not np.array_equal(self.keys[j][bucket], key):
                return None
        return self.dense[bucket]


def _masked_words(np, words, start, length, j: int):
    """Word j (bytes 8j..8j+7) of each field, bytes past the field's end zeroed."""
    masks = np.array([(1 << 8 * b) - 1 for b in range(9)], dtype=np.uint64)
    at = start + 8 * j if j == 0 else np.minimum(start + 8 * j, len(words) - 1)  # past the end: masked anyway
    return words[at] & masks[np.clip(length - 8 * j, 0, 8)]


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


_DOCSTART = (int.from_bytes(b"-DOCSTAR", "little"), int.from_bytes(b"T-", "little"))


def _scan_block(np, chunk: bytes, m: int, interner: _Interner):
    """One block of whole lines (`chunk` = m bytes + 16 zero bytes). Returns (0-based line of each token,
    token lengths, heads, tails, tag ids, 0-based lines of -DOCSTART-, newlines) or None to decline."""
    arr = np.frombuffer(chunk, dtype=np.uint8, count=m)
    if not chunk.isascii():
        try:
            chunk[:m].decode("utf-8")
        except UnicodeDecodeError:
            return None
        if _has_unicode_space(np, arr):
            return None
    ev = np.flatnonzero(arr <= 32)  # whitespace and newlines (control characters: decline)
    evb = arr[ev]
    counts = np.bincount(evb, minlength=33)
    if counts[_NOT_SPACE].any():
        return None
    n_ev = len(ev)
    pos = np.empty(n_ev + 2, dtype=np.int64)
    pos[0], pos[1:-1], pos[-1] = -1, ev, m  # a virtual newline before and after the block
    del ev
    is_nl = np.empty(n_ev + 2, dtype=bool)
    is_nl[0], is_nl[-1] = True, True
    np.equal(evb, 10, out=is_nl[1:-1])
    del evb
    k = np.flatnonzero(pos[1:] - pos[:-1] > 1)  # a field between two consecutive events
    empty = np.zeros(0, dtype=np.int64)
    if not len(k):
        return empty, empty, empty.astype(np.uint64), np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int32), empty, int(counts[10])
    f_start = pos[k] + 1
    f_end = pos[k + 1]
    f_line = np.cumsum(is_nl, dtype=np.int32)[k] - 1  # line (0-based, in the block) of each field
    del pos, is_nl, k
    new_line = np.empty(len(f_line), dtype=bool)
    new_line[0] = True
    np.not_equal(f_line[1:], f_line[:-1], out=new_line[1:])
    first = np.flatnonzero(new_line)  # first field of each non-blank line
    last = np.empty_like(first)
    last[:-1] = first[1:] - 1
    last[-1] = len(f_line) - 1
    line = f_line[first]
    words = np.ndarray((m + 9,), dtype="<u8", buffer=chunk, strides=(1,))
    token = np.ones(len(first), dtype=bool)
    doc_lines = empty
    if b"-DOCSTART-" in chunk:
        cand = np.flatnonzero(f_end[first] - f_start[first] == 10)
        at = f_start[first[cand]]
        is_doc = (words[at] == np.uint64(_DOCSTART[0])) & ((words[at + 8] & np.uint64(0xFFFF)) == np.uint64(_DOCSTART[1]))
        token[cand[is_doc]] = False
        doc_lines = line[cand[is_doc]]
    if np.any(token & (first == last)):
        return None  # a line with one column: the generic reader names it
    t_first, t_last = first[token], last[token]
    t_line = line[token]
    if not len(t_line):
        return t_line, empty, empty.astype(np.uint64), np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int32), doc_lines, int(counts[10])
    tag_start = f_start[t_last]
    tag_len = f_end[t_last] - tag_start
    if int(tag_len.max()) > MAX_TAG_BYTES:
        return None
    tag_id = interner.ids(chunk, words, tag_start, tag_len)
    if tag_id is None:
        return None
    tok_start = f_start[t_first]
    tok_len = f_end[t_first] - tok_start
    tok_head = _masked_words(np, words, tok_start, tok_len, 0)
    long = np.flatnonzero(tok_len > 8)
    if len(long):  # bytes 9.. of long tokens
        rest = tok_len[long] - 8
        offsets = np.cumsum(rest) - rest
        tail = arr[np.repeat(tok_start[long] + 8 - offsets, rest) + np.arange(int(rest.sum()))]
    else:
        tail = np.zeros(0, dtype=np.uint8)
    return t_line, tok_len, tok_head, tail, tag_id, doc_lines, int(counts[10])


_NOT_SPACE = [b for b in range(33) if b not in ASCII_SPACES]


def scan_conll(path: Path) -> ConllArrays | None:
    """`read_conll` for large files: the same tokens, tags, sentences and line numbers as arrays, or None
    when the file needs the generic reader (unreadable, empty, not UTF-8, a line with one column,
    whitespace other than ASCII, control characters, tags over 64 bytes, tokens over 65535 bytes):
    that reader then gives the exact error, or the result, for such files."""
    import numpy as np

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data:
        return None
    if data.startswith(BOM):
        data = b"   " + data[3:]  # as the generic reader: not part of the first token
    interner = _Interner(np)
    pad = bytes(16)
    n = len(data)
    # Per-token outputs filled block by block. A token line takes at least 4 bytes ("a b\n"), so n // 4 + 1
    # entries always suffice; the pages never written are never resident.
    cap = n // 4 + 1
    tok_len = np.empty(cap, dtype=np.uint16)
    tok_head = np.empty(cap, dtype=np.uint64)
    tag_id = np.empty(cap, dtype=np.int16)
    tails, docs, first_tokens, first_lines = [], [], [], []
    count = 0
    line_offset = 0
    last_line = -2  # line of the previous block's last token
    pos = 0
    while pos < n:
        end = min(pos + CHUNK_BYTES, n)
        if end < n:
            cut = data.rfind(b"\n", pos, end)
            if cut < 0:
                cut = data.find(b"\n", end)
            end = n if cut < 0 else cut + 1
        block = _scan_block(np, data[pos:end] + pad, end - pos, interner)
        if block is None:
            return None
        b_line, b_len, b_head, b_tail, b_id, b_docs, newlines = block
        k = len(b_line)
        if k:
            if b_len.max() > 0xFFFF or len(interner.tags) > 0x7FFF:
                return None
            b_line = b_line + line_offset
            starts = np.empty(k, dtype=bool)
            starts[0] = b_line[0] != last_line + 1  # a sentence goes on across blocks if its lines do
            np.not_equal(b_line[1:], b_line[:-1] + 1, out=starts[1:])
            at = np.flatnonzero(starts)
            first_tokens.append(at + count)
            first_lines.append(b_line[at])
            last_line = int(b_line[-1])
            tok_len[count : count + k] = b_len
            tok_head[count : count + k] = b_head
            tag_id[count : count + k] = b_id
            tails.append(b_tail)
            count += k
        docs.append(b_docs + line_offset)
        line_offset += newlines
        pos = end
    del data
    if not count:
        return None  # no sentences: the generic reader says so
    tok_len, tok_head, tag_id = tok_len[:count], tok_head[:count], tag_id[:count]
    tok_tail, doc_lines = np.concatenate(tails), np.concatenate(docs)
    sent_line = np.concatenate(first_lines).astype(np.int64) + 1
    sent_doc = np.maximum(np.searchsorted(doc_lines, sent_line - 1) - 1, 0)
    sent_start = np.append(np.concatenate(first_tokens), count).astype(np.int64)
    return ConllArrays(path, tok_len, tok_head, tok_tail, tag_id, interner.tags, sent_start, sent_line, sent_doc)
