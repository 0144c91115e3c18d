"""VLSP 2018 NER inline markup: `<ENAMEX TYPE="PERSON">Lương Cường</ENAMEX>`, nesting allowed.

Pure functions, standard library only; the CLI reads and writes the files.

    <ENAMEX TYPE="ORGANIZATION">Ban Thường vụ <ENAMEX TYPE="ORGANIZATION">Tỉnh ủy <ENAMEX TYPE="LOCATION">Quảng Ninh</ENAMEX></ENAMEX></ENAMEX>

TYPE names: PER -> PERSON, LOC -> LOCATION, ORG -> ORGANIZATION, MISC -> MISCELLANEOUS. With
`labels="fine"` the other labels keep their schema names (EVENT, DOC, TITLE), so that a round trip is
exact; with `labels="coarse"` every entity gets its VLSP class (EVENT, DOC -> MISCELLANEOUS) and
entities without one (TITLE) are left out.

Escaping: VLSP files are XML-like, so `&`, `<` and `>` in the text are written `&amp;`, `&lt;` and
`&gt;` (inside and outside tags); nothing else is changed. On import `&amp;` `&lt;` `&gt;` `&quot;`
`&apos;` and numeric references (`&#38;`, `&#x26;`) are decoded; any other `&` is kept as a literal
`&` (raw VLSP 2018 files contain unescaped ampersands), and a `<` that does not start an ENAMEX tag
is an error.

Entities of identical extent cannot be told apart by inline markup: they are written as nested tags
with the entity that comes first in the document's entity list outermost; on import the outer tag
comes first, so the order of the list survives a round trip. Partially overlapping (crossing) spans
cannot be written; validation rejects them upstream and `to_vlsp` raises FormatError if it meets one.

VLSP markup carries no ids and no facts: `from_vlsp` gives back entities (ids matched against the
`existing` entities, see there) and `facts=None`, which keeps the document's facts on merge.
"""
from __future__ import annotations

import re

from ..merge import FormatError, ImportedAnnotations

VLSP_TYPES = {"PER": "PERSON", "LOC": "LOCATION", "ORG": "ORGANIZATION", "MISC": "MISCELLANEOUS"}
TAG = "ENAMEX"
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_NAMED_REFERENCES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_REFERENCE_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);")
_ATTRIBUTE_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(\"[^\"]*\"|'[^']*')")
_TAG_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")


def vlsp_type(label: str) -> str:
    """The TYPE value of a schema label (its fine name when it has no VLSP spelling)."""
    return VLSP_TYPES.get(label, label)


