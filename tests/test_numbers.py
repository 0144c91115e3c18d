import datetime as dt
import json
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vinerfacts.errors import NormalizationError, VinerfactsError
from vinerfacts.numbers import (
    Quantity,
    TimeValue,
    parse_date,
    parse_duration,
    parse_interval,
    parse_ordinal,
    parse_quantity,
    parse_roman,
    parse_time,
    syllable_key,
)

REF = dt.date(2025, 7, 29)  # the article's (inferred) event date
NFD = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731


def raises(func, *args, **kwargs) -> NormalizationError:
    with pytest.raises(NormalizationError) as info:
        func(*args, **kwargs)
    return info.value


def assert_error(err: NormalizationError, text: str, offset: int, *fragments: str) -> None:
    message = str(err)
    assert err.offset == offset, message
    assert repr(unicodedata.normalize("NFC", text)) in message
    assert f"offset {offset}" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


# ---------------------------------------------------------------- quantities

@pytest.mark.parametrize(
    "text, value, comparator, unit, scale",
    [
        # plain digits from the article
        ("54", 54, "=", None, None),
        ("30", 30, "=", None, None),
        ("22", 22, "=", None, None),
        ("59", 59, "=", None, None),
        ("4", 4, "=", None, None),
        ("3", 3, "=", None, None),
        ("2", 2, "=", None, None),
        ("0", 0, "=", None, None),
        # grouping and decimal comma
        ("1.452", 1452, "=", None, None),
        ("103.500", 103500, "=", None, None),
        ("1.000", 1000, "=", None, None),
        ("1.234.567", 1234567, "=", None, None),
        ("1452", 1452, "=", None, None),
        ("1,4", 1.4, "=", None, None),
        ("2,5", 2.5, "=", None, None),
        ("0,05", 0.05, "=", None, None),
        ("1,452", 1.452, "=", None, None),  # ',' is always decimal
        ("3,0", 3, "=", None, None),  # integral -> int
        ("1.234.567,89", 1234567.89, "=", None, None),
        # scale words
        ("1,4 triệu", 1_400_000, "=", None, "triệu"),
        ("2,5 nghìn", 2500, "=", None, "nghìn"),
        ("2,5 ngàn", 2500, "=", None, "nghìn"),
        ("3 vạn", 30_000, "=", None, "vạn"),
        ("15 tỷ đồng", 15_000_000_000, "=", "đồng", "tỷ"),
        ("15 tỉ đồng", 15_000_000_000, "=", "đồng", "tỷ"),
        ("1.000 tỷ đồng", 10**12, "=", "đồng", "tỷ"),
        ("1 nghìn tỷ", 10**12, "=", None, "nghìn tỷ"),
        ("2 tỷ 500 triệu", 2_500_000_000, "=", None, "tỷ triệu"),
        ("0,5 triệu USD", 500_000, "=", "USD", "triệu"),
        # comparators
        ("trên 103.500", 103500, ">", None, None),
        ("trên 1,4 triệu", 1_400_000, ">", None, "triệu"),
        ("hơn 1.000", 1000, ">", None, None),
        ("vượt 50%", 50, ">", "%", None),
        ("vượt quá 50%", 50, ">", "%", None),
        ("nhiều hơn 3", 3, ">", None, None),
        ("khoảng 30%", 30, "~", "%", None),
        ("khoảng 30 %", 30, "~", "%", None),
        ("Khoảng 30 phần trăm", 30, "~", "%", None),
        ("gần 1,4 triệu", 1_400_000, "~", None, "triệu"),
        ("xấp xỉ 2,5", 2.5, "~", None, None),
        ("chừng 20", 20, "~", None, None),
        ("trên dưới 100", 100, "~", None, None),
        ("ước tính 15 tỷ đồng", 15_000_000_000, "~", "đồng", "tỷ"),
        ("dưới 10%", 10, "<", "%", None),
        ("chưa đến 5", 5, "<", None, None),
        ("chưa tới 5", 5, "<", None, None),
        ("chưa đầy 5", 5, "<", None, None),
        ("tối đa 30", 30, "<=", None, None),
        ("không quá 30", 30, "<=", None, None),
        ("không vượt quá 30", 30, "<=", None, None),
        ("ít nhất 3", 3, ">=", None, None),
        ("tối thiểu 3", 3, ">=", None, None),
        ("không dưới 3", 3, ">=", None, None),
        ("từ 18 trở lên", 18, ">=", None, None),
        ("từ 5 triệu đồng trở lên", 5_000_000, ">=", "đồng", "triệu"),
        ("50% trở lên", 50, ">=", "%", None),
        ("từ 10 trở xuống", 10, "<=", None, None),
        ("100 USD", 100, "=", "USD", None),
        ("100 VNĐ", 100, "=", "đồng", None),
        # written-out numbers
        ("hai", 2, "=", None, None),
        ("Hai", 2, "=", None, None),
        ("một", 1, "=", None, None),
        ("không", 0, "=", None, None),
        ("năm", 5, "=", None, None),
        ("bẩy", 7, "=", None, None),
        ("mười", 10, "=", None, None),
        ("mười một", 11, "=", None, None),
        ("mười lăm", 15, "=", None, None),
        ("mười tư", 14, "=", None, None),
        ("hai mươi", 20, "=", None, None),
        ("hai mươi mốt", 21, "=", None, None),
        ("hai mươi một", 21, "=", None, None),
        ("hai mươi tư", 24, "=", None, None),
        ("ba mươi lăm", 35, "=", None, None),
        ("năm mươi nhăm", 55, "=", None, None),
        ("năm mươi tư", 54, "=", None, None),
        ("chín mươi chín", 99, "=", None, None),
        ("một trăm", 100, "=", None, None),
        ("một trăm linh năm", 105, "=", None, None),
        ("một trăm lẻ năm", 105, "=", None, None),
        ("một trăm mười", 110, "=", None, None),
        ("hai trăm năm mươi", 250, "=", None, None),
        ("ba nghìn", 3000, "=", None, "nghìn"),
        ("ba trăm nghìn", 300_000, "=", None, "nghìn"),
        ("hai vạn", 20_000, "=", None, "vạn"),
        ("hai nghìn linh năm", 2005, "=", None, "nghìn"),
        ("hai nghìn không trăm hai mươi lăm", 2025, "=", None, "nghìn"),
        ("một triệu hai trăm nghìn", 1_200_000, "=", None, "triệu nghìn"),
        ("một nghìn hai trăm tỷ", 1_200_000_000_000, "=", None, "nghìn tỷ"),
        ("hơn hai nghìn", 2000, ">", None, "nghìn"),
        ("khoảng ba mươi phần trăm", 30, "~", "%", None),
    ],
)
def test_parse_quantity(text, value, comparator, unit, scale):
    q = parse_quantity(text)
    assert (q.value, q.comparator, q.unit, q.scale_word, q.text) == (value, comparator, unit, scale, text)
    assert type(q.value) is type(value)


