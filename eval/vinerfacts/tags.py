"""Spans <-> token tags. Tags exist only at the edges (CoNLL input, the `ner` configs).

Token spans are `(start_token, end_token_exclusive, label)` everywhere.

`decode` / `encode` / `convert` handle the six common schemes (`SCHEMES`) with two decoding modes:

* `strict`: only chunks that follow the scheme's grammar are entities; for IOB2, IOE2, IOBES and BILOU
  the result is exactly seqeval's `Entities(..., scheme=<scheme>)` (what `mode="strict"` scores use).
  IOB1 and IOE1 follow their proper grammar; see `IOB1_IOE1_SEQEVAL_DIFFERENCES`.
* `lenient`: exactly seqeval's default `get_entities` (the conlleval chunk rules) on one sentence,
  after mapping L- to E- and U- to S- for BILOU.

Both modes list every tag that breaks the scheme in `Decoded.invalid`; strict decoding drops exactly
those tags (nothing else is dropped), lenient decoding repairs them the conlleval way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from .errors import AlignmentError, TagSequenceError
from .registry import unknown_name
from .spans import Span


def spans_to_token_spans(token_offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> list[tuple[int, int, str]]:
    """Character spans -> `(first token, last token + 1, label)`; boundaries must be token boundaries."""
    by_start = {s: i for i, (s, _) in enumerate(token_offsets)}
    by_end = {e: i for i, (_, e) in enumerate(token_offsets)}
    out = []
    for span in spans:
        if span.start not in by_start or span.end not in by_end:
            side = "start" if span.start not in by_start else "end"
            raise AlignmentError(f"span [{span.start}:{span.end}] {span.label}: its {side} is not a token boundary")
        out.append((by_start[span.start], by_end[span.end] + 1, span.label))
    return out


def spans_to_iob2(token_offsets: Sequence[tuple[int, int]], spans: Sequence[Span]) -> list[str]:
    """IOB2 tags for non-overlapping spans (one view of the entities)."""
    tags = ["O"] * len(token_offsets)
    for first, last, label in sorted(spans_to_token_spans(token_offsets, spans)):
        if any(t != "O" for t in tags[first:last]):
            raise AlignmentError(f"span over tokens {first}..{last - 1} ({label}) overlaps another span: pick one view first")
        tags[first] = f"B-{label}"
        for i in range(first + 1, last):
            tags[i] = f"I-{label}"
    return tags


def iob2_to_token_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Strict IOB2 decoding for well-formed sequences; an I- that continues nothing raises."""
    out: list[tuple[int, int, str]] = []
    current: list | None = None
    for i, tag in enumerate(tags):
        if tag == "O":
            current = None
            continue
        prefix, _, label = tag.partition("-")
        if prefix == "B" and label:
            current = [i, i + 1, label]
            out.append(current)
        elif prefix == "I" and label and current is not None and current[2] == label and current[1] == i:
            current[1] = i + 1
        else:
            window = " ".join(tags[max(0, i - 2) : i + 3])
            raise TagSequenceError(f"tag {i} {tag!r} breaks IOB2 (context: {window})")
    return [tuple(x) for x in out]


def token_spans_to_spans(token_offsets: Sequence[tuple[int, int]], token_spans) -> list[Span]:
    return [Span(token_offsets[a][0], token_offsets[b - 1][1], label) for a, b, label in token_spans]
