"""The label schema (`annotations/schema.json`): entity labels, their VLSP coarse class, zone kinds."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import SchemaError

from .migrations import CURRENT_SCHEMA_VERSION, MIGRATIONS

SUPPORTED_SCHEMA_VERSIONS = (CURRENT_SCHEMA_VERSION,)
COARSE_LABELS = ("PER", "LOC", "ORG", "MISC")
LABEL_SETS = ("coarse", "fine")


@dataclass(frozen=True)
class Label:
    name: str
    coarse: str | None
    description: str


@dataclass(frozen=True)
class SlotSpec:
    name: str
    required: bool
    multiple: bool
    description: str


@dataclass(frozen=True)
class Schema:
    version: str
    labels: dict[str, Label]
    zone_kinds: tuple[str, ...]
    canary: str
    path: Path | None = None
    fact_types: dict[str, dict[str, SlotSpec]] | None = None
    measures: tuple[str, ...] = ()
    comparators: tuple[str, ...] = ()

    def coarse_of(self, label: str) -> str | None:
        return self.labels[label].coarse

    def label_names(self, label_set: str) -> list[str]:
        if label_set == "fine":
            return list(self.labels)
        if label_set == "coarse":
            return list(COARSE_LABELS)
        from .registry import unknown_name

        raise unknown_name("label set", label_set, LABEL_SETS)

    def map_label(self, label: str, label_set: str) -> str | None:
        """The label in `label_set`, or None when the label has no class there (TITLE in coarse)."""
        if label_set == "fine":
            return label
        if label_set == "coarse":
            return self.coarse_of(label)
        from .registry import unknown_name

        raise unknown_name("label set", label_set, LABEL_SETS)


def version_problem(version) -> str:
    if version in MIGRATIONS:
        return f"schema_version {version!r} is older than {CURRENT_SCHEMA_VERSION}: run `vinerfacts migrate` to rewrite the files"
    return f"unknown schema_version {version!r} (expected one of: {', '.join(SUPPORTED_SCHEMA_VERSIONS)})"


def load_schema(path: Path) -> Schema:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemaError(f"{path}: label schema file not found") from None
    except json.JSONDecodeError as e:
        raise SchemaError(f"{path}:{e.lineno}:{e.colno}: not valid JSON: {e.msg}") from None
    version = data.get("schema_version")
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        raise SchemaError(f"{path}: {version_problem(version)}")
    labels: dict[str, Label] = {}
    for i, item in enumerate(data.get("entity_labels", [])):
        name, coarse = item.get("name"), item.get("coarse")
        if not isinstance(name, str) or not name:
            raise SchemaError(f"{path}: entity_labels[{i}] has no name")
        if coarse is not None and coarse not in COARSE_LABELS:
            raise SchemaError(
                f"{path}: label {name!r} has coarse class {coarse!r} (expected one of {', '.join(COARSE_LABELS)} or null)"
            )
        if name in labels:
            raise SchemaError(f"{path}: label {name!r} is declared twice")
        labels[name] = Label(name, coarse, item.get("description", ""))
    if not labels:
        raise SchemaError(f"{path}: declares no entity_labels")
    zone_kinds = tuple(z["name"] for z in data.get("zone_kinds", []))
    canary = data.get("canary")
    if not isinstance(canary, str) or not canary:
        raise SchemaError(f"{path}: no canary string")
    fact_types = {}
    for item in data.get("fact_types", []):
        fact_types[item["name"]] = {
            name: SlotSpec(name, bool(spec.get("required")), bool(spec.get("multiple")), spec.get("description", ""))
            for name, spec in item.get("slots", {}).items()
        }
    measures = tuple(m["name"] for m in data.get("measures", []))
    comparators = tuple(data.get("comparators", []))
    return Schema(version, labels, zone_kinds, canary, path, fact_types, measures, comparators)
