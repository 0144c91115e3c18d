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
        if not unicodedata.is_normalized("NFC", text[i : i + 3]):
            return i
    return 0