def test_scale_arithmetic_is_exact():
    # float arithmetic would give 1399999.9999999998 and 0.30000000000000004-style values
    assert parse_quantity("1,4 triệu").value == 1_400_000
    assert parse_quantity("1,1 tỷ").value == 1_100_000_000
    assert parse_quantity("0,29 nghìn").value == 290


def test_quantity_to_dict_is_json():
    q = parse_quantity("trên 1,4 triệu")
    assert q.to_dict() == {"value": 1400000, "comparator": ">", "unit": None, "scale_word": "triệu",
                           "text": "trên 1,4 triệu"}
    assert json.loads(json.dumps(q.to_dict(), ensure_ascii=False)) == q.to_dict()
    assert isinstance(q, Quantity)


@pytest.mark.parametrize("text", ["trên 103.500", "1,4 triệu", "khoảng 30%", "hai mươi mốt", "15 tỷ đồng",
                                  "một trăm linh năm", "chưa đến 5", "tối thiểu 3", "mười lăm"])
def test_nfd_input_reads_like_nfc(text):
    assert NFD(text) != text or text.isascii()
    nfc, nfd = parse_quantity(text), parse_quantity(NFD(text))
    assert (nfd.value, nfd.comparator, nfd.unit, nfd.scale_word) == (nfc.value, nfc.comparator, nfc.unit, nfc.scale_word)
    assert nfd.text == NFD(text)  # the input is kept as given


