"""Every validation rule of `annotations/`, each with its message.

`validate(root)` returns a list of `Problem`s (errors and warnings) and never raises for bad
annotations: a problem names the file, the object (entity id, offsets) and found vs expected.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from .corpus import AnnotationPaths, read_text_file, sha256_text
from .errors import AnnotationError, SchemaError
from .jsonio import read_json, schema_errors
from .schema import SUPPORTED_SCHEMA_VERSIONS, Schema, load_schema
from .spans import Span
from .text import first_non_nfc_offset, syllable_tokens

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    severity: str
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        where = f" {self.where}:" if self.where else ""
        return f"{self.file}:{where} {self.severity}: {self.message}"


def _show(s: str, limit: int = 40) -> str:
    return repr(s if len(s) <= limit else s[: limit - 3] + "...")


class _Report:
    def __init__(self, file: Path, root: Path):
        try:
            self.file = file.relative_to(root.parent).as_posix()
        except ValueError:
            self.file = str(file)
        self.problems: list[Problem] = []

    def error(self, where: str, message: str) -> None:
        self.problems.append(Problem(ERROR, self.file, where, message))

    def warning(self, where: str, message: str) -> None:
        self.problems.append(Problem(WARNING, self.file, where, message))


def validate(root: Path) -> list[Problem]:
    """Check the whole annotations folder; errors first in file order, then warnings."""
    root = Path(root)
    paths = AnnotationPaths(root)
    try:
        schema = load_schema(paths.schema)
    except SchemaError as e:
        return [Problem(ERROR, str(paths.schema), "", str(e).removeprefix(f"{paths.schema}: "))]
    problems: list[Problem] = []
    documents: dict[str, tuple[str, list[dict]]] = {}
    files = paths.document_files()
    if not files:
        problems.append(Problem(ERROR, str(paths.documents), "", "no document annotation files (*.json) found"))
    for path in files:
        report = _Report(path, root)
        loaded = _check_document(path, schema, report)
        if loaded is not None and not any(p.severity == ERROR for p in report.problems):
            documents[loaded[0]] = loaded[1:]
        problems += report.problems
    for path in paths.raw_files():
        report = _Report(path, root)
        _check_raw(path, schema, documents, report)
        problems += report.problems
    return [p for p in problems if p.severity == ERROR] + [p for p in problems if p.severity == WARNING]


def _load(path: Path, schema_name: str, schema: Schema, report: _Report):
    try:
        data = read_json(path)
    except AnnotationError as e:
        report.error("", str(e).removeprefix(f"{path}: "))
        return None
    if not isinstance(data, dict):
        report.error("", f"expected a JSON object at the top level, found {type(data).__name__}")
        return None
    version = data.get("schema_version")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        from .schema import version_problem

        report.error("schema_version", version_problem(version))
        return None
    errors = schema_errors(data, schema_name)
    for message in errors:
        report.error("", f"does not match {schema_name}: {message}")
    if errors:
        return None
    if data["canary"] != schema.canary:
        report.error("canary", f"canary is {_show(data['canary'])}, expected the project canary {_show(schema.canary)}")
    return data


def _check_document(path: Path, schema: Schema, report: _Report):
    data = _load(path, "document.schema.json", schema, report)
    if data is None:
        return None
    if data["id"] != path.stem:
        report.error("id", f"document id {data['id']!r} does not match the file name (expected {path.stem!r})")
    text_path = path.parent / data["text_file"]
    try:
        text = read_text_file(text_path)
    except AnnotationError as e:
        report.error("text_file", str(e))
        return None
    digest = sha256_text(text)
    if digest != data["text_sha256"]:
        report.error("text_sha256", f"text file {data['text_file']} has sha256 {digest}, the annotation records {data['text_sha256']}")
    bad = first_non_nfc_offset(text)
    if bad is not None:
        report.error(
            "text",
            f"text is not NFC: offset {bad} {_show(text[bad:bad + 3])} (U+{ord(text[bad]):04X}) changes under NFC; "
            "normalize the text to NFC before annotating",
        )
    sentences = _check_segments(data["sentences"], "sentence", text, report)
    zones = _check_segments(data["zones"], "zone", text, report)
    _check_zones(data["zones"], zones, sentences, text, schema, report)
    _check_entities(data["entities"], text, schema, sentences, report, check_tokens=True)
    if data.get("status") == "gold":
        for e in data["entities"]:
            if "source" in e:
                report.error(f"entity {e['id']} [{e['start']}:{e['end']}]", f"candidate from {e['source']!r} in a document marked gold: review it (`vinerfacts review {data['id']}`) or set status to unreviewed")
    _consistency_warnings(data["entities"], text, report)
    _check_facts(data.get("facts", []), text, schema, sentences, {e["id"] for e in data["entities"]}, data["metadata"], report, check_values=True)
    return data["id"], text, data["sentences"], {e["id"] for e in data["entities"]}


def _check_raw(path: Path, schema: Schema, documents: dict, report: _Report) -> None:
    data = _load(path, "raw_annotation.schema.json", schema, report)
    if data is None:
        return
    doc_id = data["document_id"]
    if path.parent.name != doc_id:
        report.error("document_id", f"document_id {doc_id!r} does not match its folder (expected {path.parent.name!r})")
    if doc_id not in documents:
        if not (path.parents[2] / "documents" / f"{doc_id}.json").exists():
            report.error("document_id", f"no gold document {doc_id!r} in annotations/documents/")
        return  # else the gold document has errors, reported above; raw files are checked once it is sound
    text, sentence_items, _ = documents[doc_id]
    if sha256_text(text) != data["text_sha256"]:
        report.error("text_sha256", f"annotated a text with sha256 {data['text_sha256']}, the document's text has {sha256_text(text)}")
        return
    sentences = sorted((s["start"], s["end"], s["id"]) for s in sentence_items)
    _check_entities(data["entities"], text, schema, sentences, report, check_tokens=True)
    gold_entity_ids = documents[doc_id][2]
    _check_facts(data.get("facts", []), text, schema, sentences, gold_entity_ids, {}, report, check_values=False)


def _check_range(kind: str, item: dict, text: str, report: _Report) -> bool:
    start, end = item["start"], item["end"]
    where = f"{kind} {item['id']} [{start}:{end}]"
    if start < 0 or end > len(text):
        report.error(where, f"offsets out of range (expected 0 <= start < end <= {len(text)}, the text length)")
        return False
    if start >= end:
        report.error(where, f"empty or reversed span (start {start} >= end {end})")
        return False
    return True


def _check_ids(items: list[dict], kind: str, report: _Report) -> None:
    for item_id, n in Counter(i["id"] for i in items).items():
        if n > 1:
            report.error(f"{kind} {item_id}", f"duplicate {kind} id (used {n} times)")


def _check_segments(items: list[dict], kind: str, text: str, report: _Report) -> list[tuple[int, int, str]]:
    """Sentences or zones: in range, trimmed, not overlapping, covering every non-whitespace character."""
    _check_ids(items, kind, report)
    good = []
    for item in items:
        if not _check_range(kind, item, text, report):
            continue
        s, e = item["start"], item["end"]
        piece = text[s:e]
        if piece != piece.strip():
            report.error(f"{kind} {item['id']} [{s}:{e}]", f"{kind} has leading or trailing whitespace: {_show(piece)}")
        good.append((s, e, item["id"]))
    good.sort()
    for (s1, e1, i1), (s2, e2, i2) in zip(good, good[1:]):
        if s2 < e1:
            report.error(f"{kind} {i2} [{s2}:{e2}]", f"overlaps {kind} {i1} [{s1}:{e1}] ({kind}s must not overlap)")
    covered = bytearray(len(text))
    for s, e, _ in good:
        covered[s:e] = b"\1" * (e - s)
    for a, b in _uncovered_runs(text, covered):
        report.error(f"text [{a}:{b}]", f"{_show(text[a:b])} is in no {kind} (every non-whitespace character belongs to exactly one {kind})")
    return good


def _uncovered_runs(text: str, covered: bytearray) -> list[tuple[int, int]]:
    """Maximal runs of uncovered text that start and end with non-whitespace."""
    runs: list[list[int]] = []
    for i, ch in enumerate(text):
        if covered[i] or ch.isspace():
            continue
        if runs and all(text[j].isspace() and not covered[j] for j in range(runs[-1][1], i)):
            runs[-1][1] = i + 1
        else:
            runs.append([i, i + 1])
    return [(a, b) for a, b in runs]


def _check_zones(items, zones, sentences, text, schema: Schema, report: _Report) -> None:
    for item in items:
        if item["kind"] not in schema.zone_kinds:
            report.error(f"zone {item['id']}", f"unknown zone kind {item['kind']!r} (expected one of: {', '.join(schema.zone_kinds)})")
    for s, e, sid in sentences:
        inside = [zid for zs, ze, zid in zones if zs <= s and e <= ze]
        if len(inside) != 1:
            report.error(f"sentence {sid} [{s}:{e}]", f"sentence lies in {len(inside)} zones (expected exactly one)")


def _check_entities(items, text, schema: Schema, sentences, report: _Report, check_tokens: bool) -> None:
    _check_ids(items, "entity", report)
    good: list[tuple[Span, str]] = []
    token_starts = token_ends = None
    if check_tokens:
        tokens = syllable_tokens(text)
        token_starts = {s for s, _ in tokens}
        token_ends = {e for _, e in tokens}
    for item in items:
        if not _check_range("entity", item, text, report):
            continue
        s, e, label, eid = item["start"], item["end"], item["label"], item["id"]
        where = f"entity {eid} [{s}:{e}]"
        found = text[s:e]
        if item["text"] != found:
            report.error(where, f"span text {_show(item['text'])} != text[{s}:{e}] {_show(found)}")
        if found != found.strip():
            report.error(where, f"span has leading or trailing whitespace: {_show(found)}")
        if label not in schema.labels:
            from .registry import unknown_name

            report.error(where, str(unknown_name("label", label, schema.labels)))
        if check_tokens and found == found.strip():
            if s not in token_starts:
                report.error(where, f"span starts inside the token around offset {s} ({_show(text[max(0, s - 10):s + 10])}); entity boundaries must fall on syllable-token boundaries")
            if e not in token_ends:
                report.error(where, f"span ends inside the token around offset {e} ({_show(text[max(0, e - 10):e + 10])}); entity boundaries must fall on syllable-token boundaries")
        inside = [sid for ss, se, sid in sentences if ss <= s and e <= se]
        if not inside:
            report.error(where, f"entity {_show(found)} lies in no single sentence (it crosses a sentence boundary or is outside every sentence)")
        good.append((Span(s, e, label), eid))
    by_extent = defaultdict(list)
    for span, eid in good:
        by_extent[span.extent].append((span, eid))
    for extent, group in by_extent.items():
        if len(group) > 1:
            ids = ", ".join(f"{eid} ({span.label})" for span, eid in group)
            report.error(f"entity {group[1][1]} [{extent[0]}:{extent[1]}]", f"duplicate span: entities {ids} have the same offsets")
    ordered = sorted(good, key=lambda x: (x[0].start, -x[0].end))
    for i, (a, aid) in enumerate(ordered):
        for b, bid in ordered[i + 1 :]:
            if b.start >= a.end:
                break
            if a.crosses(b):
                report.error(
                    f"entity {bid} [{b.start}:{b.end}]",
                    f"crosses entity {aid} [{a.start}:{a.end}] {_show(text[a.start:a.end])} (nesting is allowed, partial overlap is not)",
                )


def _consistency_warnings(items, text: str, report: _Report) -> None:
    """The same surface string with different labels; annotated strings left unannotated elsewhere."""
    labels_by_text = defaultdict(set)
    for item in items:
        if 0 <= item["start"] < item["end"] <= len(text):
            labels_by_text[text[item["start"]:item["end"]]].add(item["label"])
    for surface, labels in sorted(labels_by_text.items()):
        if len(labels) > 1:
            report.warning(f"text {_show(surface)}", f"same string labelled differently in this document: {', '.join(sorted(labels))}")
    covered = bytearray(len(text))
    for item in items:
        if 0 <= item["start"] < item["end"] <= len(text):
            covered[item["start"]:item["end"]] = b"\1" * (item["end"] - item["start"])
    token_starts = {s for s, _ in syllable_tokens(text)}
    token_ends = {e for _, e in syllable_tokens(text)}
    for surface in sorted(labels_by_text):
        for m in re.finditer(re.escape(surface), text):
            s, e = m.start(), m.end()
            if s in token_starts and e in token_ends and not any(covered[s:e]):
                report.warning(f"text [{s}:{e}]", f"{_show(surface)} is annotated elsewhere ({', '.join(sorted(labels_by_text[surface]))}) but not here")


def _check_facts(items, text, schema: Schema, sentences, entity_ids, metadata, report: _Report, check_values: bool) -> None:
    """Fact rules. A slot lies inside its fact's evidence span, which lies inside the fact's sentence."""
    from .registry import unknown_name

    _check_ids(items, "fact", report)
    by_id = {f["id"]: f for f in items}
    sentence_by_id = {sid: (s, e) for s, e, sid in sentences}
    seen = {}
    for fact in items:
        fid, ftype = fact["id"], fact["type"]
        if not _check_range("fact", fact, text, report):
            continue
        where = f"fact {fid} [{fact['start']}:{fact['end']}]"
        evidence = text[fact["start"]:fact["end"]]
        if fact["text"] != evidence:
            report.error(where, f"evidence text {_show(fact['text'])} != text[{fact['start']}:{fact['end']}] {_show(evidence)}")
        if evidence != evidence.strip():
            report.error(where, f"evidence has leading or trailing whitespace: {_show(evidence)}")
        if fact["sentence"] not in sentence_by_id:
            report.error(where, f"unknown sentence id {fact['sentence']!r}")
        else:
            s, e = sentence_by_id[fact["sentence"]]
            if not (s <= fact["start"] and fact["end"] <= e):
                report.error(where, f"evidence is not inside its sentence {fact['sentence']} [{s}:{e}]")
        if ftype not in schema.fact_types:
            report.error(where, str(unknown_name("fact type", ftype, schema.fact_types)))
            continue
        specs = schema.fact_types[ftype]
        for name in fact["slots"]:
            if name not in specs:
                report.error(where, str(unknown_name(f"slot of a {ftype} fact", name, specs)))
        for name, spec in specs.items():
            value = fact["slots"].get(name)
            if value is None:
                if spec.required:
                    report.error(where, f"required slot {name!r} of a {ftype} fact is missing")
                continue
            if isinstance(value, list) and not spec.multiple:
                report.error(where, f"slot {name!r} takes one span, found a list of {len(value)}")
                continue
            for slot in value if isinstance(value, list) else [value]:
                _check_slot(fact, name, slot, text, schema, entity_ids, metadata, report, check_values)
        for part in fact.get("parts", []):
            if part not in by_id:
                report.error(where, f"part {part!r} is not a fact id of this document")
            elif part == fid or by_id[part]["type"] != "quantity" or ftype != "quantity":
                report.error(where, f"part {part!r}: parts link a quantity to the quantities it is the sum of")
        key = (ftype, fact["start"], fact["end"], json.dumps(fact["slots"], sort_keys=True, ensure_ascii=False))
        if key in seen:
            report.error(where, f"duplicate fact: same type, evidence and slots as fact {seen[key]}")
        seen.setdefault(key, fid)


def _check_slot(fact, name, slot, text, schema: Schema, entity_ids, metadata, report: _Report, check_values: bool) -> None:
    from .errors import VinerfactsError
    from .facts import QUANTITY_FIELDS, TIME_FIELDS, normalize_slot

    where = f"fact {fact['id']} slot {name} [{slot['start']}:{slot['end']}]"
    s, e = slot["start"], slot["end"]
    if not (0 <= s < e <= len(text)):
        report.error(where, f"offsets out of range or reversed (expected 0 <= start < end <= {len(text)})")
        return
    if slot["text"] != text[s:e]:
        report.error(where, f"slot text {_show(slot['text'])} != text[{s}:{e}] {_show(text[s:e])}")
    if not (fact["start"] <= s and e <= fact["end"]):
        report.error(where, f"slot is outside the fact's evidence span [{fact['start']}:{fact['end']}] (slots lie inside the evidence)")
    if "entity_id" in slot and slot["entity_id"] not in entity_ids:
        report.error(where, f"entity_id {slot['entity_id']!r} is not an entity of this document")
    if name == "unit" and fact["type"] == "quantity":
        if slot.get("measure") not in schema.measures:
            report.error(where, f"measure {slot.get('measure')!r} is not in the schema's measures ({', '.join(schema.measures)})")
    if not check_values:
        return
    try:
        expected = normalize_slot(fact["type"], name, slot["text"], metadata)
    except VinerfactsError as err:
        report.error(where, f"cannot normalize {_show(slot['text'])}: {err}")
        return
    for field_name in QUANTITY_FIELDS + TIME_FIELDS:
        if field_name in expected and slot.get(field_name, "<missing>") != expected[field_name]:
            report.error(where, f"{field_name} is {slot.get(field_name, '<missing>')!r}, the normalizer gives {expected[field_name]!r} for {_show(slot['text'])}")
    extra = [k for k in QUANTITY_FIELDS + TIME_FIELDS if k in slot and k not in expected]
    if extra:
        report.error(where, f"normalized fields {', '.join(extra)} do not apply to a {name} slot")


def errors_only(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]
