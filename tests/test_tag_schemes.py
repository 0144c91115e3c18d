"""Tag schemes: decode (strict / lenient) against seqeval, encode round trips, invalid tags, errors."""
from __future__ import annotations

import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval import scheme as seqeval_scheme
from seqeval.metrics.sequence_labeling import get_entities

from vinerfacts.errors import AlignmentError, TagSequenceError
from vinerfacts.registry import UnknownNameError
from vinerfacts.tags import (
    DECODE_MODES,
    SCHEMES,
    Decoded,
    InvalidTag,
    convert,
    decode,
    encode,
    iob2_to_token_spans,
)

TYPES = ("PER", "LOC", "ORG")
ALLOWED = {
    "IOB1": "IB",
    "IOB2": "IB",
    "IOE1": "IE",
    "IOE2": "IE",
    "IOBES": "IBES",
    "BILOU": "BILU",
}
SEQEVAL_EXACT = ("IOB2", "IOE2", "IOBES", "BILOU")
PROPERTY = settings(max_examples=150, derandomize=True, deadline=None, database=None)


# ----------------------------------------------------------------------------------------- helpers


def tag_lists(scheme: str):
    """Tag sequences of length 0..30: mostly the scheme's own prefixes, sometimes any of BIESLU."""
    own = ["O"] + [f"{p}-{t}" for p in ALLOWED[scheme] for t in TYPES]
    anything = ["O"] + [f"{p}-{t}" for p in "BIESLU" for t in TYPES]
    return st.one_of(
        st.lists(st.sampled_from(own), max_size=30),
        st.lists(st.sampled_from(anything), max_size=30),
    )


@st.composite
def span_layouts(draw):
    """(n_tokens, non-overlapping token spans in random order), adjacent same-type spans included."""
    segments = draw(
        st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4), st.sampled_from(TYPES[:2])), max_size=8)
    )
    spans, pos = [], 0
    for gap, length, label in segments:
        pos += gap
        spans.append((pos, pos + length, label))
        pos += length
    n_tokens = pos + draw(st.integers(0, 3))
    return n_tokens, draw(st.permutations(spans))


def cleaned(tags, scheme):
    """Tags whose prefix the scheme does not allow, as O (seqeval raises ValueError on them)."""
    return [t if t == "O" or t[0] in ALLOWED[scheme] else "O" for t in tags]


def seqeval_strict(tags, scheme):
    entities = seqeval_scheme.Entities([cleaned(tags, scheme)], getattr(seqeval_scheme, scheme)).entities[0]
    return sorted((e.start, e.end, e.tag) for e in entities)


def seqeval_lenient(tags, scheme):
    if scheme == "BILOU":
        tags = [{"L": "E", "U": "S"}.get(t[0], t[0]) + t[1:] for t in tags]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # get_entities warns about L-/U- tags it does not know
        return sorted((start, end + 1, label) for label, start, end in get_entities(list(tags)))


def proper_grammar(tags, scheme):
    """Independent, declarative IOB1 / IOE1 decoder: (spans, invalid indices)."""
    c = cleaned(tags, scheme)
    n = len(c)
    valid = [False] * n
    if scheme == "IOB1":  # B-X only right after a valid X chunk tag
        for i, t in enumerate(c):
            if t != "O":
                valid[i] = t[0] == "I" or (i > 0 and valid[i - 1] and c[i - 1][2:] == t[2:])
    else:  # IOE1: E-X only right before a valid X chunk tag
        for i in reversed(range(n)):
            t = c[i]
            if t != "O":
                valid[i] = t[0] == "I" or (i + 1 < n and valid[i + 1] and c[i + 1][2:] == t[2:])
    spans: list[list] = []
    for i, t in enumerate(c):
        if not valid[i]:
            continue
        same_chunk = i > 0 and valid[i - 1] and c[i - 1][2:] == t[2:]
        if scheme == "IOB1":
            same_chunk = same_chunk and t[0] == "I"
        else:
            same_chunk = same_chunk and c[i - 1][0] == "I"
        if same_chunk:
            spans[-1][1] = i + 1
        else:
            spans.append([i, i + 1, t[2:]])
    invalid = [i for i, t in enumerate(tags) if t != "O" and not valid[i]]
    return [tuple(s) for s in spans], invalid


