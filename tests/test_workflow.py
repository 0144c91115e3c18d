"""Extending the dataset: add, pre-annotate, review, export/import, release, publish."""
import json
import shutil

import pytest

from conftest import DOC_ID
from vinerfacts.build import build_dataset
from vinerfacts.errors import BuildError, VinerfactsError
from vinerfacts.workflow import add_document, preannotate, publish, release, review

NEW_TEXT = "Thủ tướng Phạm Minh Chính thăm Hà Nội\n\nSáng 1/8, Thủ tướng Phạm Minh Chính làm việc với thành phố Hà Nội. Thành phố có 126 đơn vị hành chính cấp xã.\n\nMinh Anh\n"


@pytest.fixture
def repo(tmp_path, root):
    """A private copy of the repository's data: annotations, card, results."""
    for name in ("annotations", "results", "dataset"):
        shutil.copytree(root / name, tmp_path / name)
    shutil.copy(root / "DATASET_CARD.md", tmp_path / "DATASET_CARD.md")
    return tmp_path


def _tree(path):
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_add_a_second_document_and_build(repo):
    before = _tree(repo / "annotations")
    src = repo / "new.txt"
    src.write_bytes(b"\xef\xbb\xbf" + NEW_TEXT.replace("\n", "\r\n").encode("utf-8"))
    result = add_document(repo / "annotations", src, "001_hanoi", date="2025-08-01")
    assert any("byte order mark" in c for c in result.changes) and any("CRLF" in c for c in result.changes)
    assert (repo / "annotations" / "documents" / "001_hanoi.txt").read_text(encoding="utf-8") == NEW_TEXT
    added, _ = preannotate(repo / "annotations", "001_hanoi", "rules")
    assert added >= 3
    with pytest.raises(BuildError, match="not reviewed yet.*001_hanoi"):
        build_dataset(repo / "annotations", repo / "dataset", card_path=repo / "DATASET_CARD.md")
    review(repo / "annotations", "001_hanoi")
    build_dataset(repo / "annotations", repo / "dataset", card_path=repo / "DATASET_CARD.md")
    manifest = json.loads((repo / "dataset" / "vinerfacts.json").read_text(encoding="utf-8"))
    assert manifest["configs"]["documents"]["rows"] == 2
    after = _tree(repo / "annotations")
    assert {k: v for k, v in after.items() if k in before} == before  # every earlier file unchanged
    import pyarrow.parquet as pq

    docs = {r["id"]: r for r in pq.read_table(repo / "dataset" / "documents" / "test-00000-of-00001.parquet").to_pylist()}
    gold = json.loads(before[f"documents/{DOC_ID}.json"])
    assert [(e["id"], e["start"], e["end"], e["label"]) for e in docs[DOC_ID]["entities"]] == [(e["id"], e["start"], e["end"], e["label"]) for e in gold["entities"]]


@pytest.mark.parametrize(
    "content, doc_id, fragment",
    [
        (b"", "x1", "the file is empty"),
        (b"   \n\n", "x1", "the file is empty"),
        (b"PK\x03\x04\x00\x00binary", "x1", "is NUL: this looks like a binary file"),
        ("Hà Nội".encode("cp1258", errors="replace") + b"\xff", "x1", "not UTF-8 (found byte 0x"),
        ("Văn bản mới.".encode(), DOC_ID, f"document id {DOC_ID!r} already exists"),
        ("Văn bản mới.".encode(), "bad id", "use letters, digits"),
    ],
)
def test_add_refuses_bad_input(repo, content, doc_id, fragment):
    before = _tree(repo / "annotations")
    src = repo / "in.txt"
    src.write_bytes(content)
    with pytest.raises(VinerfactsError, match=None) as e:
        add_document(repo / "annotations", src, doc_id)
    assert fragment in str(e.value)
    assert _tree(repo / "annotations") == before


def test_add_refuses_the_same_text_again(repo):
    text = (repo / "annotations" / "documents" / f"{DOC_ID}.txt").read_text(encoding="utf-8")
    import unicodedata

    src = repo / "again.txt"
    src.write_text(unicodedata.normalize("NFD", text).replace("\n", "\r\n"), encoding="utf-8", newline="")
    with pytest.raises(VinerfactsError, match=f"is already document '{DOC_ID}'"):
        add_document(repo / "annotations", src, "copy")


def test_review_refuses_an_invalid_document(repo):
    src = repo / "new.txt"
    src.write_text(NEW_TEXT, encoding="utf-8")
    add_document(repo / "annotations", src, "001_hanoi")
    path = repo / "annotations" / "documents" / "001_hanoi.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["entities"].append({"id": "e001", "start": 0, "end": 5, "label": "PERSON", "text": "Thủ t"})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(VinerfactsError, match="not valid, fix it before marking it reviewed"):
        review(repo / "annotations", "001_hanoi")


def test_release_rules_and_changelog_in_card(repo):
    with pytest.raises(VinerfactsError, match="not greater than the current 0.1.0"):
        release(repo / "annotations", "0.1.0", "same")
    with pytest.raises(VinerfactsError, match="expected MAJOR.MINOR.PATCH"):
        release(repo / "annotations", "v2", "x")
    release(repo / "annotations", "0.2.0", "Second release (test).")
    build_dataset(repo / "annotations", repo / "dataset", card_path=repo / "DATASET_CARD.md")
    card = (repo / "DATASET_CARD.md").read_text(encoding="utf-8")
    assert "- **0.2.0**: Second release (test)." in card and "Dataset version **0.2.0**" in card
    assert "version: 0.2.0" in (repo / "dataset" / "README.md").read_text(encoding="utf-8")


