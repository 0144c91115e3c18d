"""Spans <-> token tags. Tags exist only at the edges (CoNLL input, the `ner` configs).

Token spans are `(start_token, end_token_exclusive, label)` everywhere.

`decode` / `encode` / `convert` handle the six common schemes (`SCHEMES`) with two decoding modes:

* `strict`: only chunks that follow the scheme's grammar are entities; for IOB2, IOE2, IOBES and BILOU
  the result is exactly seqeval's `Entities(..., scheme=<scheme>)` (what `mode="strict"` scores use;
  seqeval raises on a prefix the scheme does not allow, we report it and read it as O).
  IOB1 and IOE1 follow their proper grammar (below), which differs from seqeval in a few cases.
* `lenient`: exactly seqeval's default `get_entities` (the conlleval chunk rules) on one sentence,
  after mapping L- to E- and U- to S- for BILOU.

Both modes list every tag that breaks the scheme in `Decoded.invalid`; strict decoding drops exactly
those tags (nothing else is dropped), lenient decoding repairs them the conlleval way.

IOB1 / IOE1 grammar. IOB1: a chunk starts with I-, or with B- only right after a chunk of the same type
(B-X is valid iff the previous tag is a valid I-X or B-X); IOE1 is the mirror image (E-X is the last
tag of a chunk and is valid iff the next tag is a valid I-X or E-X). An invalid tag is reported and
read as O, exactly as for the seqeval-checked schemes. seqeval 1.2.2's IOB1/IOE1 patterns (its own
comment says IOE1 is incomplete) differ from this grammar in these cases only (checked exhaustively up
to length 6 and by the property tests in tests/test_tag_schemes.py):

D1 (IOB1) B-X after an *invalid* B-X: seqeval's start pattern (B, B, same type) looks only at the
   previous tag, not at whether it was valid, so it starts an entity there.
   ["B-X", "B-X"]: seqeval (1, 2, X); ours none (both B- follow no X entity, 2 invalid).
D2 (IOB1) a one-token chunk B-X followed by B-Y of another type: seqeval's end patterns lack
   (B, B, different type), so the valid B-X entity is lost because the *next* tag is wrong (seqeval's
   own IOB2 keeps B-X before a wrong I-Y).
   ["I-X", "B-X", "B-Y"]: seqeval (0, 1, X); ours (0, 1, X), (1, 2, X) and B-Y invalid.
D3 (IOE1) I-X ... followed by an invalid E-X (one not followed by an X chunk): seqeval has no end
   pattern (E, O) and drops the whole chunk; ours reads the E-X as O and keeps the I- part, the mirror
   of what seqeval itself does for IOB1 ["O", "B-X", "I-X"] -> (2, 3, X).
   ["I-X", "E-X"]: seqeval none; ours (0, 1, X), E-X invalid.
D4 (IOE1) a valid one-token E-X chunk that does not follow I-X or E-X (sentence start, after O, after
   another type): seqeval starts an entity at E- only after E- of the same type, so it loses entities
   of perfectly valid sequences, e.g. encode(2, [(0, 1, "X"), (1, 2, "X")], "IOE1").
   ["E-X", "I-X"]: seqeval (1, 2, X); ours (0, 1, X), (1, 2, X).
D5 (IOE1, mirror of D1) E-X before an *invalid* E-X: seqeval's end pattern (E, E, same type) ends an
   entity there although the next E-X is itself invalid.
   ["E-X", "E-X", "E-X"]: seqeval (1, 2, X); ours none (3 invalid: the last E-X is followed by no X
   chunk, so neither is any E-X before it).
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


# --------------------------------------------------------------------------------------------------
# Tagging schemes: decode / encode / convert
# --------------------------------------------------------------------------------------------------

SCHEMES = ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU")
DECODE_MODES = ("strict", "lenient")

TokenSpan = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class InvalidTag:
    """A tag that breaks its scheme's grammar."""

    index: int  # token index in the sequence
    tag: str
    reason: str  # e.g. "I-PER continues no entity", "B-ORG not closed by E-ORG"


@dataclass(frozen=True, slots=True)
class Decoded:
    spans: list[TokenSpan]  # token spans, end exclusive, sorted
    invalid: list[InvalidTag]  # tags that break the scheme, in index order (reported in both modes)


