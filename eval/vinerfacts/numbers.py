"""Normalize Vietnamese quantities and time expressions to values: pure functions, standard library only.

The fact layer stores normalized values next to the gold spans; they are produced here, never typed.
Every function takes the text of one expression (the span, not a sentence) and either returns a value or
raises `NormalizationError`, whose message quotes the input, gives the character offset where parsing
stopped and says what was expected there. Nothing is guessed silently; the one inference the module
makes (a missing year) is flagged on the result.

Input: NFC or NFD, any case, old or new tone-mark placement ("hoà"/"hòa", "khoảng"/"khỏang") and
i/y after a consonant ("tỉ"/"tỷ", "Mĩ"/"Mỹ") all read the same (`syllable_key`). Diacritics are NOT
optional: "sau" (after) is not "sáu" (six), "nam" is not "năm", so "trieu" is an unknown word.
Error offsets and the quoted text refer to the NFC form of the input (the form of the dataset's text).

Quantities, `parse_quantity(text) -> Quantity(value, comparator, unit, scale_word, text)`:
  [qualifier] number [scale words] [unit] ["trở lên" | "trở xuống"]
- Digits with Vietnamese grouping: "." groups thousands, "," is the decimal comma: 1.452 -> 1452,
  1.234.567 -> 1234567, 1,4 -> 1.4, 1.234.567,89. Every "." must be followed by exactly three digits
  and the first group has 1-3 digits, so "1.45", "1.4523", "2.5" and "1234.567" are errors (an
  English-style "2.5" is never guessed to be 2,5). "1,452" is 1.452: "," is always the decimal mark.
- Numbers in words: không, một, hai, ba, bốn, năm, sáu, bảy/bẩy, tám, chín, mười, mươi, trăm and
  mốt (1), tư (4), lăm/nhăm (5) after mươi/mười, linh/lẻ (zero tens) after trăm or a scale word:
  "hai mươi mốt" 21, "một trăm linh năm" 105, "hai nghìn không trăm hai mươi lăm" 2025.
  After mười/mươi a 5 is "lăm": "mười năm" is 10 followed by "năm" (year), so `parse_duration`
  reads "mười năm" as P10Y and "hai mươi năm" as P20Y; likewise "một trăm năm" is 100 + "năm".
- Scale words nghìn/ngàn 1e3, vạn 1e4, triệu 1e6, tỷ/tỉ 1e9, also chained ("nghìn tỷ" 1e12) and
  summed from large to small ("2 tỷ 500 triệu", "một nghìn hai trăm tỷ"). The colloquial abbreviation
  "một triệu hai" / "1 tỷ 200" (a bare number after a scale word, meaning 1,2 triệu / 1,2 tỷ) is
  rejected with a hint rather than read either way. `scale_word` lists the scale words used, in
  canonical spelling (ngàn -> nghìn, tỉ -> tỷ), space-separated: "tỷ", "nghìn tỷ", "tỷ triệu".
- Arithmetic is exact (Decimal), so "1,4 triệu" is 1400000, not 1399999.9999999998; `value` is an int
  when the result is integral, else a float (JSON-friendly; the text keeps the exact digits).
- Units (closed list, canonical form in brackets): % / phần trăm [%], đồng / đ / VNĐ / VND [đồng],
  USD / đô la Mỹ [USD], km, ha / héc ta [ha], kg, tấn. A counted noun ("54 đơn vị", "1.452 thôn",
  "trên 1,4 triệu người") is not a unit and not part of the quantity span: pass "1,4 triệu".
- Qualifiers -> comparator (before the number unless stated):
    ">"  trên, hơn, nhiều hơn, vượt, vượt quá (strictly more: "trên 103.500 đảng viên")
    ">=" ít nhất, tối thiểu, không dưới, không ít hơn; "X trở lên"; "từ X trở lên"
    "<"  dưới, chưa đến, chưa tới, chưa đầy, không đến, không tới, ít hơn
    "<=" tối đa, không quá, không vượt quá, nhiều nhất; "X trở xuống"; "từ X trở xuống"
    "~"  khoảng, khoảng chừng, chừng, xấp xỉ, trên dưới, ước, ước tính, ước khoảng, ước chừng, gần
  "gần" is "~", not "<": "gần 1,4 triệu" asserts closeness to 1,4 triệu; "<" would keep only the
  direction and accept 5 just as well, and writers do not reliably keep the direction.
  "trên dưới" (about) is matched before "trên" (over). "từ X" needs "trở lên"/"trở xuống": "từ X đến Y"
  is a range, not one quantity. "hơn kém" is refused: it states a difference, not an amount.
  Vague amounts ("hàng nghìn", "vài chục") have no value and are errors.

Ordinals: `parse_roman("XIII") -> 13` (canonical numerals 1-3999 only: "IIII", "VX", "IC", lowercase
are errors); `parse_ordinal` reads "[noun ...] thứ N" with N in digits, Roman numerals or words
(nhất 1, nhì 2, tư 4, "mười ba"; "thứ một" is an error: the first is "thứ nhất"), or a bare "XIII"/"13".

Time, all returning `TimeValue` with an ISO 8601 `value` and explicit inference flags:
- `parse_date(text, reference=None, inferred_from=None)`: "29/7/2025", "29/7", "ngày 29/7",
  "ngày 29 tháng 7 năm 2025", "Chiều 29/7" (part_of_day: sáng morning, trưa noon, chiều afternoon,
  tối evening, đêm night; only on a day), "tháng 7/2025", "7/2025", "tháng 7", "tháng bảy năm 2025"
  (partial dates "2025-07"), "năm 2025" ("2025"). D/M/YYYY needs a four-digit year; "A/B" is
  month/year when B has four digits, else day/month. A missing year is the year of `reference`
  (the document date), flagged with year_inferred=True and inferred_from = the caller's string
  (default "reference date YYYY-MM-DD"); without a reference it is an error. The reference year is
  taken as is, with no guess across a year boundary. Impossible dates (31/2, 29/2/2025) are errors.
  A bare number ("2025") is a quantity, not a date; lunar months (giêng, chạp) are not read.
- `parse_interval`: "từ <date> đến|tới <date>" -> "2025-07-01/2025-07-15"; "từ <date> đến nay"
  (also hiện nay, hiện tại, bây giờ) ends at `reference` with open_ended=True, meaning "until now":
  the end is the document date, not a fixed date stated in the text. An endpoint without a year takes
  the other endpoint's year when that one is written, else the reference year. Start after end is an error.
- `parse_duration`: "[sau|trong|trong vòng|suốt|qua] [qualifier] N unit ..." with units năm Y,
  tháng M, tuần W, ngày D, giờ/tiếng H, phút M, giây S: "sau một tháng" P1M, "2 năm 3 tháng" P2Y3M,
  "2 tiếng 30 phút" PT2H30M. "nửa tháng" is P0.5M and "một năm rưỡi" P1.5Y: ISO 8601 allows a decimal
  fraction on the last component, and this keeps what the text says instead of converting half a
  month into 15 days or 2 weeks. Units go from large to small, each once; weeks stand alone. Qualifiers
  ("hơn một tháng") give `comparator`, as for quantities.
- `parse_time` dispatches on the shape: "từ ... đến ..." -> interval; a date or a leading
  ngày/tháng/năm YYYY/part of day -> date; otherwise a duration (a number before its unit:
  "một tháng" is P1M while "tháng một" is January).
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import lru_cache
from typing import NoReturn, TypeVar

from .errors import NormalizationError

__all__ = [
    "Quantity",
    "TimeValue",
    "parse_quantity",
    "parse_roman",
    "parse_ordinal",
    "parse_date",
    "parse_interval",
    "parse_duration",
    "parse_time",
    "syllable_key",
]

V = TypeVar("V")


@dataclass(frozen=True)
class Quantity:
    value: int | float
    comparator: str  # "=", ">", ">=", "<", "<=", "~"
    unit: str | None  # canonical: "%", "đồng", "USD", ...
    scale_word: str | None  # canonical scale words used, e.g. "triệu", "nghìn tỷ"
    text: str  # the input as given

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TimeValue:
    kind: str  # "date" | "partial_date" | "interval" | "duration"
    value: str  # ISO 8601: "2025-07-29", "2025-07", "2025", "2025-07-01/2025-07-29", "P1M"
    text: str  # the input as given
    part_of_day: str | None = None  # morning, noon, afternoon, evening, night
    comparator: str = "="  # durations only: "hơn một tháng" -> ">"
    year_inferred: bool = False  # a year was not written and was taken from elsewhere
    inferred_from: str | None = None  # where that year came from
    reference_date_used: bool = False  # the reference date went into the value
    reference_date: str | None = None  # that reference date (ISO) when used
    open_ended: bool = False  # "đến nay": the interval ends at the reference date ("until now")

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- spelling-insensitive word keys

_TONES = {"\u0300": "2", "\u0301": "1", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_FINAL_Y = re.compile(r"(?<=[bcdđghklmnpqrstvx])y$")


@lru_cache(maxsize=4096)
def syllable_key(word: str) -> str:
    """Lowercase letters without the tone mark, then the tone as a digit.

    Equal for NFC/NFD, upper/lower case, tone placement ("hoà"/"hòa") and final i/y after a consonant
    ("tỉ"/"tỷ"); different for different words ("sau"/"sáu", "mười"/"mươi", "năm"/"nam").
    """
    tone, base = "", []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            base.append(ch)
    return _FINAL_Y.sub("i", unicodedata.normalize("NFC", "".join(base))) + tone


# ---------------------------------------------------------------- tokens and the reader

_TOKEN_RE = re.compile(r"(?P<num>[0-9][0-9.,/]*)|(?P<word>(?:[^\W\d_]|[\u0300-\u036f])+)|(?P<sym>\S)")


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    kind: str  # "num" | "word" | "sym"

    @property
    def key(self) -> str | None:
        return syllable_key(self.text) if self.kind == "word" else self.text if self.kind == "sym" else None


def _tokenize(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.lastgroup) for m in _TOKEN_RE.finditer(text)]


def _phrases(mapping: dict[str, V]) -> dict[tuple[str | None, ...], V]:
    """A lookup table keyed by the word keys of each phrase."""
    return {tuple(t.key for t in _tokenize(phrase)): value for phrase, value in mapping.items()}


def _words(mapping: dict[str, V]) -> dict[str, V]:
    return {syllable_key(word): value for word, value in mapping.items()}


class _Reader:
    """The tokens of one NFC input and a position in them; every parse error goes through `fail`."""

    def __init__(self, text: str):
        self.text = unicodedata.normalize("NFC", text)
        self.tokens = _tokenize(self.text)
        self.i = 0

    def peek(self, ahead: int = 0) -> _Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def key(self, ahead: int = 0) -> str | None:
        tok = self.peek(ahead)
        return tok.key if tok else None

    def is_(self, word: str, ahead: int = 0) -> bool:
        return self.key(ahead) == syllable_key(word)

    def take_word(self, word: str) -> bool:
        if self.is_(word):
            self.i += 1
            return True
        return False

    def take(self, table: dict[tuple, V]) -> V | None:
        """Read the longest phrase of `table` here; its value, or None (reading nothing)."""
        for n in range(max(map(len, table)), 0, -1):
            value = table.get(tuple(self.key(k) for k in range(n)))
            if value is not None:
                self.i += n
                return value
        return None

    def fail(self, expected: str, at: _Token | None = None) -> NoReturn:
        tok = at or self.peek()
        if tok is None:
            raise NormalizationError(self.text, len(self.text), expected, "")
        raise NormalizationError(self.text, tok.start, expected, tok.text)

    def expect_end(self, expected: str) -> None:
        if self.peek() is not None:
            self.fail(expected)


# ---------------------------------------------------------------- lexicon

_PREFIX_QUALIFIERS = _phrases({
    "trên": ">", "hơn": ">", "nhiều hơn": ">", "vượt": ">", "vượt quá": ">",
    "ít nhất": ">=", "tối thiểu": ">=", "không dưới": ">=", "không ít hơn": ">=",
    "dưới": "<", "chưa đến": "<", "chưa tới": "<", "chưa đầy": "<", "không đến": "<", "không tới": "<",
    "ít hơn": "<",
    "tối đa": "<=", "không quá": "<=", "không vượt quá": "<=", "nhiều nhất": "<=",
    "khoảng": "~", "khoảng chừng": "~", "chừng": "~", "xấp xỉ": "~", "trên dưới": "~", "gần": "~",
    "ước": "~", "ước tính": "~", "ước khoảng": "~", "ước chừng": "~",
    "từ": "from",  # only with "trở lên" / "trở xuống" after the number
})
_SUFFIX_QUALIFIERS = _phrases({"trở lên": ">=", "trở xuống": "<="})
_REFUSED_QUALIFIERS = _phrases({
    "hơn kém": "an amount, not 'hơn kém' (it states a difference between two amounts, not an approximate amount)",
})
_UNITS = _phrases({
    "%": "%", "phần trăm": "%", "đồng": "đồng", "đ": "đồng", "VNĐ": "đồng", "VND": "đồng",
    "USD": "USD", "đô la Mỹ": "USD", "km": "km", "ha": "ha", "héc ta": "ha", "kg": "kg", "tấn": "tấn",
})
_SCALES = _words({"nghìn": (10**3, "nghìn"), "ngàn": (10**3, "nghìn"), "vạn": (10**4, "vạn"),
                  "triệu": (10**6, "triệu"), "tỷ": (10**9, "tỷ")})  # "tỉ" has the key of "tỷ"
_DIGIT_WORDS = _words({"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7,
                       "bẩy": 7, "tám": 8, "chín": 9})
_AFTER_TENS = _words({"một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "lăm": 5, "nhăm": 5,
                      "sáu": 6, "bảy": 7, "bẩy": 7, "tám": 8, "chín": 9})  # no "năm": see the docstring
_LINH = _words({"linh": 0, "lẻ": 0})
_ORDINAL_WORDS = _words({"nhất": 1, "nhì": 2, "tư": 4})

_NUMBER_EXPECTED = "a number: digits ('54', '1.452', '1,4') or words ('hai', 'hai mươi mốt')"
_SCALES_TEXT = "a scale word (nghìn, ngàn, vạn, triệu, tỷ, tỉ)"
_UNITS_TEXT = "a unit (%, phần trăm, đồng, VNĐ, USD, km, ha, kg, tấn)"


# ---------------------------------------------------------------- numbers

def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _digits_value(text: str, tok: _Token) -> Decimal:
    """The value of a digit token with Vietnamese grouping ("1.234.567,89"); errors point at the character."""
    s = tok.text

    def bad(k: int, expected: str) -> NoReturn:
        raise NormalizationError(text, tok.start + k, expected)

    if "/" in s:
        bad(s.index("/"), "a number without '/' (a date such as '29/7' is read by parse_date)")
    whole, comma, frac = s.partition(",")
    groups = whole.split(".")
    if len(groups) > 1:
        if len(groups[0]) > 3:
            bad(len(groups[0]), "at most three digits before the first '.' (thousands grouping, as in '1.452')")
        k = len(groups[0])
        for group in groups[1:]:
            if len(group) != 3:
                bad(k, f"'.' followed by exactly three digits (thousands grouping, as in '1.452'), not "
                       f"{len(group)}; a decimal part takes ',' (as in '1,45')")
            k += 4
    if comma and not frac.isdigit():
        k = len(whole) + 1 + next((j for j, c in enumerate(frac) if not c.isdigit()), len(frac))
        bad(k, "digits after the decimal comma (',' is the decimal mark; '.' groups thousands before it)")
    return Decimal(whole.replace(".", "") + ("." + frac if comma else ""))


def _read_linh(r: _Reader) -> int | None:
    """'linh năm' / 'lẻ năm': zero tens and a digit."""
    digit = _DIGIT_WORDS.get(r.key(1))
    if r.key() in _LINH and digit:
        r.i += 2
        return digit
    return None


def _read_tens(r: _Reader) -> int | None:
    """10-99 in words: 'mười', 'mười lăm', 'hai mươi', 'hai mươi mốt'."""
    if r.is_("mười"):
        r.i, tens = r.i + 1, 10
    elif _DIGIT_WORDS.get(r.key(), 0) >= 2 and r.is_("mươi", 1):
        r.i, tens = r.i + 2, _DIGIT_WORDS[r.key()] * 10
    else:
        return None
    unit = _AFTER_TENS.get(r.key())
    if unit is not None and not (tens == 10 and r.is_("mốt")):
        r.i, tens = r.i + 1, tens + unit
    return tens


def _read_group(r: _Reader, after_scale: bool) -> tuple[int, bool] | None:
    """0-999 in words: (value, bare) where bare means a lone digit word; None when none starts here."""
    digit = _DIGIT_WORDS.get(r.key())
    if digit is not None and r.is_("trăm", 1):
        r.i += 2
        return digit * 100 + (_read_linh(r) or _read_tens(r) or 0), False
    low = _read_linh(r) if after_scale else None
    if low is None:
        low = _read_tens(r)
    if low is not None:
        return low, False
    if digit is not None:
        r.i += 1
        return digit, True
    return None


def _read_chunk(r: _Reader, after_scale: bool) -> tuple[Decimal, bool] | None:
    tok = r.peek()
    if tok is not None and tok.kind == "num":
        r.i += 1
        return _digits_value(r.text, tok), True
    group = _read_group(r, after_scale)
    return None if group is None else (Decimal(group[0]), group[1])


def _read_number(r: _Reader) -> tuple[Decimal, str | None] | None:
    """The longest number here: (value, canonical scale words or None), or None when no number starts here.

    Parts are digits or words, each optionally followed by scale words. A scale word multiplies every
    part before it that has a smaller scale ('một nghìn hai trăm tỷ' = 1200 tỷ), so parts must come
    from large to small. A bare part after a scale ('một triệu hai', '1 tỷ 200') is left unread.
    """
    parts: list[tuple[Decimal, int]] = []  # (amount, scale) of finished parts, largest scale first
    scale_words: list[str] = []
    while True:
        start = r.i
        chunk = _read_chunk(r, after_scale=bool(parts))
        if chunk is None:
            break
        amount, bare = chunk
        scaled = False
        while (scale := _SCALES.get(r.key())) is not None:
            factor, canonical = scale
            inner = 1
            while parts and parts[-1][1] < factor:
                popped, popped_scale = parts.pop()
                amount, inner = amount + popped, max(inner, popped_scale)
            if parts and parts[-1][1] <= factor * inner:
                r.fail("scale words from large to small, as in 'hai tỷ năm trăm triệu' (this one repeats a scale)")
            parts.append((amount * factor, factor * inner))
            amount, scaled = Decimal(0), True
            scale_words.append(canonical)
            r.i += 1
        if not scaled:
            if parts and bare:
                r.i = start
            else:
                parts.append((amount, 1))
            break
    if not parts:
        return None
    return sum((amount for amount, _ in parts), Decimal(0)), " ".join(scale_words) or None


def _read_comparator(r: _Reader, prefix: str | None) -> str:
    """Combine a prefix qualifier already read with an optional 'trở lên'/'trở xuống' here."""
    tok = r.peek()
    suffix = r.take(_SUFFIX_QUALIFIERS)
    if prefix == "from" and suffix is None:
        r.fail("'trở lên' or 'trở xuống' closing 'từ <number>' (a range 'từ X đến Y' is not one quantity)")
    if suffix and prefix not in (None, "from"):
        r.fail("end of input: 'trở lên'/'trở xuống' cannot follow another qualifier", at=tok)
    return suffix or prefix or "="


def _read_prefix(r: _Reader) -> str | None:
    tok = r.peek()
    refused = r.take(_REFUSED_QUALIFIERS)
    if refused:
        r.fail(refused, at=tok)
    return r.take(_PREFIX_QUALIFIERS)


def parse_quantity(text: str) -> Quantity:
    """'trên 1,4 triệu' -> Quantity(1400000, '>', None, 'triệu', 'trên 1,4 triệu'); see the module docstring."""
    r = _Reader(text)
    prefix = _read_prefix(r)
    number = _read_number(r)
    if number is None:
        r.fail(_NUMBER_EXPECTED)
    value, scale = number
    unit = r.take(_UNITS)
    comparator = _read_comparator(r, prefix)
    if r.peek() is not None:
        tok, before = r.peek(), r.tokens[r.i - 1]
        if before.key in _SCALES and (tok.kind == "num" or tok.key in _DIGIT_WORDS):
            r.fail("end of input; abbreviations such as 'một triệu hai' or '1 tỷ 200' are not read: "
                   "write '1,2 triệu' or 'một triệu hai trăm nghìn'")
        options = ([] if scale or unit else [_SCALES_TEXT]) + ([] if unit else [_UNITS_TEXT])
        options += [] if comparator in (">=", "<=") else ["'trở lên'/'trở xuống'"]
        hint = "; a counted noun such as 'người' is not part of a quantity"
        if tok.key == syllable_key("năm") and before.key in (syllable_key("mươi"), syllable_key("mười")):
            hint = "; a 5 after mươi/mười is written 'lăm' ('năm' there is the word for year)"
        r.fail(", ".join(options) + " or end of input" + hint if options else "end of input" + hint)
    return Quantity(_plain(value), comparator, unit, scale, text)


# ---------------------------------------------------------------- ordinals

_ROMAN_RE = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_LETTERS = re.compile(r"[IVXLCDM]+")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_EXPECTED = ("a Roman numeral in canonical form (uppercase I V X L C D M, a symbol at most three times "
                   "in a row, only IV IX XL XC CD CM subtract; 1 to 3999)")


def _roman_value(text: str, start: int, end: int) -> int:
    stop = _ROMAN_RE.match(text, start, end).end()
    if stop == start or stop != end:
        raise NormalizationError(text, stop, _ROMAN_EXPECTED, text[stop:end])
    values = [_ROMAN_VALUES[c] for c in text[start:end]]
    return sum(-v if v < nxt else v for v, nxt in zip(values, values[1:] + [0]))


def parse_roman(text: str) -> int:
    """'XIII' -> 13. Only canonical numerals: 'IIII', 'VX', 'IC', 'xiii' and '' are errors."""
    nfc = unicodedata.normalize("NFC", text)
    return _roman_value(nfc, 0, len(nfc))


def _read_ordinal_number(r: _Reader, after_thu: bool) -> int:
    tok = r.peek()
    expected = "an ordinal: digits ('13'), a Roman numeral ('XIII')" + (
        " or words ('nhất', 'hai', 'tư', 'mười ba')" if after_thu else "")
    if tok is None:
        r.fail(expected)
    if tok.kind == "num":
        value = _digits_value(r.text, tok)
        if value != value.to_integral_value() or value < 1:
            r.fail("a whole ordinal number from 1", at=tok)
        r.i += 1
        return int(value)
    if _ROMAN_LETTERS.fullmatch(tok.text):
        r.i += 1
        return _roman_value(r.text, tok.start, tok.start + len(tok.text))
    if after_thu and (value := _ORDINAL_WORDS.get(tok.key)) is not None:
        r.i += 1
        return value
    number = _read_number(r) if after_thu else None
    if number is None:
        r.fail(expected)
    if r.tokens[r.i - 1] is tok and tok.key == syllable_key("một"):
        r.fail("'nhất': the first is 'thứ nhất', not 'thứ một'", at=tok)
    if number[0] < 1 or number[0] != number[0].to_integral_value():
        r.fail("a whole ordinal number from 1", at=tok)
    return int(number[0])


def parse_ordinal(text: str) -> int:
    """'lần thứ XIII', 'thứ 13', 'thứ mười ba', 'XIII', '13' -> 13; any words before 'thứ' are the counted noun."""
    r = _Reader(text)
    thu = next((j for j, t in enumerate(r.tokens) if t.key == syllable_key("thứ")), None)
    if thu is not None:
        for tok in r.tokens[:thu]:
            if tok.kind != "word":
                r.fail("words (the counted noun, as in 'lần thứ XIII') before 'thứ'", at=tok)
        r.i = thu + 1
    value = _read_ordinal_number(r, after_thu=thu is not None)
    r.expect_end("end of input after the ordinal")
    return value


# ---------------------------------------------------------------- dates and intervals

_PARTS_OF_DAY = _phrases({"sáng": "morning", "trưa": "noon", "chiều": "afternoon", "tối": "evening", "đêm": "night"})
_UNTIL = _phrases({"đến": True, "tới": True})
_NOW = _phrases({"nay": True, "hiện nay": True, "hiện tại": True, "bây giờ": True})
_DATE_EXPECTED = "a date: '29/7', '29/7/2025', 'ngày 29 tháng 7', 'tháng 7/2025', '7/2025' or 'năm 2025'"


@dataclass(frozen=True)
class _DateParts:
    year: int | None
    month: int | None
    day: int | None
    at: _Token  # the date's first number: calendar errors point here
    month_at: _Token | None = None  # the month (field of a D/M token, or its own token), for month errors


def _slash_date(text: str, tok: _Token, mode: str) -> _DateParts:
    """D/M, D/M/YYYY or M/YYYY; mode 'any', 'day' (after 'ngày') or 'month' (after 'tháng')."""
    fields, starts = tok.text.split("/"), [tok.start]
    for field in tok.text.split("/")[:-1]:
        starts.append(starts[-1] + len(field) + 1)

    def bad(k: int, expected: str) -> NoReturn:
        raise NormalizationError(text, k, expected)

    for field, start in zip(fields, starts):
        if not field.isdigit():
            bad(start + next((j for j, c in enumerate(field) if not c.isdigit()), 0),
                "digits between '/' (dates read D/M, D/M/YYYY or M/YYYY)")
    if len(fields) > 3:
        bad(starts[3] - 1, "end of the date after D/M/YYYY")
    if len(fields) == 3 or len(fields[1]) != 4:
        names = ["day", "month", "year"]
    else:
        names = ["month", "year"]
    if mode == "month" and names != ["month", "year"]:
        bad(tok.start, "month/year after 'tháng', as in 'tháng 7/2025'")
    if mode == "day" and names == ["month", "year"]:
        bad(tok.start, "day/month after 'ngày', as in 'ngày 29/7'")
    values = {}
    for name, field, start in zip(names, fields, starts):
        if name == "year" and len(field) != 4:
            bad(start, "a four-digit year")
        if name != "year" and len(field) > 2:
            bad(start, f"a one- or two-digit {name}" + (", or a four-digit year" if len(fields) == 2 else ""))
        values[name] = int(field)
    month_at = _Token(fields[names.index("month")], starts[names.index("month")], "num")
    return _DateParts(values.get("year"), values["month"], values.get("day"), tok, month_at)


def _read_year(r: _Reader) -> int:
    tok = r.peek()
    if tok is None or tok.kind != "num" or not tok.text.isdigit() or len(tok.text) != 4:
        r.fail("a four-digit year")
    r.i += 1
    return int(tok.text)


def _read_month(r: _Reader) -> int:
    tok = r.peek()
    if tok is not None and tok.kind == "num" and tok.text.isdigit() and len(tok.text) <= 2:
        r.i += 1
        return int(tok.text)
    if r.take_word("tư"):
        return 4
    number = _read_number(r)
    if number is None or number[0] != number[0].to_integral_value():
        r.fail("a month number, in digits or words ('7', 'bảy', 'Tư', 'mười hai')", at=tok)
    return int(number[0])


def _read_date(r: _Reader, part_of_day_allowed: bool) -> tuple[_DateParts, str | None]:
    part = r.take(_PARTS_OF_DAY) if part_of_day_allowed else None
    ngay = r.take_word("ngày")
    tok = r.peek()
    if tok is None:
        r.fail(_DATE_EXPECTED)
    if tok.kind == "num" and "/" in tok.text:
        r.i += 1
        parts = _slash_date(r.text, tok, "day" if ngay else "any")
    elif tok.kind == "num" and ngay:
        r.i += 1
        if not tok.text.isdigit() or len(tok.text) > 2:
            r.fail("a one- or two-digit day", at=tok)
        if not r.take_word("tháng"):
            r.fail("'tháng' after the day, as in 'ngày 29 tháng 7'")
        month_at, month = r.peek(), _read_month(r)
        parts = _DateParts(_read_year(r) if r.take_word("năm") else None, month, int(tok.text), tok, month_at)
    elif not ngay and r.take_word("tháng"):
        nxt = r.peek()
        if nxt is not None and nxt.kind == "num" and "/" in nxt.text:
            r.i += 1
            parts = _slash_date(r.text, nxt, "month")
        else:
            month = _read_month(r)
            parts = _DateParts(_read_year(r) if r.take_word("năm") else None, month, None, nxt, nxt)
    elif not ngay and r.take_word("năm"):
        year_at = r.peek()
        parts = _DateParts(_read_year(r), None, None, year_at)
    else:
        r.fail(_DATE_EXPECTED)
    if part and parts.day is None:
        r.fail("a day and month after a part of day, as in 'Chiều 29/7'", at=tok)
    return parts, part


def _as_date(reference: dt.date | None) -> dt.date | None:
    return reference.date() if isinstance(reference, dt.datetime) else reference


def _infer_year(r: _Reader, parts: _DateParts, reference: dt.date | None, inferred_from: str | None) -> tuple[int, str]:
    if reference is None:
        r.fail("a year: the text has none, so pass reference=<the document date> to infer it", at=parts.at)
    return reference.year, inferred_from or f"reference date {reference.isoformat()}"


def _resolve(r: _Reader, parts: _DateParts, year: int, inferred: bool) -> tuple[str, dt.date, dt.date]:
    """ISO text, first day and last day of a (partial) date; impossible dates are errors."""
    if year < 1:
        r.fail("a year from 0001", at=parts.at)
    if parts.month is None:
        return f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31)
    if not 1 <= parts.month <= 12:
        r.fail(f"a month from 1 to 12, not {parts.month}", at=parts.month_at or parts.at)
    last = calendar.monthrange(year, parts.month)[1]
    if parts.day is None:
        return f"{year:04d}-{parts.month:02d}", dt.date(year, parts.month, 1), dt.date(year, parts.month, last)
    if not 1 <= parts.day <= last:
        r.fail(f"a calendar date: {year:04d}-{parts.month:02d}{' (year inferred)' if inferred else ''} has "
               f"{last} days, so day {parts.day} does not exist", at=parts.at)
    day = dt.date(year, parts.month, parts.day)
    return day.isoformat(), day, day


def parse_date(text: str, reference: dt.date | None = None, inferred_from: str | None = None) -> TimeValue:
    """'Chiều 29/7' with reference 2025-07-29 -> date 2025-07-29, part_of_day 'afternoon', year_inferred."""
    r, reference = _Reader(text), _as_date(reference)
    parts, part = _read_date(r, part_of_day_allowed=True)
    r.expect_end("end of input after the date")
    source = None
    year = parts.year
    if year is None:
        year, source = _infer_year(r, parts, reference, inferred_from)
    iso, _, _ = _resolve(r, parts, year, inferred=source is not None)
    return TimeValue(
        kind="date" if parts.day is not None else "partial_date", value=iso, text=text, part_of_day=part,
        year_inferred=source is not None, inferred_from=source, reference_date_used=source is not None,
        reference_date=reference.isoformat() if source is not None else None,
    )


def _endpoint_year(r: _Reader, parts: _DateParts, other: _DateParts | None, reference: dt.date | None,
                   inferred_from: str | None) -> tuple[int, str | None, bool]:
    """Year of an interval endpoint, where it came from (None when written), whether the reference gave it."""
    if parts.year is not None:
        return parts.year, None, False
    if other is not None and other.year is not None:
        return other.year, f"year of the interval's other endpoint ({other.year})", False
    return (*_infer_year(r, parts, reference, inferred_from), True)


def parse_interval(text: str, reference: dt.date | None = None, inferred_from: str | None = None) -> TimeValue:
    """'từ 1/7 đến nay' with reference 2025-07-29 -> interval 2025-07-01/2025-07-29, open_ended."""
    r, reference = _Reader(text), _as_date(reference)
    if not r.take_word("từ"):
        r.fail("'từ' opening an interval ('từ 1/7 đến 15/7', 'từ 1/7 đến nay')")
    start, _ = _read_date(r, part_of_day_allowed=False)
    if not r.take(_UNTIL):
        r.fail("'đến' or 'tới' after the start date")
    now_tok = r.peek()
    open_ended = bool(r.take(_NOW))
    end = None if open_ended else _read_date(r, part_of_day_allowed=False)[0]
    r.expect_end("end of input after the interval")
    if open_ended and reference is None:
        r.fail("a reference date: 'đến nay' (until now) ends at the document date; pass reference=<date>", at=now_tok)
    s_year, s_source, s_ref = _endpoint_year(r, start, end, reference, inferred_from)
    s_iso, s_first, _ = _resolve(r, start, s_year, s_source is not None)
    if end is None:
        e_iso, e_last, e_source, e_ref = reference.isoformat(), reference, None, True
    else:
        e_year, e_source, e_ref = _endpoint_year(r, end, start, reference, inferred_from)
        e_iso, _, e_last = _resolve(r, end, e_year, e_source is not None)
    if s_first > e_last:
        r.fail(f"an interval whose start ({s_iso}) is not after its end ({e_iso})", at=end.at if end else now_tok)
    sources = list(dict.fromkeys(s for s in (s_source, e_source) if s))
    used = s_ref or e_ref
    return TimeValue(
        kind="interval", value=f"{s_iso}/{e_iso}", text=text, year_inferred=bool(sources),
        inferred_from="; ".join(sources) or None, reference_date_used=used,
        reference_date=reference.isoformat() if used else None, open_ended=open_ended,
    )


# ---------------------------------------------------------------- durations

_DURATION_UNITS = _words({"năm": 0, "tháng": 1, "tuần": 2, "ngày": 3, "giờ": 4, "tiếng": 4, "phút": 5, "giây": 6})
_DURATION_LEADS = _phrases({"sau": True, "trong": True, "trong vòng": True, "suốt": True, "qua": True})
_WEEKS = 2


def _iso_duration(parts: dict[int, Decimal]) -> str:
    def fmt(units: range, designators: str) -> str:
        return "".join(f"{format(parts[u].normalize(), 'f')}{d}" for u, d in zip(units, designators) if u in parts)

    time = fmt(range(4, 7), "HMS")
    return "P" + fmt(range(0, 4), "YMWD") + ("T" + time if time else "")


def _read_duration_amount(r: _Reader) -> Decimal | None:
    if r.take_word("nửa"):
        return Decimal("0.5")
    number = _read_number(r)
    return None if number is None else number[0]


def parse_duration(text: str) -> TimeValue:
    """'sau một tháng' -> duration P1M; 'hơn 2 năm' -> P2Y with comparator '>'."""
    r = _Reader(text)
    r.take(_DURATION_LEADS)
    prefix = _read_prefix(r)
    parts: dict[int, Decimal] = {}
    while True:
        amount_tok = r.peek()
        amount = _read_duration_amount(r)
        if amount is None:
            if not parts:
                r.fail("a duration: a number or 'nửa' and a unit ('một tháng', '2 năm', 'nửa tháng')")
            break
        unit = _DURATION_UNITS.get(r.key())
        if unit is None:
            r.fail("a duration unit (năm, tháng, tuần, ngày, giờ, tiếng, phút, giây)")
        if parts and unit <= max(parts):
            r.fail("units from large to small, each once, as in '2 năm 3 tháng'")
        if parts and _WEEKS in (unit, *parts):
            r.fail("weeks on their own ('6 tuần'): ISO 8601 does not combine W with other units")
        if parts and parts[max(parts)] != parts[max(parts)].to_integral_value():
            r.fail("no further unit after a fraction: only the last unit may have one", at=amount_tok)
        r.i += 1
        if r.is_("rưỡi"):
            if amount != amount.to_integral_value():
                r.fail("end of input: 'rưỡi' (and a half) after a whole number only")
            r.i, amount = r.i + 1, amount + Decimal("0.5")
        parts[unit] = amount
    comparator = _read_comparator(r, prefix)
    r.expect_end("end of input after the duration (a duration is a number and a unit, nothing more)")
    return TimeValue(kind="duration", value=_iso_duration(parts), text=text, comparator=comparator)


# ---------------------------------------------------------------- dispatch

def parse_time(text: str, reference: dt.date | None = None, inferred_from: str | None = None) -> TimeValue:
    """A date, partial date, interval or duration, chosen by the shape of `text` (see the module docstring)."""
    r = _Reader(text)
    keys = [t.key for t in r.tokens]
    if r.is_("từ") and any(k in (syllable_key("đến"), syllable_key("tới")) for k in keys):
        return parse_interval(text, reference, inferred_from)
    first, second = r.peek(), r.peek(1)

    def is_date_number(tok: _Token | None) -> bool:
        return tok is not None and tok.kind == "num" and "/" in tok.text

    date_like = (
        first is None
        or is_date_number(first)
        or r.is_("ngày") or r.is_("tháng")
        or (r.is_("năm") and second is not None and second.kind == "num" and len(second.text) == 4)
        or (r.take(_PARTS_OF_DAY) is not None and (r.is_("ngày") or is_date_number(r.peek())))
    )
    return parse_date(text, reference, inferred_from) if date_like else parse_duration(text)
