"""Sentence and zone suggestions for a new document (the annotator confirms or corrects them).

Sentences: each non-empty line is split after `.`, `?`, `!` or `…` (with closing quotes/brackets)
followed by a space and a capital letter, an opening quote or a digit, except after known
abbreviations (TP., TS., PGS., ...) and inside numbers (1.452, 1,4 and 29/7 have no space after the
punctuation). Zones: the first line is the title, the next block the lead, lines with a photo credit
(`Ảnh:`) captions, a short line of 2-4 capitalized words after the last body paragraph the byline,
and what follows it furniture; everything else body.
"""
from __future__ import annotations

import re

ABBREVIATIONS = (
    "TP", "Tp", "TS", "ThS", "PGS", "GS", "BS", "KS", "CN", "NXB", "St", "Mr", "Mrs", "Dr", "v.v", "vv", "Q", "P",
)
_END = re.compile(r"[.?!…]+[”\"’)\]]*(?=\s+(?:[“\"(\[]|[^\W\d_]|\d))")
_CAPWORD = re.compile(r"^[^\W\d_]+$")


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + len(line) - len(line.lstrip())
            spans.append((start, start + len(stripped)))
        pos += len(line) + 1
    return spans


def suggest_sentences(text: str) -> list[tuple[int, int]]:
    out = []
    for start, end in _line_spans(text):
        cursor = start
        for m in _END.finditer(text, start, end):
            before = text[cursor:m.start()].split()
            last = before[-1] if before else ""
            if last.rstrip(".") in ABBREVIATIONS or re.fullmatch(r"[A-ZĐ]", last):
                continue
            nxt = text[m.end():end].lstrip()
            if not nxt or not (nxt[0].isupper() or nxt[0] in "“\"([" or nxt[0].isdigit()):
                continue
            out.append((cursor, m.end()))
            cursor = m.end() + (len(text[m.end():end]) - len(text[m.end():end].lstrip()))
        out.append((cursor, end))
    return out


def _is_name_line(line: str) -> bool:
    words = line.split()
    return 2 <= len(words) <= 4 and all(_CAPWORD.match(w) and w[0].isupper() for w in words)


def suggest_zones(text: str) -> list[tuple[int, int, str]]:
    lines = _line_spans(text)
    if not lines:
        return []
    kinds = ["body"] * len(lines)
    kinds[0] = "title"
    if len(lines) > 1:
        kinds[1] = "lead"
    for i, (s, e) in enumerate(lines):
        if "Ảnh:" in text[s:e] and i > 1:
            kinds[i] = "caption"
    byline = next((i for i in range(len(lines) - 1, 1, -1) if _is_name_line(text[lines[i][0]:lines[i][1]])), None)
    if byline is not None:
        kinds[byline] = "byline"
        for i in range(byline + 1, len(lines)):
            kinds[i] = "furniture"
    return [(s, e, k) for (s, e), k in zip(lines, kinds)]