# Strict grammar, one row per scheme: the role of each allowed prefix (a prefix missing from a row is
# not allowed in that scheme and is treated like O, after being reported).
#   START    the tag opens a chunk when it does not continue the open one
#   CONT     the tag continues an open chunk of the same type whose last tag allows it (AFTER)
#   RESTART  the tag opens a new chunk, but only right after a chunk of the same type (IOB1's B-)
#   AFTER    a chunk whose last tag is this one may be continued
#   CLOSE    a chunk whose last tag is this one is complete (otherwise all its tags are invalid)
# IOE1 is IOB1 read right to left (E- splits a chunk from the *next* one of the same type), so it is
# scanned reversed with E- in the role of IOB1's B-.
_START, _CONT, _RESTART, _AFTER, _CLOSE = 1, 2, 4, 8, 16
_GRAMMAR: dict[str, dict[str, int]] = {
    "IOB1": {"I": _START | _CONT | _AFTER | _CLOSE, "B": _RESTART | _AFTER | _CLOSE},
    "IOB2": {"B": _START | _AFTER | _CLOSE, "I": _CONT | _AFTER | _CLOSE},
    "IOE1": {"I": _START | _CONT | _AFTER | _CLOSE, "E": _RESTART | _AFTER | _CLOSE},
    "IOE2": {"I": _START | _CONT | _AFTER, "E": _START | _CONT | _CLOSE},
    "IOBES": {"B": _START | _AFTER, "I": _CONT | _AFTER, "E": _CONT | _CLOSE, "S": _START | _CLOSE},
    "BILOU": {"B": _START | _AFTER, "I": _CONT | _AFTER, "L": _CONT | _CLOSE, "U": _START | _CLOSE},
}
_CLOSER = {"IOE2": "E", "IOBES": "E", "BILOU": "L"}  # schemes whose chunks must be closed explicitly
_ENCODING = {  # prefixes for (one-token span, first, middle, last token of a longer span)
    "IOB1": ("I", "I", "I", "I"),  # + B- on the first token right after a span of the same type
    "IOB2": ("B", "B", "I", "I"),
    "IOE1": ("I", "I", "I", "I"),  # + E- on the last token right before a span of the same type
    "IOE2": ("E", "I", "I", "E"),
    "IOBES": ("S", "B", "I", "E"),
    "BILOU": ("U", "B", "I", "L"),
}

# Per scheme, tag string -> (cont, start, restart, after, close, type or None for O). Filled lazily:
# a corpus has a handful of distinct tags, so decoding is one dict look-up per token.
_STRICT_CACHE: dict[str, dict[str, tuple]] = {s: {} for s in SCHEMES}
_O_ENTRY = (False, False, False, False, False, None)
# conlleval (seqeval `get_entities`) prefix codes; lenient caches map tag -> (code, 7 * code, type)
_CODES = {"O": 0, "B": 1, "I": 2, "E": 3, "S": 4, "L": 5, "U": 6}
_LENIENT_CACHE: dict[bool, dict[str, tuple]] = {False: {}, True: {}}  # key: map L/U to E/S (BILOU)
_CACHE_LIMIT = 4096


def _conll_pair_flags() -> tuple[int, ...]:
    """Flat (prev, cur) table of seqeval's `end_of_chunk` (bit 1) / `start_of_chunk` (bit 2) prefix rules.

    The type rules (`prev_type != type_`) are applied in the loop.
    """
    end = {("E", x) for x in _CODES} | {("S", x) for x in _CODES}
    end |= {(p, c) for p in "BI" for c in "BSO"}
    start = {(p, c) for p in _CODES for c in "BS"} | {(p, c) for p in "ESO" for c in "EI"}
    flags = [0] * 49
    for p, pc in _CODES.items():
        for c, cc in _CODES.items():
            flags[pc * 7 + cc] = ((p, c) in end) | (((p, c) in start) << 1)
    return tuple(flags)


_PAIR = _conll_pair_flags()


def _split(tag) -> tuple[str, str | None] | None:
    """(prefix, type) of a well-formed tag, (O, None) for O, None if malformed."""
    if tag == "O":
        return "O", None
    if type(tag) is str and len(tag) > 2 and tag[1] == "-" and tag[0] in "BIESLU":
        return tag[0], tag[2:]
    return None


def _malformed(tags: Sequence[str], i: int) -> TagSequenceError:
    lo, hi = max(0, i - 2), min(len(tags), i + 3)
    shown = " ".join(f">>{t!r}<<" if k == i else repr(t) for k, t in enumerate(tags[lo:hi], lo))
    return TagSequenceError(
        f"tag {i} {tags[i]!r} is malformed: expected 'O' or '<P>-<TYPE>' with P one of B, I, E, S, L, U "
        f"and a non-empty TYPE (tags {lo}..{hi - 1}: {shown})"
    )


def _learn(cache: dict, scheme: str, tags: Sequence[str], i: int) -> tuple:
    parts = _split(tags[i])
    if parts is None:
        raise _malformed(tags, i)
    prefix, typ = parts
    if typ is None:
        entry = _O_ENTRY
    else:
        r = _GRAMMAR[scheme].get(prefix, 0)
        entry = (bool(r & _CONT), bool(r & _START), bool(r & _RESTART), bool(r & _AFTER), bool(r & _CLOSE), typ)
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[tags[i]] = entry
    return entry


