"""A transparent rule and gazetteer baseline: an honest, explainable floor.

It knows no string of the annotated article beyond generic patterns and the gazetteer:
- LOC: every province and commune-level unit in the `vietnam-provinces` package (after the July 2025
  reorganisation), matched case-sensitively after putting tone marks in one canonical place; a
  lowercase administrative noun right before a match (tỉnh, thành phố, xã, ...) joins the span.
- PER: 2-4 capitalized syllables after a person title or after a photo credit `Ảnh:`; a line that is
  only 2-4 capitalized syllables (a byline).
- ORG: party and state bodies (`Ban ...`, `Tỉnh ủy <place>`, `Ủy ban nhân dân <place>`, `Bộ ...`,
  `Sở ...`), standalone capitalized `Đảng`, and all-caps acronyms of 2-6 letters.
- MISC: capitalized `Nghị quyết`, `Luật`, `Nghị định` or `Đại hội` followed by a name or an ordinal.
Rules emit nested spans where the pattern nests (an ORG that ends in a gazetteer LOC keeps the LOC).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..text import canonical_tones
from .base import Prediction, SystemInfo

VERSION = "rules-1"
# Explicit letter classes: a range such as À-Ỹ would also contain lowercase letters.
UPPER = "".join(c for c in map(chr, range(0x41, 0x1EFA)) if c.isalpha() and c.isupper() and "LATIN" in __import__("unicodedata").name(c, ""))
LOWER = "".join(c for c in map(chr, range(0x61, 0x1EFA)) if c.isalpha() and c.islower() and "LATIN" in __import__("unicodedata").name(c, ""))
CAP = rf"[{UPPER}][{LOWER}]*"  # a capitalized syllable
LOW = rf"[{LOWER}]+"  # a lowercase syllable
NAME_WORD = rf"{CAP}(?: {LOW})?"  # Thường vụ, Tỉnh ủy, Đại hội: a capitalized word of one or two syllables

PERSON_TITLES = (
    "Chủ tịch nước", "Phó Chủ tịch nước", "Tổng Bí thư", "Thủ tướng", "Phó Thủ tướng", "Chủ tịch Quốc hội",
    "Bộ trưởng", "Thứ trưởng", "Bí thư", "Phó Bí thư", "Chủ tịch", "Phó Chủ tịch", "Giám đốc", "Đại tướng",
    "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại sứ", "đồng chí", "ông", "bà", "anh", "chị",
)
ADMIN_NOUNS = ("thành phố", "tỉnh", "huyện", "quận", "thị xã", "xã", "phường", "thị trấn", "đặc khu")
ORG_HEADS = ("Ban", "Bộ", "Sở", "Ủy ban nhân dân", "Hội đồng nhân dân", "Mặt trận Tổ quốc", "Đảng ủy")
PARTY_COMMITTEES = ("Tỉnh ủy", "Thành ủy", "Huyện ủy", "Quận ủy", "Thị ủy")
DOC_HEADS = ("Nghị quyết", "Luật", "Nghị định", "Chỉ thị", "Quyết định")
ROMAN = r"[IVXLCDM]+"


@lru_cache(maxsize=1)
def gazetteer() -> tuple[tuple[str, ...], str]:
    """Place names without their type prefix, in canonical tone placement, longest first; and the source."""
    from importlib.metadata import version

    from vietnam_provinces import Province, Ward

    prefixes = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ", "Thị trấn ")
    names = set()
    for unit in list(Province.iter_all()) + list(Ward.iter_all()):
        name = unit.name
        for prefix in prefixes:
            if name.startswith(prefix):
                name = name[len(prefix):]
        if len(name.split()) >= 2 or name[:1].isupper() and len(name) > 3:
            names.add(canonical_tones(name))
    names.add("Việt Nam")
    return tuple(sorted(names, key=lambda n: (-len(n), n))), f"vietnam-provinces-{version('vietnam-provinces')}"


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns():
    names, _ = gazetteer()
    place = rf"(?:{_alternation(names)})(?![^\W_])"
    admin = rf"(?:(?:{_alternation(ADMIN_NOUNS)}) )?"
    return {
        "loc": re.compile(rf"(?<![^\W_]){admin}(?P<name>{place})"),
        "per_title": re.compile(rf"(?<![^\W_])(?:{_alternation(PERSON_TITLES)}) (?P<name>{CAP}(?: {CAP}){{1,3}})(?![^\W_])"),
        "credit": re.compile(rf"Ảnh: (?P<name>{CAP}(?: {CAP}){{1,3}})(?:/(?P<org>[{UPPER}]{{2,8}}))?"),
        "byline": re.compile(rf"^(?P<name>{CAP}(?: {CAP}){{1,3}})$", re.M),
        "committee": re.compile(rf"(?<![^\W_])(?:{_alternation(PARTY_COMMITTEES)}) (?P<place>{place})"),
        "org_head": re.compile(rf"(?<![^\W_])(?:{_alternation(ORG_HEADS)})(?: {NAME_WORD})+(?![^\W_])"),
        "party": re.compile(r"(?<![^\W_])Đảng(?! bộ| ủy| viên)(?![^\W_])"),
        "acronym": re.compile(rf"(?<![^\W_])[{UPPER}]{{2,6}}(?![^\W_])"),
        "doc": re.compile(rf"(?<![^\W_])(?:{_alternation(DOC_HEADS)})(?: (?:{NAME_WORD}|lần thứ {ROMAN}|của|số [0-9/-]+[A-Z-]*))+(?![^\W_])"),
        "event": re.compile(rf"(?<![^\W_])Đại hội(?: (?:{CAP}|lần thứ {ROMAN}|của))+(?![^\W_])"),
    }


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop trailing lowercase syllables a greedy pattern swallowed (`... Quảng Ninh về`, `... của`)."""
    words = text[start:end].split(" ")
    while len(words) > 1 and words[-1][:1].islower():
        words.pop()
    while len(words) > 1 and words[-1] == "của":
        words.pop()
    return start, start + len(" ".join(words))


