import itertools

import pytest

from vinerfacts.agreement import match_overlapping, prf, span_counts, summarize
from vinerfacts.errors import AlignmentError, TagSequenceError
from vinerfacts.spans import Span
from vinerfacts.tags import iob2_to_token_spans, spans_to_iob2, token_spans_to_spans
from vinerfacts.text import syllable_tokens

TEXT = "Ban Thường vụ Tỉnh ủy Quảng Ninh. Ảnh: Lâm Khánh/TTXVN"


def test_spans_to_iob2_and_back():
    offsets = syllable_tokens(TEXT)
    spans = [Span(0, 32, "ORG"), Span(39, 48, "PER"), Span(49, 54, "ORG")]
    tags = spans_to_iob2(offsets, spans)
    assert tags == ["B-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "I-ORG", "O", "O", "O", "B-PER", "I-PER", "O", "B-ORG"]
    assert token_spans_to_spans(offsets, iob2_to_token_spans(tags)) == spans


def test_span_off_token_boundary_is_an_error():
    with pytest.raises(AlignmentError, match=r"span \[1:32\] ORG: its start is not a token boundary"):
        spans_to_iob2(syllable_tokens(TEXT), [Span(1, 32, "ORG")])


def test_overlapping_spans_need_a_view_first():
    with pytest.raises(AlignmentError, match="pick one view"):
        spans_to_iob2(syllable_tokens(TEXT), [Span(0, 32, "ORG"), Span(22, 32, "LOC")])


@pytest.mark.parametrize("tags", [["I-PER"], ["B-PER", "I-LOC"], ["O", "I-ORG", "I-ORG"], ["X-PER"]])
def test_broken_iob2_raises_with_context(tags):
    with pytest.raises(TagSequenceError, match="breaks IOB2"):
        iob2_to_token_spans(tags)


def test_prf_undefined_is_none_not_zero():
    assert prf(0, 0, 0) == {"precision": None, "recall": None, "f1": None}
    assert prf(0, 3, 0)["recall"] is None
    assert prf(0, 2, 2)["f1"] == 0.0


def test_optimal_matching_is_order_independent():
    ref = [Span(0, 10, "ORG"), Span(12, 20, "ORG")]
    hyp = [Span(5, 15, "ORG"), Span(0, 4, "ORG")]
    # Greedy matching in this order pairs (0,10)-(5,15), then finds no partner for (12,20);
    # the optimum pairs (0,10)-(0,4) and (12,20)-(5,15), whatever the order.
    for r in itertools.permutations(ref):
        for h in itertools.permutations(hyp):
            assert len(match_overlapping(list(r), list(h))) == 2


def test_matching_prefers_exact_pairs():
    ref = [Span(0, 10, "ORG")]
    hyp = [Span(0, 5, "ORG"), Span(0, 10, "ORG")]
    ((i, j),) = match_overlapping(ref, hyp)
    assert hyp[j] == Span(0, 10, "ORG")


def test_counts_and_summary_per_label():
    a = [Span(0, 10, "ORG"), Span(20, 25, "PER"), Span(30, 35, "LOC")]
    b = [Span(0, 10, "ORG"), Span(20, 24, "PER")]
    res = summarize(span_counts(a, b, ["PER", "LOC", "ORG", "MISC"]))
    assert res["per_label"]["ORG"]["strict"]["f1"] == 1.0
    assert res["per_label"]["PER"]["strict"]["f1"] == 0.0
    assert res["per_label"]["PER"]["partial"]["f1"] == 1.0
    assert res["per_label"]["LOC"]["strict"]["precision"] is None
    assert res["per_label"]["MISC"]["strict"]["f1"] is None
    assert res["micro"]["strict"]["precision"] == 0.5 and res["micro"]["strict"]["recall"] == pytest.approx(1 / 3)