def _scan(tags: Sequence[str], scheme: str) -> tuple[list[TokenSpan], list[tuple[int, object]]]:
    """One strict pass: (spans, bad) where bad holds (index, context) of every tag that breaks the grammar.

    Context is the start index of the unclosed chunk the tag belongs to (int), or the type of the
    chunk the tag could not continue (str), or None.
    """
    cache = _STRICT_CACHE[scheme]
    get = cache.get
    spans: list[TokenSpan] = []
    bad: list[tuple[int, object]] = []
    append = spans.append
    ostart, otype, oafter, oclose = -1, None, False, False  # the open chunk
    i = -1
    for i, tag in enumerate(tags):
        if tag == "O":  # most tokens: closes the open chunk, if any
            if ostart >= 0:
                if oclose:
                    append((ostart, i, otype))
                else:
                    bad.extend([(k, ostart) for k in range(ostart, i)])
                ostart, oafter = -1, False
            continue
        entry = get(tag)
        if entry is None:
            entry = _learn(cache, scheme, tags, i)
        cont, start, restart, after, close, typ = entry
        if oafter and typ == otype:
            if cont:
                oafter, oclose = after, close
                continue
            if restart:
                append((ostart, i, otype))
                ostart, oafter, oclose = i, after, close
                continue
        if ostart >= 0:
            if oclose:
                append((ostart, i, otype))
            else:
                bad.extend([(k, ostart) for k in range(ostart, i)])
            if start:
                ostart, otype, oafter, oclose = i, typ, after, close
                continue
            context = otype if oafter else None
            ostart, oafter = -1, False
            if typ is not None:
                bad.append((i, context))
        elif start:
            ostart, otype, oafter, oclose = i, typ, after, close
        elif typ is not None:
            bad.append((i, None))
    if ostart >= 0:
        if oclose:
            append((ostart, i + 1, otype))
        else:
            bad.extend([(k, ostart) for k in range(ostart, i + 1)])
    return spans, bad


def _scan_reversed(tags: Sequence[str], scheme: str) -> tuple[list[TokenSpan], list[tuple[int, object]]]:
    """`_scan` of the reversed sequence, mapped back (IOE1 is IOB1 read right to left)."""
    cache = _STRICT_CACHE[scheme]
    for i, tag in enumerate(tags):  # report malformed tags with their real index
        if tag not in cache:
            _learn(cache, scheme, tags, i)
    n = len(tags)
    spans, bad = _scan(list(reversed(tags)), scheme)
    spans = [(n - e, n - s, t) for s, e, t in reversed(spans)]
    bad = [(n - 1 - k, n - 1 - ctx if type(ctx) is int else ctx) for k, ctx in reversed(bad)]
    return spans, bad


def _reason(scheme: str, tags: Sequence[str], i: int, context) -> str:
    tag = tags[i]
    prefix, typ = tag[0], tag[2:]
    roles = _GRAMMAR[scheme]
    if prefix not in roles:
        allowed = ", ".join(sorted(roles) + ["O"])
        return f"{tag}: {prefix}- is not a prefix of {scheme} (allowed: {allowed})"
    if type(context) is int:  # part of a chunk that was never closed
        closer = f"{_CLOSER[scheme]}-{typ}"
        if context == i:
            return f"{tag} not closed by {closer}"
        return f"{tag} is inside the entity opened by {tags[context]} at token {context}, not closed by {closer}"
    if roles[prefix] & _RESTART:
        if scheme == "IOB1":
            return f"{tag} does not directly follow a {typ} entity (IOB1 uses B- only between two adjacent {typ} entities)"
        return f"{tag} is not directly followed by a {typ} entity (IOE1 uses E- only between two adjacent {typ} entities)"
    verb = "continues" if prefix == "I" else "ends"
    if context is not None:
        return f"{tag} {verb} a {context} entity (type change inside a chunk)"
    return f"{tag} {verb} no entity"


