"""Reading JSON inputs with errors that name the file, line and column; checking them against our schemas."""
from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import AnnotationError


def read_json(path: Path) -> Any:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AnnotationError(f"{path}: file not found") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AnnotationError(f"{path}: byte {e.start}: not UTF-8 (found byte 0x{raw[e.start]:02x})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise AnnotationError(f"{path}: line {e.lineno} column {e.colno}: not valid JSON: {e.msg}") from None


@lru_cache(maxsize=None)
def published_schema(name: str) -> dict:
    """One of the JSON Schemas shipped in `vinerfacts/schemas/` (e.g. `document.schema.json`)."""
    return json.loads(resources.files("vinerfacts").joinpath("schemas", name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _validator(name: str):
    import jsonschema
    from referencing import Registry, Resource

    registry = Registry()
    for other in resources.files("vinerfacts").joinpath("schemas").iterdir():
        if other.name.endswith(".schema.json"):
            contents = json.loads(other.read_text(encoding="utf-8"))
            registry = registry.with_resource(contents["$id"], Resource.from_contents(contents))
    schema = published_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, registry=registry)


def schema_errors(instance: Any, schema_name: str) -> list[str]:
    """Every violation of the published schema, as `path: message`, in a stable order."""
    errors = sorted(_validator(schema_name).iter_errors(instance), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    out = []
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path) or "(top level)"
        out.append(f"{where}: {e.message}")
    return out


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to a temporary sibling, then rename it over `path`: readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def dumps_annotation(data: dict) -> str:
    """The canonical layout of annotation files: top-level keys one per line, each list item on one line.

    Hand edits stay readable and diffs stay one line per entity; writing the same data twice gives
    the same bytes.
    """
    lines = ["{"]
    keys = list(data)
    for k, key in enumerate(keys):
        value = data[key]
        comma = "," if k < len(keys) - 1 else ""
        name = json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value:
            lines.append(f"  {name}: [")
            for i, item in enumerate(value):
                sep = "," if i < len(value) - 1 else ""
                lines.append(f"    {json.dumps(item, ensure_ascii=False)}{sep}")
            lines.append(f"  ]{comma}")
        elif isinstance(value, dict) and value:
            inner = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
            lines.append(f"  {name}: {inner}{comma}")
        else:
            lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
