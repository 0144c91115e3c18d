"""CoNLL reading: `token ... tag` per line (tag last), blank line between sentences, -DOCSTART- ignored.

A small, dependency-light, incremental parser: `iter_sentences` yields one sentence at a time with the
line number where it starts, so that any later error can name the file and line.
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