def _lenient(tags: Sequence[str], bilou: bool) -> list[TokenSpan]:
    """seqeval's default-mode `get_entities` on one sentence (conlleval rules), end exclusive, sorted."""
    cache = _LENIENT_CACHE[bilou]
    get = cache.get
    pair = _PAIR
    chunks: list[TokenSpan] = []
    prev_code, prev7, prev_type, begin = 0, 0, "", 0  # get_entities starts with prev_type ''
    for n, tag in enumerate(tags):
        entry = get(tag)
        if entry is None:
            parts = _split(tag)
            if parts is None:
                raise _malformed(tags, n)
            prefix, typ = parts
            if bilou:
                prefix = {"L": "E", "U": "S"}.get(prefix, prefix)
            code = _CODES[prefix]
            entry = (code, 7 * code, typ or "_")  # get_entities types O as '_'
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[tag] = entry
        code, code7, typ = entry
        flags = pair[prev7 + code]
        if prev_code and (flags & 1 or prev_type != typ):
            chunks.append((begin, n, prev_type))
        if flags & 2 or (code and prev_type != typ):
            begin = n
        prev_code, prev7, prev_type = code, code7, typ
    n = len(tags)
    if prev_code and (pair[prev7] & 1 or prev_type != "_"):  # the final 'O' get_entities appends
        chunks.append((begin, n, prev_type))
    chunks.sort()
    return chunks


def _check_scheme(scheme: str) -> None:
    if scheme not in _GRAMMAR:
        raise unknown_name("tag scheme", scheme, SCHEMES)


def decode(tags: Sequence[str], scheme: str = "IOB2", mode: str = "strict") -> Decoded:
    """Token spans of a tag sequence (one sentence), and the tags that break the scheme.

    `strict`: tags that break the scheme form no entity (exactly seqeval's strict `Entities` for
    IOB2, IOE2, IOBES, BILOU; the proper grammar for IOB1 / IOE1, whose differences from seqeval are
    listed in the module docstring). A tag whose prefix the scheme does not allow acts as O.
    `lenient`: exactly seqeval's default `get_entities` (conlleval), L-/U- read as E-/S- for BILOU.
    `invalid` is the same in both modes: every tag strict decoding drops, with the reason.
    A malformed tag (not O or `<P>-<TYPE>`, P in BIESLU) raises TagSequenceError in both modes.
    """
    if scheme not in _GRAMMAR:
        raise unknown_name("tag scheme", scheme, SCHEMES)
    if mode != "strict" and mode != "lenient":
        raise unknown_name("decode mode", mode, DECODE_MODES)
    spans, bad = (_scan_reversed if scheme == "IOE1" else _scan)(tags, scheme)
    invalid = [InvalidTag(k, tags[k], _reason(scheme, tags, k, ctx)) for k, ctx in bad] if bad else []
    if mode == "lenient":
        spans = _lenient(tags, scheme == "BILOU")
    return Decoded(spans, invalid)


def encode(n_tokens: int, token_spans: Iterable[TokenSpan], scheme: str = "IOB2") -> list[str]:
    """Valid tags of `scheme` for non-overlapping token spans; `decode(encode(...)).spans` gives them back.

    IOB1 writes B- only on the first token of a span that directly follows a span of the same type,
    IOE1 writes E- only on the last token of a span directly followed by a span of the same type.
    Overlapping, empty or out-of-range spans raise AlignmentError.
    """
    _check_scheme(scheme)
    if type(n_tokens) is not int or n_tokens < 0:
        raise AlignmentError(f"n_tokens must be a non-negative int, got {n_tokens!r}")
    checked = []
    for span in token_spans:
        try:
            start, end, label = span
        except (TypeError, ValueError):
            raise AlignmentError(f"token span {span!r} is not (start, end, label)") from None
        if type(start) is not int or type(end) is not int or not 0 <= start < end <= n_tokens:
            raise AlignmentError(f"token span {tuple(span)!r} is empty or outside tokens 0..{n_tokens} (end exclusive)")
        if type(label) is not str or not label:
            raise AlignmentError(f"token span {tuple(span)!r} needs a non-empty string label")
        checked.append((start, end, label))
    checked.sort()
    single, first, middle, last = _ENCODING[scheme]
    tags = ["O"] * n_tokens
    prev: TokenSpan | None = None
    for start, end, label in checked:
        if prev is not None and start < prev[1]:
            raise AlignmentError(f"token span {(start, end, label)!r} overlaps {prev!r}: pick one view first")
        if end - start == 1:
            tags[start] = f"{single}-{label}"
        else:
            tags[start] = f"{first}-{label}"
            tags[start + 1 : end - 1] = [f"{middle}-{label}"] * (end - start - 2)
            tags[end - 1] = f"{last}-{label}"
        if prev is not None and prev[1] == start and prev[2] == label:
            if scheme == "IOB1":
                tags[start] = f"B-{label}"
            elif scheme == "IOE1":
                tags[start - 1] = f"E-{label}"
        prev = (start, end, label)
    return tags


def convert(tags: Sequence[str], from_scheme: str, to_scheme: str, mode: str = "strict") -> list[str]:
    """Re-tag a sequence: `encode(len(tags), decode(tags, from_scheme, mode).spans, to_scheme)`."""
    _check_scheme(to_scheme)
    return encode(len(tags), decode(tags, from_scheme, mode).spans, to_scheme)