def documented_differences(tags, scheme, invalid):
    """Which of the seqeval differences D1..D5 (tags.py module docstring) the sequence contains."""
    c = cleaned(tags, scheme)
    bad = set(invalid)
    hits = set()
    for i, t in enumerate(c):
        p, typ = t[0], t[2:]
        if scheme == "IOB1" and p == "B" and i > 0:
            if c[i - 1] == t and i - 1 in bad:
                hits.add("D1")
            if c[i - 1][0] == "B" and c[i - 1][2:] != typ and i - 1 not in bad:
                hits.add("D2")
        if scheme == "IOE1" and p == "E":
            if i > 0 and i in bad and c[i - 1] == f"I-{typ}":
                hits.add("D3")
            if i not in bad and (i == 0 or c[i - 1] not in (f"I-{typ}", f"E-{typ}")):
                hits.add("D4")
            if i + 1 < len(c) and c[i + 1] == t and i + 1 in bad:
                hits.add("D5")
    return hits


def covered(spans):
    return {k for s, e, _ in spans for k in range(s, e)}


# -------------------------------------------------------------------------------- property tests


@pytest.mark.parametrize("scheme", SEQEVAL_EXACT)
@PROPERTY
@given(data=st.data())
def test_strict_is_seqeval_entities(scheme, data):
    tags = data.draw(tag_lists(scheme))
    assert decode(tags, scheme, "strict").spans == seqeval_strict(tags, scheme)


@pytest.mark.parametrize("scheme", ["IOB1", "IOE1"])
@PROPERTY
@given(data=st.data())
def test_strict_iob1_ioe1_proper_grammar_and_seqeval_but_documented_cases(scheme, data):
    tags = data.draw(tag_lists(scheme))
    got = decode(tags, scheme, "strict")
    spans, invalid = proper_grammar(tags, scheme)
    assert got.spans == spans
    assert [x.index for x in got.invalid] == invalid
    if got.spans != seqeval_strict(tags, scheme):
        assert documented_differences(tags, scheme, invalid), tags


