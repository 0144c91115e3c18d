"""Schema versions of the annotation files, and the migration of existing files to the current one.

Every change of `schema_version` comes with a function here that rewrites files of the previous
version; `vinerfacts migrate` applies them in order, and `validate` rejects files of an older version
with a hint to run it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

CURRENT_SCHEMA_VERSION = "1.1"


def _1_0_to_1_1(kind: str, data: dict) -> dict:
    """1.1 added the fact layer (document `facts`, schema `fact_types`/`measures`/`comparators`) and the
    review status of a document (`status`: gold | unreviewed; entities may carry a candidate `source`)."""
    out: dict = {}
    for key, value in data.items():
        out[key] = value
        if kind == "document" and key == "id":
            out["status"] = data.get("status", "gold")
    out["schema_version"] = "1.1"
    if kind in ("document", "raw"):
        out.setdefault("facts", [])
    if kind == "schema":
        out.setdefault("fact_types", [])
        out.setdefault("measures", [])
        out.setdefault("comparators", ["=", ">", ">=", "<", "<=", "~"])
    return out


# from-version -> (to-version, function(kind, data) -> data)
MIGRATIONS: dict[str, tuple[str, Callable[[str, dict], dict]]] = {"1.0": ("1.1", _1_0_to_1_1)}


def migrate_data(kind: str, data: dict) -> tuple[dict, list[str]]:
    """Data of any known older version, migrated to the current one; and the versions it went through."""
    steps = []
    while data.get("schema_version") in MIGRATIONS:
        target, func = MIGRATIONS[data["schema_version"]]
        steps.append(f"{data['schema_version']}->{target}")
        data = func(kind, data)
    return data, steps


def migrate_tree(root: Path) -> list[tuple[Path, list[str]]]:
    """Rewrite every annotation file of `root` to the current schema version; returns what changed."""
    from .corpus import AnnotationPaths
    from .jsonio import dumps_annotation, read_json, write_text_atomic

    paths = AnnotationPaths(root)
    changed = []
    files = [(paths.schema, "schema")] + [(p, "document") for p in paths.document_files()] + [(p, "raw") for p in paths.raw_files()]
    for path, kind in files:
        data = read_json(path)
        new, steps = migrate_data(kind, data)
        if steps:
            text = json.dumps(new, ensure_ascii=False, indent=2) + "\n" if kind == "schema" else dumps_annotation(new)
            write_text_atomic(path, text)
            changed.append((path, steps))
    return changed