def test_publish_dry_run_lists_exactly_the_dataset(repo):
    files = publish(repo / "annotations", repo / "dataset", repo / "DATASET_CARD.md", "vinerfacts/vinerfacts", dry_run=True)
    assert [f["path"] for f in files] == sorted(_tree(repo / "dataset"))
    assert all(len(f["sha256"]) == 64 for f in files)


def test_publish_refuses_stale_invalid_or_unreviewed(repo):
    release(repo / "annotations", "0.2.0", "changed")  # annotations changed, dataset/ not rebuilt
    with pytest.raises(VinerfactsError, match="is stale"):
        publish(repo / "annotations", repo / "dataset", repo / "DATASET_CARD.md", "org/name", dry_run=True)
    src = repo / "new.txt"
    src.write_text(NEW_TEXT, encoding="utf-8")
    add_document(repo / "annotations", src, "001_hanoi")
    with pytest.raises(VinerfactsError, match="unreviewed documents 001_hanoi"):
        publish(repo / "annotations", repo / "dataset", repo / "DATASET_CARD.md", "org/name", dry_run=True)
    (repo / "annotations" / "documents" / "001_hanoi.json").write_text("{", encoding="utf-8")
    with pytest.raises(VinerfactsError, match="`vinerfacts validate` finds"):
        publish(repo / "annotations", repo / "dataset", repo / "DATASET_CARD.md", "org/name", dry_run=True)
    with pytest.raises(VinerfactsError, match="expected ORG/NAME"):
        publish(repo / "annotations", repo / "dataset", repo / "DATASET_CARD.md", "noslash", dry_run=True)


def test_export_conll_is_the_ner_view(repo):
    from vinerfacts.workflow import export

    (path,) = export(repo / "annotations", "conll", repo / "out")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"-DOCSTART- {DOC_ID}"
    assert "Lương\tB-PER" in lines and "Cường\tI-PER" in lines
    assert sum(1 for line in lines if line == "") == 31  # one after -DOCSTART-, one after each of the 30 sentences


@pytest.mark.parametrize("fmt", ["brat", "vlsp"])
def test_export_then_import_without_edits_changes_nothing(repo, fmt):
    from vinerfacts.workflow import export, import_annotations

    before = _tree(repo / "annotations")
    export(repo / "annotations", fmt, repo / "out")
    result = import_annotations(repo / "annotations", fmt, repo / "out")
    assert all(r.empty for r in result.reports) and result.written == []
    assert _tree(repo / "annotations") == before


def test_brat_import_applies_an_edit_and_reports_it(repo):
    from vinerfacts.workflow import export, import_annotations

    export(repo / "annotations", "brat", repo / "out")
    ann = repo / "out" / f"{DOC_ID}.ann"
    lines = ann.read_text(encoding="utf-8").splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("T") and "\tPER " in line)
    lines[k] = lines[k].replace("\tPER ", "\tLOC ", 1)
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_annotations(repo / "annotations", "brat", repo / "out")
    (report,) = result.reports
    assert len(report.changed) == 1 and not report.added and not report.deleted
    old, new = report.changed[0]
    assert old["label"] == "PER" and new["label"] == "LOC" and old["id"] == new["id"]
    doc = json.loads((repo / "annotations" / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    assert next(e for e in doc["entities"] if e["id"] == old["id"])["label"] == "LOC"


def test_import_refusals_change_nothing(repo):
    from vinerfacts.workflow import export, import_annotations

    before = _tree(repo / "annotations")
    export(repo / "annotations", "vlsp", repo / "out")
    path = repo / "out" / f"{DOC_ID}.vlsp.txt"
    original = path.read_text(encoding="utf-8")
    for broken, fragment in (
        (original.replace('TYPE="PERSON"', 'TYPE="PERSN"', 1), "PERSN"),
        (original.replace("Chiều 29/7", "Chiều 30/7", 1), "differs from the document text at offset 250"),
    ):
        path.write_text(broken, encoding="utf-8")
        with pytest.raises(VinerfactsError) as e:
            import_annotations(repo / "annotations", "vlsp", repo / "out")
        assert fragment in str(e.value)
        assert _tree(repo / "annotations") == before


def test_label_studio_round_trip_and_edit_through_the_cli(repo, capsys):
    from vinerfacts.cli import main

    before = _tree(repo / "annotations")
    ann = str(repo / "annotations")
    assert main(["export", "--annotations", ann, "--format", "label-studio", str(repo / "ls")]) == 0
    assert (repo / "ls" / "labeling_config.xml").exists()
    assert main(["import", "--annotations", ann, "--format", "label-studio", str(repo / "ls" / "tasks.json")]) == 0
    assert _tree(repo / "annotations") == before  # no edits: byte-identical
    assert "0 added, 0 changed, 0 deleted" in capsys.readouterr().out
    tasks = json.loads((repo / "ls" / "tasks.json").read_text(encoding="utf-8"))
    result = tasks[0]["annotations"][0]["result"]
    region = next(r for r in result if r.get("id") == "e002")
    region["value"]["labels"] = ["LOC"]  # the annotator's edit in Label Studio
    (repo / "ls" / "edited.json").write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert main(["import", "--annotations", ann, "--format", "label-studio", str(repo / "ls" / "edited.json")]) == 0
    out = capsys.readouterr().out
    assert "0 added, 1 changed, 0 deleted" in out and "entity e002 [14:25] PER 'Lương Cường' -> entity e002 [14:25] LOC" in out
    doc = json.loads((repo / "annotations" / "documents" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    assert next(e for e in doc["entities"] if e["id"] == "e002")["label"] == "LOC"
