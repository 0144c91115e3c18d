"""A schema_version change comes with a migration of existing files."""
import json

from conftest import DOC_ID
from vinerfacts.cli import main
from vinerfacts.jsonio import dumps_annotation
from vinerfacts.validate import ERROR, validate


def _downgrade_to_1_0(root):
    """Write the files as they were in schema 1.0 (no facts, no review status)."""
    schema = root / "schema.json"
    data = json.loads(schema.read_text(encoding="utf-8"))
    data["schema_version"] = "1.0"
    for key in ("fact_types", "measures", "comparators"):
        data.pop(key)
    schema.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    for path in [root / "documents" / f"{DOC_ID}.json", *sorted((root / "raw" / DOC_ID).glob("*.json"))]:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["schema_version"] = "1.0"
        data.pop("facts")
        data.pop("status", None)
        path.write_text(dumps_annotation(data), encoding="utf-8")


def test_old_files_are_rejected_with_a_hint_then_migrated(annotations_copy, capsys):
    _downgrade_to_1_0(annotations_copy)
    problems = [str(p) for p in validate(annotations_copy) if p.severity == ERROR]
    assert problems and "schema_version '1.0' is older than 1.1: run `vinerfacts migrate`" in problems[0]
    assert main(["migrate", "--annotations", str(annotations_copy)]) == 0
    assert "4 files rewritten to schema_version 1.1" in capsys.readouterr().out
    assert [str(p) for p in validate(annotations_copy) if p.severity == ERROR] == []
    doc = json.loads((annotations_copy / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    assert doc["schema_version"] == "1.1" and doc["status"] == "gold" and doc["facts"] == []
    assert list(doc)[:5] == ["schema_version", "canary", "id", "status", "text_file"]


def test_migrating_current_files_changes_nothing(annotations_copy, capsys):
    before = {p: p.read_bytes() for p in annotations_copy.rglob("*.json")}
    assert main(["migrate", "--annotations", str(annotations_copy)]) == 0
    assert {p: p.read_bytes() for p in annotations_copy.rglob("*.json")} == before
