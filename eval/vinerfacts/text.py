"""Vietnamese text helpers: NFC checks and syllable tokens with character offsets."""
from __future__ import annotations

import re
import unicodedata

# A syllable token is a maximal run of letters/digits (combining marks kept, for non-NFC input),
# with `.`, `,` or `/` kept inside when they sit between two digits: 1.452, 1,4, 29/7, 7/2025.
# Every other non-space character is a token of its own: `Khánh` `/` `TTXVN`, `“` `bộ`, each `★`.
_SYLLABLE_RE = re.compile(r"(?:[^\W_]|[\u0300-\u036f]|(?<=\d)[.,/](?=\d))+|\S")

TOKENIZATION = "syllable-v1"


def syllable_tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Token offsets `(start, end)` of `text[start:end]`, as absolute offsets into `text`."""
    end = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _SYLLABLE_RE.finditer(text, start, end)]


def first_non_nfc_offset(text: str) -> int | None:
    """Offset of the first character whose NFC form differs, or None when the text is NFC."""
    if unicodedata.is_normalized("NFC", text):
        return None
    for i in range(len(text)):
        # A lone combining mark is NFC by itself, so the window that first fails starts at its base.
        if not unicodedata.is_normalized("NFC", text[i : i + 2]):
            return i
    return 0


def fold(text: str) -> str:
    """Lowercase, strip diacritics, map đ/ð to d: equal folds mean the same letters up to tone marks."""
    out = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.category(ch) == "Mn":
            continue
        out.append(_FOLD_EXTRA.get(ch, ch))
    return "".join(out).lower()


_FOLD_EXTRA = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"}


def _folded_with_offsets(text: str, start: int, end: int) -> tuple[str, list[int]]:
    """Folded non-whitespace characters of text[start:end] and the original offset of each."""
    chars, offsets = [], []
    for i in range(start, end):
        ch = text[i]
        if ch.isspace():
            continue
        for f in fold(ch):
            chars.append(f)
            offsets.append(i)
    return "".join(chars), offsets


def align_tokens(text: str, tokens: list[str], start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character offsets in `text` of `tokens` produced by a foreign tokenizer from `text[start:end]`.

    Tokens may differ from the text in tone-mark placement (uỷ/ủy), NFC/NFD, `ð`, case and spacing
    (a word's syllables joined by " " or "_"). Tokens must come in text order and cover it; the
    first token that cannot be placed raises AlignmentError naming it and the text around it.
    """
    from .errors import AlignmentError

    end = len(text) if end is None else end
    folded, offsets = _folded_with_offsets(text, start, end)
    cursor = 0
    out = []
    for n, token in enumerate(tokens):
        key = fold("".join(c for c in token.replace("_", " ") if not c.isspace()))
        if not key:
            raise AlignmentError(f"token {n} {token!r} is empty after removing whitespace")
        if folded.startswith(key, cursor):
            first, last = offsets[cursor], offsets[cursor + len(key) - 1]
            out.append((first, last + 1))
            cursor += len(key)
            continue
        here = offsets[cursor] if cursor < len(offsets) else end
        raise AlignmentError(
            f"token {n} {token!r} does not match the text at offset {here}: "
            f"{text[here:here + 20]!r} (tokens must follow the text in order)"
        )
    if cursor != len(folded):
        here = offsets[cursor]
        raise AlignmentError(f"tokens end before the text does: {text[here:here + 20]!r} at offset {here} is not covered")
    return out


class TextAligner:
    """Maps character offsets of a `source` text onto a `target` text that differs only in form.

    Both texts are compared as streams of folded non-space characters (NFC/NFD, tone-mark placement,
    `ð`, case and spacing do not matter); where the streams still differ, difflib's matching blocks are
    used and spans whose edges fall outside them cannot be aligned (`map_span` returns None).
    """

    def __init__(self, source: str, target: str):
        self.identical = source == target
        if self.identical:
            return
        self._src, self._src_off = _folded_with_offsets(source, 0, len(source))
        self._tgt, self._tgt_off = _folded_with_offsets(target, 0, len(target))
        self._first_stream = {}
        self._last_stream = {}
        for k, off in enumerate(self._src_off):
            self._first_stream.setdefault(off, k)
            self._last_stream[off] = k
        if self._src == self._tgt:
            self._stream_map = None
        else:
            import difflib

            matcher = difflib.SequenceMatcher(None, self._src, self._tgt, autojunk=False)
            self._stream_map = {}
            for a, b, size in matcher.get_matching_blocks():
                for k in range(size):
                    self._stream_map[a + k] = b + k
        self.source = source

    def _to_target(self, k: int) -> int | None:
        if self._stream_map is None:
            return k
        return self._stream_map.get(k)

    def map_span(self, start: int, end: int) -> tuple[int, int] | None:
        if self.identical:
            return (start, end)
        chars = [i for i in range(start, end) if i in self._first_stream]
        if not chars:
            return None
        first = self._to_target(self._first_stream[chars[0]])
        last = self._to_target(self._last_stream[chars[-1]])
        if first is None or last is None or last < first:
            return None
        return (self._tgt_off[first], self._tgt_off[last] + 1)


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = set("aăâeêioôơuưy")
_MARKED_VOWELS = set("ăâêôơư")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _place_tone(syllable: str) -> str:
    decomposed = unicodedata.normalize("NFD", syllable)
    tones = [c for c in decomposed if c in _TONE_MARKS]
    if len(tones) != 1:
        return syllable  # no tone, or not a single Vietnamese syllable: leave it as it is
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    low = base.lower()
    vowels = [i for i, c in enumerate(low) if c in _VOWELS]
    if not vowels:
        return syllable
    # 'u' after 'q' and 'i' after 'g' are consonantal when another vowel follows (qua, gia).
    if len(vowels) > 1 and vowels[0] > 0 and (low[vowels[0] - 1 : vowels[0] + 1] in ("qu", "gi")):
        vowels = vowels[1:]
    marked = [i for i in vowels if low[i] in _MARKED_VOWELS]
    if marked:
        target = marked[-1]  # ươ -> ơ, uô -> ô, ưa -> ư
    elif len(vowels) == 1:
        target = vowels[0]
    elif len(vowels) >= 3:
        target = vowels[1]  # oai, uay, oay
    elif vowels[-1] < len(low) - 1:
        target = vowels[-1]  # closed syllable: hoàng, toán
    else:
        target = vowels[0]  # open syllable: hòa, thủy, mùa, tài (the traditional placement)
    with_tone = unicodedata.normalize("NFC", base[target] + tones[0])
    return base[:target] + with_tone + base[target + 1 :]


def canonical_tones(text: str) -> str:
    """Put every syllable's tone mark in one canonical place (uỷ -> ủy, hoà -> hòa); same length.

    Only the position of the tone mark changes, so offsets into the result are offsets into the input.
    """
    text = unicodedata.normalize("NFC", text)
    out = _LETTER_RUN.sub(lambda m: _place_tone(m.group()), text)
    if len(out) != len(text):  # a syllable whose NFC form changed length: keep the original
        return text
    return out
