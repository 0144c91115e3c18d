import pytest

from vinerfacts.errors import AlignmentError
from vinerfacts.spans import Span, parent_indices, select_view
from vinerfacts.text import align_tokens, first_non_nfc_offset, fold, syllable_tokens


def tokens(text):
    return [text[s:e] for s, e in syllable_tokens(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("có 54 đơn vị", ["có", "54", "đơn", "vị"]),
        ("1.452 thôn, bản", ["1.452", "thôn", ",", "bản"]),
        ("trên 1,4 triệu người.", ["trên", "1,4", "triệu", "người", "."]),
        ("Chiều 29/7, tháng 7/2025", ["Chiều", "29/7", ",", "tháng", "7/2025"]),
        ("Ảnh: Lâm Khánh/TTXVN", ["Ảnh", ":", "Lâm", "Khánh", "/", "TTXVN"]),
        ("nghị quyết “bộ tứ trụ cột”", ["nghị", "quyết", "“", "bộ", "tứ", "trụ", "cột", "”"]),
        ("Tốt ★★★★", ["Tốt", "★", "★", "★", "★"]),
        ("năm 2025.", ["năm", "2025", "."]),
        ("a_b", ["a", "_", "b"]),
    ],
)
def test_syllable_tokens(text, expected):
    assert tokens(text) == expected


def test_syllable_token_offsets_are_absolute():
    text = "xx Quảng Ninh yy"
    assert syllable_tokens(text, 3, 13) == [(3, 8), (9, 13)]


def test_first_non_nfc_offset():
    import unicodedata

    assert first_non_nfc_offset("Quảng Ninh") is None
    nfd = "Ninh " + unicodedata.normalize("NFD", "Quảng")
    assert first_non_nfc_offset(nfd) == 7  # the base letter 'a' of the decomposed 'ả'


def test_fold_ignores_tone_placement_and_case():
    assert fold("Tỉnh uỷ") == fold("tỉnh ủy") == "tinh uy"
    assert fold("Ðảng") == fold("Đảng") == "dang"


def test_align_tokens_tolerates_normalization_and_joins():
    text = "Ban Thường vụ Tỉnh ủy  Quảng Ninh."
    words = ["Ban", "Thường_vụ", "Tỉnh uỷ", "Quảng Ninh", "."]
    offsets = align_tokens(text, words)
    assert [text[s:e] for s, e in offsets] == ["Ban", "Thường vụ", "Tỉnh ủy", "Quảng Ninh", "."]


def test_align_tokens_reports_the_token_that_does_not_fit():
    with pytest.raises(AlignmentError, match=r"token 1 'Hà' does not match the text at offset 4"):
        align_tokens("Ban Thường vụ", ["Ban", "Hà", "vụ"])
    with pytest.raises(AlignmentError, match="not covered"):
        align_tokens("Ban Thường vụ", ["Ban", "Thường"])


def test_span_relations():
    outer, inner, other = Span(0, 10, "ORG"), Span(5, 10, "LOC"), Span(8, 12, "PER")
    assert outer.contains(inner) and not inner.contains(outer)
    assert inner.crosses(other) and other.crosses(inner)
    assert not outer.crosses(inner)
    with pytest.raises(ValueError):
        Span(3, 3, "PER")


def test_views_of_three_levels():
    ban = Span(0, 32, "ORG")
    tinh_uy = Span(14, 32, "ORG")
    qn = Span(22, 32, "LOC")
    person = Span(40, 45, "PER")
    spans = [qn, person, ban, tinh_uy]
    assert select_view(spans, "outermost") == [ban, person]
    assert select_view(spans, "innermost") == [qn, person]
    assert select_view(spans, "all") == [ban, tinh_uy, qn, person]
    assert parent_indices(spans) == [3, None, None, 2]


def test_unknown_view_suggests():
    with pytest.raises(KeyError, match="did you mean 'outermost'"):
        select_view([], "outermots")