def find_entities(text: str) -> list[tuple[int, int, str]]:
    canon = canonical_tones(text)  # same length: offsets carry over
    p = _patterns()
    spans: set[tuple[int, int, str]] = set()
    for m in p["loc"].finditer(canon):
        spans.add((m.start(), m.end(), "LOC"))
    for m in p["per_title"].finditer(canon):
        if not p["loc"].fullmatch(canon, m.start("name"), m.end("name")):
            spans.add((m.start("name"), m.end("name"), "PER"))
    for m in p["credit"].finditer(canon):
        spans.add((m.start("name"), m.end("name"), "PER"))
        if m.group("org"):
            spans.add((m.start("org"), m.end("org"), "ORG"))
    for m in p["byline"].finditer(canon):
        # A line that is only a name is a byline: a person, even when a place has the same name.
        spans = {x for x in spans if not (m.start() <= x[0] < m.end())}
        spans.add((m.start("name"), m.end("name"), "PER"))
    for m in p["committee"].finditer(canon):
        spans.add((m.start(), m.end(), "ORG"))
    for m in p["org_head"].finditer(canon):
        spans.add((*_trim(canon, m.start(), m.end()), "ORG"))
    for m in p["party"].finditer(canon):
        spans.add((m.start(), m.end(), "ORG"))
    for m in p["acronym"].finditer(canon):
        if not re.fullmatch(ROMAN, m.group()):  # XIII is an ordinal, not an agency
            spans.add((m.start(), m.end(), "ORG"))
    for name in ("doc", "event"):
        for m in p[name].finditer(canon):
            s, e = _trim(canon, m.start(), m.end())
            spans.add((s, e, "MISC"))
    return _drop_crossing(sorted(spans, key=lambda x: (x[0], -x[1], x[2])))


def _drop_crossing(spans):
    """Keep nesting, drop a span that partly overlaps an earlier, longer one (rules can collide)."""
    kept = []
    for s, e, label in spans:
        clash = any(
            (ks < s < ke < e) or (s < ks < e < ke) or (ks == s and ke == e) for ks, ke, _ in kept
        )
        if not clash:
            kept.append((s, e, label))
    return kept


class RulesSystem:
    info = SystemInfo("rules", "transparent rules + vietnam-provinces gazetteer (no article strings)", offline=True)

    def __init__(self, label_map: dict | None = None):
        self.label_map = dict(label_map or {})

    def version(self) -> str:
        """Changes with any edit of the rules (a hash of this module) or of the gazetteer package."""
        import hashlib
        from pathlib import Path

        _, source = gazetteer()
        digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
        return f"{VERSION}.{digest}+{source}"

    def settings(self) -> dict:
        return {"person_titles": len(PERSON_TITLES), "gazetteer": gazetteer()[1], "label_map": self.label_map}

    def predict(self, documents: list[dict]) -> list[Prediction]:
        out = []
        for doc in documents:
            text = doc["text"]
            entities = []
            for s, e, label in find_entities(text):
                label = self.label_map.get(label, label)
                if label is not None:
                    entities.append({"start": s, "end": e, "label": label, "text": text[s:e]})
            out.append(Prediction(doc["id"], entities))
        return out
