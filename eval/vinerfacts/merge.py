"""Bringing annotations back from an annotation tool: a merge with a report, never a silent overwrite.

Importers (`formats/*`) turn a tool's file into `ImportedAnnotations`; `merge_document` compares them
with the current annotation file and returns the merged file plus every added, changed and deleted
entity and fact. Ids are kept where the tool kept them; new items get the next free id. Anything that
cannot be mapped raises `FormatError` before anything is written.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .errors import VinerfactsError


class FormatError(VinerfactsError):
    """A tool's file that cannot be read or mapped; the message names the file, item and value."""


@dataclass
class ImportedAnnotations:
    document_id: str
    text: str  # the text the tool annotated: must equal the document's text
    entities: list[dict]  # {"id" (or None for new), "start", "end", "label", "text"}
    facts: list[dict] | None = None  # None: the format does not carry facts (the existing ones are kept)
    source: str = ""  # file (and item) it came from, for messages


@dataclass
class MergeReport:
    document_id: str
    added: list[dict] = field(default_factory=list)
    changed: list[tuple[dict, dict]] = field(default_factory=list)
    deleted: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.deleted)

    def lines(self) -> list[str]:
        def show(item):
            kind = "fact" if "slots" in item else "entity"
            label = item.get("type") if kind == "fact" else item.get("label")
            return f"{kind} {item.get('id')} [{item['start']}:{item['end']}] {label} {item.get('text', '')!r}"

        out = [f"{self.document_id}: {len(self.added)} added, {len(self.changed)} changed, {len(self.deleted)} deleted"]
        out += [f"  + {show(x)}" for x in self.added]
        out += [f"  ~ {show(old)} -> {show(new)}" for old, new in self.changed]
        out += [f"  - {show(x)}" for x in self.deleted]
        return out


def _next_id(prefix: str, existing: set[str]) -> str:
    numbers = [int(i[len(prefix):]) for i in existing if i.startswith(prefix) and i[len(prefix):].isdigit()]
    n = max(numbers, default=0) + 1
    return f"{prefix}{n:03d}"


def _merge_items(old: list[dict], new: list[dict], prefix: str, report: MergeReport) -> list[dict]:
    old_by_id = {x["id"]: x for x in old}
    used = set(old_by_id)
    merged_by_id: dict[str, dict] = {}
    extra: list[dict] = []
    for item in new:
        item = dict(item)
        if item.get("id") in old_by_id and item["id"] not in merged_by_id:
            before = old_by_id[item["id"]]
            # keep the key order of the file so that an unchanged item gives the same bytes
            item = {k: item[k] for k in before if k in item} | {k: v for k, v in item.items() if k not in before}
            if json.dumps(item, sort_keys=True, ensure_ascii=False) != json.dumps(before, sort_keys=True, ensure_ascii=False):
                report.changed.append((before, item))
            merged_by_id[item["id"]] = item
        else:
            new_id = _next_id(prefix, used)
            item = {"id": new_id, **{k: v for k, v in item.items() if k != "id"}}
            used.add(new_id)
            report.added.append(item)
            extra.append(item)
    for x in old:
        if x["id"] not in merged_by_id:
            report.deleted.append(x)
    kept = [merged_by_id[x["id"]] for x in old if x["id"] in merged_by_id]
    return kept + extra


def merge_document(current: dict, text: str, imported: ImportedAnnotations, schema) -> tuple[dict, MergeReport]:
    """The annotation file with the imported entities (and facts), and what changed."""
    if imported.text != text:
        first = next((i for i, (a, b) in enumerate(zip(imported.text, text)) if a != b), min(len(imported.text), len(text)))
        raise FormatError(
            f"{imported.source}: document {imported.document_id!r}: its text differs from annotations/documents/"
            f"{imported.document_id}.txt at offset {first} ({imported.text[first:first + 20]!r} vs {text[first:first + 20]!r}); "
            "a document's text never changes after it is added"
        )
    for e in imported.entities:
        if e["label"] not in schema.labels:
            from .registry import suggest

            close = suggest(e["label"], schema.labels)
            raise FormatError(
                f"{imported.source}: document {imported.document_id!r}: entity {e.get('id')} [{e['start']}:{e['end']}] has unknown label {e['label']!r}"
                + (f"; did you mean {close!r}?" if close else "") + f" (labels: {', '.join(schema.labels)})"
            )
        if not (0 <= e["start"] < e["end"] <= len(text)) or text[e["start"]:e["end"]] != e.get("text", text[e["start"]:e["end"]]):
            raise FormatError(
                f"{imported.source}: document {imported.document_id!r}: entity {e.get('id')} offsets [{e['start']}:{e['end']}] do not match its text {e.get('text')!r}"
            )
    report = MergeReport(imported.document_id)
    merged = dict(current)
    merged["entities"] = _merge_items(current.get("entities", []), imported.entities, "e", report)
    if imported.facts is not None:
        merged["facts"] = _merge_items(current.get("facts", []), imported.facts, "f", report)
    return merged, report