def escape(text: str) -> str:
    """`&`, `<`, `>` as `&amp;`, `&lt;`, `&gt;`; everything else unchanged."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def to_vlsp(document: dict, text: str, schema, labels: str = "fine") -> str:
    """The text with inline ENAMEX tags (see the module docstring for names, escaping and ties)."""
    if labels not in ("fine", "coarse"):
        schema.map_label(next(iter(schema.labels)), labels)  # raises the package's unknown-name error
    doc_id = document.get("id", "")
    items = []
    for index, e in enumerate(document.get("entities", [])):
        if e["label"] not in schema.labels:
            raise FormatError(
                f"document {doc_id!r}: entity {e.get('id')} has unknown label {e['label']!r} (labels: {', '.join(schema.labels)})"
            )
        label = schema.map_label(e["label"], labels)
        if label is None:
            continue  # no VLSP class (TITLE in the coarse view)
        start, end = e["start"], e["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise FormatError(f"document {doc_id!r}: entity {e.get('id')} offsets [{start}:{end}] are outside the text (length {len(text)})")
        items.append((start, -end, index, vlsp_type(label), e.get("id")))
    items.sort()

    out: list[str] = []
    stack: list[tuple[int, object]] = []  # (end, id) of the open tags, innermost last
    cursor = 0

    def advance(to: int) -> None:
        nonlocal cursor
        out.append(escape(text[cursor:to]))
        cursor = to

    for start, neg_end, _, name, entity_id in items:
        end = -neg_end
        while stack and stack[-1][0] <= start:
            advance(stack.pop()[0])
            out.append(f"</{TAG}>")
        if stack and stack[-1][0] < end:
            raise FormatError(
                f"document {doc_id!r}: entity {entity_id} [{start}:{end}] crosses entity {stack[-1][1]} "
                f"(ends at {stack[-1][0]}); crossing spans cannot be written inline"
            )
        advance(start)
        out.append(f'<{TAG} TYPE="{escape(name)}">')
        stack.append((end, entity_id))
    while stack:
        advance(stack.pop()[0])
        out.append(f"</{TAG}>")
    advance(len(text))
    return "".join(out)


def _line_col(markup: str, offset: int) -> tuple[int, int]:
    line = markup.count("\n", 0, offset) + 1
    column = offset - (markup.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _decode_reference(body: str) -> str | None:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED_REFERENCES.get(body)
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return None


def _unescape(value: str) -> str:
    def replace(m: re.Match) -> str:
        decoded = _decode_reference(m.group(1))
        return m.group(0) if decoded is None else decoded

    return _REFERENCE_RE.sub(replace, value)


def from_vlsp(
    markup: str,
    schema,
    source: str,
    document_id: str,
    text: str | None = None,
    existing: list[dict] | None = None,
) -> ImportedAnnotations:
    """Entities of VLSP inline markup; the plain text is the markup without tags, unescaped.

    `text`, when given, must equal the recovered plain text (FormatError with the first differing
    offset otherwise). `existing` (the document's current entities) gives back ids: an imported
    entity keeps the id of an existing one with the same (start, end, label); the rest are then
    matched on (start, end) with an existing entity whose coarse class is the imported label (a
    coarse export coming back: EVENT exported as MISCELLANEOUS keeps its id, the label change shows
    up in the merge report). Each existing id is used once; unmatched entities get id None.
    Entities come in the order of their opening tags (start ascending, outer first). `facts` is None.
    """
    type_to_label = {vlsp_type(label): label for label in schema.labels}

    def fail(offset: int, message: str) -> FormatError:
        line, column = _line_col(markup, offset)
        return FormatError(f"{source}:{line}:{column}: {message}")

    plain: list[str] = []
    length = 0
    stack: list[tuple[int, int]] = []  # (markup offset of the opening tag, index in entities), innermost last
    entities: list[dict] = []
    i, n = 0, len(markup)
    while i < n:
        ch = markup[i]
        if ch == "&":
            m = _REFERENCE_RE.match(markup, i)
            decoded = _decode_reference(m.group(1)) if m else None
            if decoded is None:
                plain.append("&")  # a raw ampersand, kept literally
                length += 1
                i += 1
            else:
                plain.append(decoded)
                length += len(decoded)
                i = m.end()
            continue
        if ch != "<":
            j = i
            while j < n and markup[j] not in "<&":
                j += 1
            plain.append(markup[i:j])
            length += j - i
            i = j
            continue
        close = markup.find(">", i + 1)
        following = markup.find("<", i + 1)
        if close < 0 or (0 <= following < close):
            raise fail(i, f"unterminated tag or unescaped '<' (write it as &lt;): {markup[i:i + 30]!r}")
        body = markup[i + 1 : close]
        raw = markup[i : close + 1]
        if body.startswith("/"):
            name = body[1:].strip()
            if name.upper() != TAG:
                raise fail(i, f"unknown tag {raw!r} (only <{TAG} TYPE=\"...\"> and </{TAG}> are allowed)")
            if not stack:
                raise fail(i, f"unbalanced tag: closing {raw!r} without an open <{TAG}>")
            opened, index = stack.pop()
            if entities[index]["start"] == length:
                raise fail(opened, f"empty entity: {markup[opened:markup.find('>', opened) + 1]!r} encloses no text")
            entities[index]["end"] = length
            i = close + 1
            continue
        m = _TAG_NAME_RE.match(body)
        if not m or m.group(0).upper() != TAG:
            raise fail(i, f"unknown tag {raw!r} (only <{TAG} TYPE=\"...\"> and </{TAG}> are allowed; escape a literal '<' as &lt;)")
        rest = body[m.end():]
        if rest.rstrip().endswith("/"):
            raise fail(i, f"self-closing tag {raw!r}: an entity needs text between <{TAG}> and </{TAG}>")
        attributes: dict[str, str] = {}
        pos = 0
        while rest[pos:].strip():
            a = _ATTRIBUTE_RE.match(rest, pos)
            if not a:
                raise fail(i, f"malformed attributes in tag {raw!r} (expected TYPE=\"...\")")
            key = a.group(1).upper()
            if key != "TYPE":
                raise fail(i, f"unknown attribute {a.group(1)!r} in tag {raw!r} (only TYPE)")
            if key in attributes:
                raise fail(i, f"attribute TYPE given twice in tag {raw!r}")
            attributes[key] = _unescape(a.group(2)[1:-1])
            pos = a.end()
        if "TYPE" not in attributes:
            raise fail(i, f"tag {raw!r} has no TYPE attribute")
        value = attributes["TYPE"]
        if value not in type_to_label:
            import difflib

            close_match = difflib.get_close_matches(value, list(type_to_label), n=1)
            hint = f"; did you mean {close_match[0]!r}?" if close_match else ""
            raise fail(i, f"unknown TYPE {value!r}{hint} (types: {', '.join(type_to_label)})")
        label = type_to_label[value]
        stack.append((i, len(entities)))
        entities.append({"id": None, "start": length, "end": None, "label": label, "text": None})
        i = close + 1
    if stack:
        opened, _ = stack[-1]
        raise fail(opened, f"unbalanced tag: {markup[opened:markup.find('>', opened) + 1]!r} is never closed")

    plain_text = "".join(plain)
    if text is not None and plain_text != text:
        first = next((k for k, (a, b) in enumerate(zip(plain_text, text)) if a != b), min(len(plain_text), len(text)))
        raise FormatError(
            f"{source}: document {document_id!r}: the text of the markup differs from the document text at offset {first} "
            f"({plain_text[first:first + 20]!r} vs {text[first:first + 20]!r}; lengths {len(plain_text)} and {len(text)})"
        )
    for e in entities:
        e["text"] = plain_text[e["start"] : e["end"]]
    _match_ids(entities, existing or [], schema)
    return ImportedAnnotations(document_id=document_id, text=plain_text, entities=entities, facts=None, source=source)


def _match_ids(entities: list[dict], existing: list[dict], schema) -> None:
    free: dict[tuple, list[dict]] = {}
    for old in existing:
        if old.get("id") is not None:
            free.setdefault((old["start"], old["end"]), []).append(old)
    taken: set[str] = set()

    def take(e: dict, accept) -> None:
        for old in free.get((e["start"], e["end"]), []):
            if old["id"] not in taken and accept(old):
                e["id"] = old["id"]
                taken.add(old["id"])
                return

    for e in entities:
        take(e, lambda old, e=e: old["label"] == e["label"])
    for e in entities:
        if e["id"] is None:
            take(e, lambda old, e=e: old["label"] in schema.labels and schema.coarse_of(old["label"]) == e["label"])
