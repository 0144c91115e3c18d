from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC_ID = "000_d08f880c9ee73c57"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def corpus():
    from vinerfacts.corpus import load_corpus

    return load_corpus(ROOT / "annotations")


@pytest.fixture
def annotations_copy(tmp_path) -> Path:
    """A private copy of annotations/ that a test may break."""
    dest = tmp_path / "annotations"
    shutil.copytree(ROOT / "annotations", dest)
    return dest


class Editable:
    """Load, mutate and save one annotation JSON file of a copied annotations folder."""

    def __init__(self, path: Path):
        self.path = path
        self.data = json.loads(path.read_text(encoding="utf-8"))

    def save(self) -> None:
        from vinerfacts.jsonio import dumps_annotation

        self.path.write_text(dumps_annotation(self.data), encoding="utf-8")

    def entity(self, entity_id: str) -> dict:
        return next(e for e in self.data["entities"] if e["id"] == entity_id)


@pytest.fixture
def gold_doc(annotations_copy) -> Editable:
    return Editable(annotations_copy / "documents" / f"{DOC_ID}.json")