@pytest.mark.parametrize("scheme", SCHEMES)
@PROPERTY
@given(data=st.data())
def test_lenient_is_seqeval_get_entities(scheme, data):
    tags = data.draw(tag_lists(scheme))
    assert decode(tags, scheme, "lenient").spans == seqeval_lenient(tags, scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
@PROPERTY
@given(data=st.data())
def test_invalid_lists_exactly_what_strict_drops(scheme, data):
    tags = data.draw(tag_lists(scheme))
    strict, lenient = decode(tags, scheme, "strict"), decode(tags, scheme, "lenient")
    assert lenient.invalid == strict.invalid
    indices = [x.index for x in strict.invalid]
    assert indices == sorted(set(indices))
    assert all(x.tag == tags[x.index] and x.reason for x in strict.invalid)
    # nothing silently dropped: every non-O tag is in a strict span or reported, never both
    assert set(indices) == {i for i, t in enumerate(tags) if t != "O"} - covered(strict.spans)
    assert {i for i, t in enumerate(tags) if t[0] not in ALLOWED[scheme] + "O"} <= set(indices)
    assert strict.spans == sorted(strict.spans) and lenient.spans == sorted(lenient.spans)


@pytest.mark.parametrize("scheme", SCHEMES)
@PROPERTY
@given(layout=span_layouts())
def test_encode_decode_round_trip(scheme, layout):
    n_tokens, spans = layout
    tags = encode(n_tokens, spans, scheme)
    assert len(tags) == n_tokens
    assert all(t == "O" or t[0] in ALLOWED[scheme] for t in tags)
    for mode in DECODE_MODES:
        assert decode(tags, scheme, mode) == Decoded(sorted(spans), [])
    for other in SCHEMES:
        assert convert(tags, scheme, other) == encode(n_tokens, spans, other)
    if scheme == "IOB2":
        assert iob2_to_token_spans(tags) == sorted(spans)


# ---------------------------------------------------------------------------------------- examples


def test_iob2_orphan_inside_tags():
    tags = ["O", "I-PER", "I-PER"]
    strict = decode(tags)
    assert strict.spans == []
    assert strict.invalid == [
        InvalidTag(1, "I-PER", "I-PER continues no entity"),
        InvalidTag(2, "I-PER", "I-PER continues no entity"),
    ]
    lenient = decode(tags, mode="lenient")
    assert lenient.spans == [(1, 3, "PER")]
    assert lenient.invalid == strict.invalid


@pytest.mark.parametrize(
    "scheme, tags, spans, reasons",
    [
        ("IOB2", ["B-PER", "I-LOC", "O"], [(0, 1, "PER")], {1: "I-LOC continues a PER entity (type change inside a chunk)"}),
        ("IOB2", ["E-LOC", "B-ORG"], [(1, 2, "ORG")], {0: "E-LOC: E- is not a prefix of IOB2 (allowed: B, I, O)"}),
        ("IOBES", ["O", "E-LOC", "S-PER"], [(2, 3, "PER")], {1: "E-LOC ends no entity"}),
        (
            "IOBES",
            ["B-ORG", "I-ORG", "O", "S-LOC"],
            [(3, 4, "LOC")],
            {0: "B-ORG not closed by E-ORG", 1: "I-ORG is inside the entity opened by B-ORG at token 0, not closed by E-ORG"},
        ),
        ("BILOU", ["B-ORG", "L-ORG", "B-LOC"], [(0, 2, "ORG")], {2: "B-LOC not closed by L-LOC"}),
        ("IOE2", ["I-PER", "E-LOC"], [(1, 2, "LOC")], {0: "I-PER not closed by E-PER"}),
        (
            "IOB1",
            ["O", "B-PER", "I-PER"],
            [(2, 3, "PER")],
            {1: "B-PER does not directly follow a PER entity (IOB1 uses B- only between two adjacent PER entities)"},
        ),
        (
            "IOE1",
            ["I-PER", "E-PER", "O"],
            [(0, 1, "PER")],
            {1: "E-PER is not directly followed by a PER entity (IOE1 uses E- only between two adjacent PER entities)"},
        ),
    ],
)
def test_invalid_tags_have_index_and_reason(scheme, tags, spans, reasons):
    got = decode(tags, scheme)
    assert got.spans == spans
    assert {x.index: x.reason for x in got.invalid} == reasons
    assert all(x.tag == tags[x.index] for x in got.invalid)


# The seqeval 1.2.2 differences documented in the tags.py module docstring: our result, and seqeval's.
SEQEVAL_DIFFERENCES = [
    ("D1", "IOB1", ["B-X", "B-X"], [], 2, [(1, 2, "X")]),
    ("D1", "IOB1", ["O", "B-X", "B-X", "I-X"], [(3, 4, "X")], 2, [(2, 4, "X")]),
    ("D2", "IOB1", ["I-X", "B-X", "B-Y"], [(0, 1, "X"), (1, 2, "X")], 1, [(0, 1, "X")]),
    ("D3", "IOE1", ["I-X", "E-X"], [(0, 1, "X")], 1, []),
    ("D3", "IOE1", ["I-X", "I-X", "E-X", "O"], [(0, 2, "X")], 1, []),
    ("D4", "IOE1", ["E-X", "I-X"], [(0, 1, "X"), (1, 2, "X")], 0, [(1, 2, "X")]),
    ("D4", "IOE1", ["I-Y", "E-X", "I-X"], [(0, 1, "Y"), (1, 2, "X"), (2, 3, "X")], 0, [(0, 1, "Y"), (2, 3, "X")]),
    ("D5", "IOE1", ["E-X", "E-X", "E-X"], [], 3, [(1, 2, "X")]),
]


@pytest.mark.parametrize("case, scheme, tags, ours, n_invalid, theirs", SEQEVAL_DIFFERENCES)
def test_documented_seqeval_differences(case, scheme, tags, ours, n_invalid, theirs):
    got = decode(tags, scheme)
    assert got.spans == ours
    assert len(got.invalid) == n_invalid
    assert seqeval_strict(tags, scheme) == theirs  # if seqeval changes, update the docstring
    assert case in documented_differences(tags, scheme, [x.index for x in got.invalid])


def test_seqeval_agrees_where_its_own_iob1_rule_is_the_mirror_of_d3():
    assert decode(["O", "B-X", "I-X"], "IOB1").spans == seqeval_strict(["O", "B-X", "I-X"], "IOB1") == [(2, 3, "X")]


@pytest.mark.parametrize(
    "scheme, tags",
    [
        ("IOB1", ["I-X", "I-X", "B-X", "O", "I-Y", "I-X", "B-X"]),
        ("IOB2", ["B-X", "I-X", "B-X", "O", "B-Y", "B-X", "B-X"]),
        ("IOE1", ["I-X", "E-X", "I-X", "O", "I-Y", "E-X", "I-X"]),
        ("IOE2", ["I-X", "E-X", "E-X", "O", "E-Y", "E-X", "E-X"]),
        ("IOBES", ["B-X", "E-X", "S-X", "O", "S-Y", "S-X", "S-X"]),
        ("BILOU", ["B-X", "L-X", "U-X", "O", "U-Y", "U-X", "U-X"]),
    ],
)
def test_encode_examples(scheme, tags):
    spans = [(0, 2, "X"), (2, 3, "X"), (4, 5, "Y"), (5, 6, "X"), (6, 7, "X")]
    assert encode(7, spans, scheme) == tags
    assert decode(tags, scheme) == Decoded(spans, [])


def test_convert():
    tags = ["B-PER", "I-PER", "I-PER", "O", "B-LOC", "I-ORG"]
    assert convert(tags, "IOB2", "BILOU") == ["B-PER", "I-PER", "L-PER", "O", "U-LOC", "O"]
    assert convert(tags, "IOB2", "IOBES", mode="lenient") == ["B-PER", "I-PER", "E-PER", "O", "S-LOC", "S-ORG"]


@pytest.mark.parametrize("mode", DECODE_MODES)
@pytest.mark.parametrize("bad", ["PER", "B-", "B_PER", "", "X-PER", "O-PER", "b-PER", None])
def test_malformed_tag_raises_with_context(mode, bad):
    tags = ["O", "B-PER", bad, "I-PER", "O", "B-LOC"]
    with pytest.raises(TagSequenceError) as err:
        decode(tags, "IOB2", mode)
    message = str(err.value)
    assert f"tag 2 {bad!r} is malformed" in message
    assert f"'B-PER' >>{bad!r}<< 'I-PER' 'O'" in message
    assert "'B-LOC'" not in message  # two neighbours on each side


@pytest.mark.parametrize("scheme", SCHEMES)
def test_malformed_tag_raises_in_every_scheme(scheme):
    with pytest.raises(TagSequenceError, match=re.escape("tag 1 'PER' is malformed")):
        decode(["O", "PER", "O"], scheme)


@pytest.mark.parametrize(
    "name, suggestion", [("IOB", "IOB2"), ("BIOES", "IOBES"), ("BILUO", "BILOU"), ("IOB-1", "IOB1")]
)
def test_unknown_scheme_suggests_a_name(name, suggestion):
    for call in (lambda: decode(["O"], name), lambda: encode(1, [], name), lambda: convert(["O"], "IOB2", name)):
        with pytest.raises(UnknownNameError, match=f"unknown tag scheme {name!r}; did you mean {suggestion!r}"):
            call()


def test_unknown_mode_suggests_a_name():
    with pytest.raises(UnknownNameError, match="unknown decode mode 'strcit'; did you mean 'strict'"):
        decode(["O"], "IOB2", "strcit")


@pytest.mark.parametrize(
    "n_tokens, spans, message",
    [
        (3, [(0, 2, "PER"), (1, 3, "LOC")], "token span (1, 3, 'LOC') overlaps (0, 2, 'PER')"),
        (3, [(0, 2, "PER"), (0, 2, "PER")], "token span (0, 2, 'PER') overlaps (0, 2, 'PER')"),
        (3, [(2, 4, "PER")], "token span (2, 4, 'PER') is empty or outside tokens 0..3"),
        (3, [(-1, 1, "PER")], "token span (-1, 1, 'PER') is empty or outside"),
        (3, [(2, 2, "PER")], "token span (2, 2, 'PER') is empty"),
        (3, [(0, 1, "")], "token span (0, 1, '') needs a non-empty string label"),
    ],
)
def test_encode_rejects_bad_spans(n_tokens, spans, message):
    with pytest.raises(AlignmentError, match=re.escape(message)):
        encode(n_tokens, spans)


def test_decode_accepts_tuples_and_empty_sequences():
    for scheme in SCHEMES:
        for mode in DECODE_MODES:
            assert decode((), scheme, mode) == Decoded([], [])
            assert decode(("O", "O"), scheme, mode) == Decoded([], [])