@pytest.mark.parametrize(
    "variant, standard",
    [
        ("khỏang 30%", "khoảng 30%"),  # tone on the first vowel of 'oa' (old placement)
        ("không qúa 30", "không quá 30"),
        ("15 tỉ đồng", "15 tỷ đồng"),
        ("TRÊN 103.500", "trên 103.500"),
    ],
)
def test_spelling_variants_do_not_matter(variant, standard):
    a, b = parse_quantity(variant), parse_quantity(standard)
    assert (a.value, a.comparator, a.unit, a.scale_word) == (b.value, b.comparator, b.unit, b.scale_word)


@pytest.mark.parametrize(
    "a, b, same",
    [
        ("hoà", "hòa", True),
        ("thuỷ", "thủy", True),
        ("tỉ", "tỷ", True),
        ("Mĩ", "mỹ", True),
        ("Chiều", "chiều", True),
        (NFD("triệu"), "triệu", True),
        ("sau", "sáu", False),  # 'after' vs 'six'
        ("nam", "năm", False),
        ("mười", "mươi", False),
        ("một", "mốt", False),
        ("quy", "qui", False),  # 'y' after 'u' is a vowel, not a spelling variant of 'i'
    ],
)
def test_syllable_key(a, b, same):
    assert (syllable_key(a) == syllable_key(b)) is same


@pytest.mark.parametrize(
    "text, offset, fragments",
    [
        # malformed grouping
        ("1.45", 1, ["exactly three digits", "not 2", "','"]),
        ("1.4523", 1, ["exactly three digits", "not 4"]),
        ("2.5", 1, ["exactly three digits", "'1,45'"]),
        ("1.452.12", 5, ["exactly three digits", "not 2"]),
        ("1..452", 1, ["exactly three digits", "not 0"]),
        ("1234.567", 4, ["at most three digits before the first '.'"]),
        ("1,4,5", 3, ["digits after the decimal comma"]),
        ("1,234.5", 5, ["digits after the decimal comma"]),
        ("1,", 2, ["digits after the decimal comma", "end of input"]),
        ("29/7", 2, ["without '/'", "parse_date"]),
        # unknown scale word or unit, trailing junk
        ("5 nghin", 2, ["'nghin'", "a scale word (nghìn", "triệu"]),
        ("1,4 trieu", 4, ["'trieu'", "a scale word"]),
        ("3 gazillion", 2, ["'gazillion'", "a scale word", "a unit"]),
        ("54 đơn vị hành chính", 3, ["'đơn'", "end of input", "counted noun"]),
        ("trên 1,4 triệu người", 15, ["'người'", "a unit", "counted noun"]),
        ("30%.", 3, ["'.'", "end of input"]),
        ("hai cấp", 4, ["'cấp'", "end of input"]),
        # no number
        ("", 0, ["end of input", "a number"]),
        ("   ", 3, ["end of input", "a number"]),
        ("trên", 4, ["end of input", "a number"]),
        ("hàng nghìn", 0, ["'hàng'", "a number"]),
        ("XIII", 0, ["a number"]),
        ("nghìn", 0, ["a number"]),
        # refused or malformed qualifiers and numbers
        ("hơn kém 10", 0, ["'hơn kém'", "difference"]),
        ("từ 5", 4, ["'trở lên' or 'trở xuống'"]),
        ("từ 5 đến 10", 5, ["'đến'", "range"]),
        ("trên 5 trở lên", 7, ["cannot follow another qualifier"]),
        ("một triệu hai", 10, ["abbreviations", "'1,2 triệu'"]),
        ("1 tỷ 200", 5, ["abbreviations"]),
        ("hai nghìn ba nghìn", 13, ["from large to small"]),
        ("hai mươi năm", 9, ["'lăm'"]),
        ("một trăm năm", 9, ["end of input"]),
    ],
)
def test_parse_quantity_errors(text, offset, fragments):
    assert_error(raises(parse_quantity, text), text, offset, *fragments)


