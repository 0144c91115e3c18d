"""The harness's primary input: one JSON object per line and document, character-offset spans.

    {"id": "...", "text": "... (optional)", "entities": [{"start": 0, "end": 5, "label": "PER", "text": "(optional)"}], "facts": [...]}

Offsets refer to the line's `text`, or to the gold text when `text` is absent. The JSON Schema is
`vinerfacts/schemas/predictions.schema.json`; every line is checked against it and errors name the
file, the line, the document id and the offending value.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import VinerfactsError
from ..jsonio import schema_errors


class PredictionFileError(VinerfactsError):
    """A prediction file that cannot be read; the message names the file and line."""


@dataclass
class PredictedEntity:
    start: int
    end: int
    label: str
    text: str | None = None


@dataclass
class PredictedDocument:
    id: str
    text: str | None
    entities: list[PredictedEntity]
    facts: list[dict] = field(default_factory=list)
    line: int = 0
    unaligned: list[dict] = field(default_factory=list)  # spans the system could not place: false positives


def iter_documents(path: Path) -> Iterator[PredictedDocument]:
    path = Path(path)
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise PredictionFileError(f"{path}: file not found") from None
    seen: dict[str, int] = {}
    any_doc = False
    with handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise PredictionFileError(f"{path}:{number}: byte {e.start} of the line is not UTF-8 (0x{raw[e.start]:02x})") from None
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as e:
                raise PredictionFileError(f"{path}:{number}: column {e.colno}: not valid JSON: {e.msg}") from None
            problems = schema_errors(data, "predictions.schema.json")
            if problems:
                doc = data.get("id") if isinstance(data, dict) else None
                raise PredictionFileError(f"{path}:{number}: document {doc!r}: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
            doc_id = data["id"]
            if doc_id in seen:
                raise PredictionFileError(f"{path}:{number}: document {doc_id!r} already given on line {seen[doc_id]}")
            seen[doc_id] = number
            text = data.get("text")
            entities = []
            for k, e in enumerate(data["entities"]):
                if text is not None:
                    _check_span(path, number, doc_id, k, e, text)
                entities.append(PredictedEntity(e["start"], e["end"], e["label"], e.get("text")))
            any_doc = True
            yield PredictedDocument(doc_id, text, entities, data.get("facts", []), number, data.get("unaligned", []))
    if not any_doc:
        raise PredictionFileError(f"{path}: no documents (the file is empty; expected one JSON object per line)")


def _check_span(path, number, doc_id, k, e, text) -> None:
    start, end = e["start"], e["end"]
    if not (0 <= start < end <= len(text)):
        raise PredictionFileError(
            f"{path}:{number}: document {doc_id!r}: entities[{k}] offsets [{start}:{end}] out of range (expected 0 <= start < end <= {len(text)})"
        )
    if e.get("text") is not None and text[start:end] != e["text"]:
        raise PredictionFileError(
            f"{path}:{number}: document {doc_id!r}: entities[{k}] text {e['text']!r} != text[{start}:{end}] {text[start:end]!r}"
        )


def read_documents(path: Path) -> list[PredictedDocument]:
    return list(iter_documents(path))


def write_documents(path: Path, documents: list[dict]) -> None:
    """One line per document, keys in a fixed order, so that the same predictions give the same bytes."""
    with open(path, "w", encoding="utf-8") as f:
        for doc in documents:
            f.write(json.dumps(doc, ensure_ascii=False, sort_keys=False) + "\n")