def test_error_is_a_package_error_with_fields():
    err = raises(parse_quantity, "1.45")
    assert isinstance(err, VinerfactsError)
    assert (err.text, err.offset, err.found) == ("1.45", 1, ".45")
    assert "exactly three digits" in err.expected


def test_error_offsets_refer_to_the_nfc_text():
    err = raises(parse_quantity, NFD("trên 1,4 triệu người"))
    assert err.offset == 15 and err.text == "trên 1,4 triệu người" and err.found == "người"


# ---------------------------------------------------------------- property tests

def vi_grouped(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@given(st.integers(min_value=0, max_value=10**18))
def test_grouped_integers_round_trip(n):
    q = parse_quantity(vi_grouped(n))
    assert q.value == n and type(q.value) is int
    assert parse_quantity(str(n)).value == n  # ungrouped digits too


@given(st.integers(min_value=0, max_value=10**12), st.text(alphabet="0123456789", min_size=1, max_size=6))
def test_decimal_comma_round_trip(whole, frac):
    q = parse_quantity(f"{vi_grouped(whole)},{frac}")
    exact = Decimal(f"{whole}.{frac}")
    expected = int(exact) if exact == exact.to_integral_value() else float(exact)
    assert q.value == expected and type(q.value) is type(expected)


@given(st.integers(min_value=0, max_value=10**6), st.text(alphabet="0123456789", min_size=1, max_size=3),
       st.sampled_from([("nghìn", 10**3), ("triệu", 10**6), ("tỷ", 10**9)]))
def test_scaled_decimals_are_exact(whole, frac, scale):
    word, factor = scale
    exact = Decimal(f"{whole}.{frac}") * factor
    q = parse_quantity(f"{vi_grouped(whole)},{frac} {word}")
    assert q.value == (int(exact) if exact == exact.to_integral_value() else float(exact))


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=6).filter(lambda k: k != 3),
       st.integers(min_value=0, max_value=10**6))
def test_groups_of_other_than_three_digits_are_errors(head, width, digits):
    group = str(digits).zfill(width)[-width:] if width else ""
    text = f"{head}.{group}"
    err = raises(parse_quantity, text)
    assert err.offset == len(str(head)) and "exactly three digits" in str(err)


_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def spell_group(n: int, full: bool) -> list[str]:
    """0 < n < 1000 in formal Vietnamese; full writes 'không trăm' for a group after a scale word."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = [_DIGITS[hundreds], "trăm"] if hundreds or full else []
    if tens == 0:
        if units:
            words += (["linh"] if words else []) + [_DIGITS[units]]
    elif tens == 1:
        words += ["mười"] + ([{5: "lăm"}.get(units, _DIGITS[units])] if units else [])
    else:
        words += [_DIGITS[tens], "mươi"] + ([{1: "mốt", 5: "lăm"}.get(units, _DIGITS[units])] if units else [])
    return words


def spell(n: int) -> str:
    if n == 0:
        return "không"
    words: list[str] = []
    for scale, name in [(10**9, "tỷ"), (10**6, "triệu"), (10**3, "nghìn"), (1, "")]:
        group = n // scale % 1000
        if group:
            words += spell_group(group, full=bool(words)) + ([name] if name else [])
    return " ".join(words)


@pytest.mark.parametrize("n, words", [(21, "hai mươi mốt"), (105, "một trăm linh năm"), (15, "mười lăm"),
                                      (2025, "hai nghìn không trăm hai mươi lăm"), (1_000_005, "một triệu không trăm linh năm")])
def test_speller_used_below(n, words):
    assert spell(n) == words


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_spelled_out_integers_round_trip(n):
    assert parse_quantity(spell(n)).value == n
    assert parse_quantity(NFD(spell(n))).value == n


# ---------------------------------------------------------------- Roman numerals and ordinals

@pytest.mark.parametrize(
    "text, value",
    [("I", 1), ("II", 2), ("IV", 4), ("V", 5), ("IX", 9), ("XIII", 13), ("XIV", 14), ("XIX", 19), ("XXI", 21),
     ("XL", 40), ("XC", 90), ("CD", 400), ("CM", 900), ("MCMXCIV", 1994), ("MMXXV", 2025), ("MMMCMXCIX", 3999)],
)
def test_parse_roman(text, value):
    assert parse_roman(text) == value


@pytest.mark.parametrize(
    "text, offset",
    [("IIII", 3), ("XIIII", 4), ("VX", 1), ("VV", 1), ("IC", 1), ("IL", 1), ("XM", 1), ("IIV", 2), ("DD", 1),
     ("MMMM", 3), ("", 0), ("xiii", 0), ("XIII ", 4), ("ABC", 0)],
)
def test_parse_roman_rejects_non_canonical(text, offset):
    assert_error(raises(parse_roman, text), text, offset, "Roman numeral", "canonical form")


@pytest.mark.parametrize(
    "text, value",
    [("lần thứ XIII", 13), ("Đại hội lần thứ XIII", 13), ("thứ 13", 13), ("thứ mười ba", 13), ("XIII", 13),
     ("13", 13), ("thứ nhất", 1), ("thứ nhì", 2), ("thứ hai", 2), ("thứ ba", 3), ("thứ tư", 4), ("thứ năm", 5),
     ("khóa thứ XV", 15), ("kỳ họp thứ 9", 9), ("thứ hai mươi mốt", 21), ("thứ một trăm", 100)],
)
def test_parse_ordinal(text, value):
    assert parse_ordinal(text) == value
    assert parse_ordinal(NFD(text)) == value


@pytest.mark.parametrize(
    "text, offset, fragment",
    [("lần thứ XIIII", 12, "Roman numeral"), ("thứ một", 4, "'nhất'"), ("thứ", 3, "an ordinal"),
     ("thứ 0", 4, "from 1"), ("thứ 1,5", 4, "whole"), ("lần thứ XIII của Đảng", 13, "end of input"),
     ("lần XIII", 0, "an ordinal"), ("5 thứ 3", 0, "counted noun")],
)
def test_parse_ordinal_errors(text, offset, fragment):
    assert_error(raises(parse_ordinal, text), text, offset, fragment)


# ---------------------------------------------------------------- dates

@pytest.mark.parametrize(
    "text, kind, value, part_of_day, inferred",
    [
        ("29/7/2025", "date", "2025-07-29", None, False),
        ("01/07/2025", "date", "2025-07-01", None, False),
        ("29/2/2024", "date", "2024-02-29", None, False),
        ("29/7", "date", "2025-07-29", None, True),
        ("ngày 29/7", "date", "2025-07-29", None, True),
        ("Chiều 29/7", "date", "2025-07-29", "afternoon", True),
        ("sáng 1/7", "date", "2025-07-01", "morning", True),
        ("trưa 1/7", "date", "2025-07-01", "noon", True),
        ("tối 1/7", "date", "2025-07-01", "evening", True),
        ("đêm 1/7", "date", "2025-07-01", "night", True),
        ("chiều ngày 29/7/2025", "date", "2025-07-29", "afternoon", False),
        ("ngày 29 tháng 7 năm 2025", "date", "2025-07-29", None, False),
        ("ngày 2 tháng 9", "date", "2025-09-02", None, True),
        ("tháng 7/2025", "partial_date", "2025-07", None, False),
        ("7/2025", "partial_date", "2025-07", None, False),
        ("tháng 7", "partial_date", "2025-07", None, True),
        ("tháng bảy năm 2025", "partial_date", "2025-07", None, False),
        ("tháng Tư năm 2025", "partial_date", "2025-04", None, False),
        ("tháng mười hai năm 2024", "partial_date", "2024-12", None, False),
        ("tháng 7 năm 2025", "partial_date", "2025-07", None, False),
        ("năm 2025", "partial_date", "2025", None, False),
    ],
)
def test_parse_date(text, kind, value, part_of_day, inferred):
    t = parse_date(text, REF, inferred_from="event date of the article")
    assert (t.kind, t.value, t.part_of_day, t.year_inferred) == (kind, value, part_of_day, inferred)
    assert t.reference_date_used is inferred
    assert t.inferred_from == ("event date of the article" if inferred else None)
    assert t.reference_date == ("2025-07-29" if inferred else None)
    assert (t.open_ended, t.comparator, t.text) == (False, "=", text)
    assert parse_date(NFD(text), REF, "event date of the article").value == value


def test_parse_date_without_reference_when_the_year_is_written():
    t = parse_date("29/7/2025")
    assert (t.value, t.year_inferred, t.reference_date_used, t.inferred_from) == ("2025-07-29", False, False, None)


def test_inferred_from_defaults_to_the_reference_date():
    t = parse_date("29/7", dt.datetime(2025, 7, 29, 15, 0))
    assert (t.value, t.inferred_from, t.reference_date) == ("2025-07-29", "reference date 2025-07-29", "2025-07-29")


def test_time_value_to_dict():
    d = parse_date("Chiều 29/7", REF, "event date").to_dict()
    assert d == {"kind": "date", "value": "2025-07-29", "text": "Chiều 29/7", "part_of_day": "afternoon",
                 "comparator": "=", "year_inferred": True, "inferred_from": "event date",
                 "reference_date_used": True, "reference_date": "2025-07-29", "open_ended": False}
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d


@pytest.mark.parametrize(
    "text, reference, offset, fragments",
    [
        ("31/2/2025", None, 0, ["2025-02 has 28 days", "day 31 does not exist"]),
        ("29/2", REF, 0, ["2025-02 (year inferred) has 28 days"]),
        ("31/4/2025", None, 0, ["2025-04 has 30 days"]),
        ("ngày 31 tháng 2 năm 2025", None, 5, ["28 days"]),
        ("13/13/2025", None, 3, ["a month from 1 to 12, not 13"]),
        ("tháng 13", REF, 6, ["a month from 1 to 12"]),
        ("29/7", None, 0, ["a year", "reference"]),
        ("tháng 7", None, 6, ["reference"]),
        ("", REF, 0, ["end of input", "a date"]),
        ("29/7/25", None, 5, ["a four-digit year"]),
        ("năm 25", None, 4, ["a four-digit year"]),
        ("29/7/2025/1", None, 9, ["end of the date"]),
        ("29/7/", REF, 5, ["digits between '/'"]),
        ("29.7.2025", None, 0, ["a date"]),
        ("2025", None, 0, ["a date"]),
        ("Chiều 29/7 tại Quảng Ninh", REF, 11, ["'tại'", "end of input"]),
        ("Chiều tháng 7/2025", None, 6, ["a day and month after a part of day"]),
        ("ngày 7/2025", None, 5, ["day/month after 'ngày'"]),
        ("tháng 29/7", REF, 6, ["month/year after 'tháng'"]),
        ("tháng giêng", REF, 6, ["a month number"]),
        ("29/100", REF, 3, ["a one- or two-digit month, or a four-digit year"]),
    ],
)
def test_parse_date_errors(text, reference, offset, fragments):
    assert_error(raises(parse_date, text, reference), text, offset, *fragments)


# ---------------------------------------------------------------- intervals

def test_since_until_now_uses_the_reference_date():
    t = parse_interval("từ 1/7 đến nay", REF, inferred_from="event date 2025-07-29 (see metadata)")
    assert isinstance(t, TimeValue)
    assert (t.kind, t.value, t.open_ended) == ("interval", "2025-07-01/2025-07-29", True)
    assert (t.year_inferred, t.inferred_from) == (True, "event date 2025-07-29 (see metadata)")
    assert (t.reference_date_used, t.reference_date) == (True, "2025-07-29")


@pytest.mark.parametrize(
    "text, reference, value, open_ended, year_inferred, reference_used",
    [
        ("từ 1/7 đến 15/7", REF, "2025-07-01/2025-07-15", False, True, True),
        ("từ 1/7/2025 đến nay", REF, "2025-07-01/2025-07-29", True, False, True),
        ("Từ 1/7 đến hiện nay", REF, "2025-07-01/2025-07-29", True, True, True),
        ("từ tháng 7/2025 đến nay", REF, "2025-07/2025-07-29", True, False, True),
        ("từ ngày 1/7 tới ngày 15/7/2025", None, "2025-07-01/2025-07-15", False, True, False),
        ("từ 1/7/2025 đến 15/8/2025", None, "2025-07-01/2025-08-15", False, False, False),
        ("từ tháng 1 đến tháng 6/2025", None, "2025-01/2025-06", False, True, False),
    ],
)
def test_parse_interval(text, reference, value, open_ended, year_inferred, reference_used):
    t = parse_interval(text, reference)
    assert (t.kind, t.value, t.open_ended, t.year_inferred, t.reference_date_used) == (
        "interval", value, open_ended, year_inferred, reference_used)
    assert t.reference_date == ("2025-07-29" if reference_used else None)


def test_interval_year_from_the_other_endpoint_says_so():
    t = parse_interval("từ ngày 1/7 tới ngày 15/7/2025")
    assert t.inferred_from == "year of the interval's other endpoint (2025)"


@pytest.mark.parametrize(
    "text, reference, offset, fragments",
    [
        ("từ 1/7 đến nay", None, 11, ["'nay'", "a reference date", "until now"]),
        ("từ 15/7 đến 1/7", REF, 12, ["start (2025-07-15)", "end (2025-07-01)"]),
        ("từ 1/9 đến nay", REF, 11, ["start (2025-09-01)"]),
        ("từ 1/7", REF, 6, ["'đến' or 'tới'"]),
        ("1/7 đến nay", REF, 0, ["'từ'"]),
        ("từ 1/7 đến 31/6", REF, 11, ["30 days"]),
        ("từ chiều 1/7 đến nay", REF, 3, ["a date"]),
        ("từ 1/7 đến nay thì", REF, 15, ["end of input"]),
    ],
)
def test_parse_interval_errors(text, reference, offset, fragments):
    assert_error(raises(parse_interval, text, reference), text, offset, *fragments)


# ---------------------------------------------------------------- durations

@pytest.mark.parametrize(
    "text, value, comparator",
    [
        ("sau một tháng", "P1M", "="),
        ("một tháng", "P1M", "="),
        ("1 tháng", "P1M", "="),
        ("2 năm", "P2Y", "="),
        ("hai năm", "P2Y", "="),
        ("3 ngày", "P3D", "="),
        ("6 tuần", "P6W", "="),
        ("nửa tháng", "P0.5M", "="),
        ("nửa năm", "P0.5Y", "="),
        ("một năm rưỡi", "P1.5Y", "="),
        ("hai tháng rưỡi", "P2.5M", "="),
        ("1,5 năm", "P1.5Y", "="),
        ("mười năm", "P10Y", "="),
        ("hai mươi năm", "P20Y", "="),
        ("năm năm", "P5Y", "="),
        ("một trăm năm", "P100Y", "="),
        ("2 năm 3 tháng", "P2Y3M", "="),
        ("3 giờ", "PT3H", "="),
        ("2 tiếng 30 phút", "PT2H30M", "="),
        ("45 giây", "PT45S", "="),
        ("1 ngày 2 giờ", "P1DT2H", "="),
        ("trong 6 tháng", "P6M", "="),
        ("trong vòng 3 ngày", "P3D", "="),
        ("suốt 2 năm", "P2Y", "="),
        ("hơn một tháng", "P1M", ">"),
        ("sau hơn 2 năm", "P2Y", ">"),
        ("khoảng 3 tuần", "P3W", "~"),
        ("gần 2 năm", "P2Y", "~"),
        ("từ 2 năm trở lên", "P2Y", ">="),
        ("tối đa 2 năm", "P2Y", "<="),
    ],
)
def test_parse_duration(text, value, comparator):
    t = parse_duration(text)
    assert (t.kind, t.value, t.comparator, t.year_inferred, t.reference_date_used) == (
        "duration", value, comparator, False, False)
    assert parse_duration(NFD(text)).value == value


@pytest.mark.parametrize(
    "text, offset, fragments",
    [
        ("sau một tháng triển khai", 14, ["'triển'", "end of input"]),
        ("tháng", 0, ["a duration"]),
        ("5", 1, ["end of input", "a duration unit"]),
        ("", 0, ["a duration"]),
        ("2 tháng 1 năm", 10, ["from large to small"]),
        ("2 năm 3 năm", 8, ["from large to small"]),
        ("1,5 năm 2 tháng", 8, ["only the last unit"]),
        ("2 tuần 3 ngày", 9, ["weeks on their own"]),
        ("1,5 tháng rưỡi", 10, ["'rưỡi'"]),
    ],
)
def test_parse_duration_errors(text, offset, fragments):
    assert_error(raises(parse_duration, text), text, offset, *fragments)


# ---------------------------------------------------------------- dispatch and the article

@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("Chiều 29/7", "date", "2025-07-29"),
        ("tối 29/7", "date", "2025-07-29"),
        ("tháng 7/2025", "partial_date", "2025-07"),
        ("tháng một năm 2025", "partial_date", "2025-01"),
        ("năm 2025", "partial_date", "2025"),
        ("từ 1/7 đến nay", "interval", "2025-07-01/2025-07-29"),
        ("sau một tháng", "duration", "P1M"),
        ("một tháng", "duration", "P1M"),
        ("năm năm", "duration", "P5Y"),
        ("tối đa 2 năm", "duration", "P2Y"),
        ("từ 2 năm trở lên", "duration", "P2Y"),
    ],
)
def test_parse_time_dispatch(text, kind, value):
    t = parse_time(text, REF)
    assert (t.kind, t.value) == (kind, value)


def test_parse_time_errors_come_from_the_chosen_parser():
    assert "a date" in str(raises(parse_time, "", REF))
    assert "end of input after the duration" in str(raises(parse_time, "sau một tháng triển khai", REF))


def test_expressions_of_the_article(root):
    text = (root / "annotations" / "documents" / "000_d08f880c9ee73c57.txt").read_text(encoding="utf-8")
    quantities = {
        "54": (54, "="), "30": (30, "="), "22": (22, "="), "2": (2, "="), "1.452": (1452, "="),
        "trên 1,4 triệu": (1_400_000, ">"), "59": (59, "="), "trên 103.500": (103_500, ">"),
        "4": (4, "="), "3": (3, "="), "hai": (2, "="), "một": (1, "="),
    }
    for span, expected in quantities.items():
        assert span in text, span
        q = parse_quantity(span)
        assert (q.value, q.comparator) == expected, span
    assert parse_ordinal("lần thứ XIII") == 13 and "lần thứ XIII" in text
    evidence = "event date 2025-07-29 (inferred, see the document metadata)"
    times = {
        "Chiều 29/7": ("date", "2025-07-29", True),
        "tháng 7/2025": ("partial_date", "2025-07", False),
        "từ 1/7 đến nay": ("interval", "2025-07-01/2025-07-29", True),
        "sau một tháng": ("duration", "P1M", False),
    }
    for span, (kind, value, inferred) in times.items():
        assert span in text, span
        t = parse_time(span, REF, evidence)
        assert (t.kind, t.value, t.year_inferred) == (kind, value, inferred), span
        assert t.inferred_from == (evidence if inferred else None)
