"""The Hugging Face dataset: deterministic, atomic, loadable offline, and a faithful derivation of the gold."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vinerfacts.build import build_dataset
from vinerfacts.derive import view_spans
from vinerfacts.errors import BuildError, ValidationFailed
from vinerfacts.tags import iob2_to_token_spans, token_spans_to_spans

CONFIGS = ("documents", "facts", "ner", "ner_words", "raw_annotations")


def _tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _card_workdir(root, work):
    """The card and what its generated blocks read (results/), copied so that builds never touch the repo."""
    shutil.copy(root / "DATASET_CARD.md", work / "DATASET_CARD.md")
    if (root / "results").exists():  # the leaderboard block comes from results/leaderboard.json
        shutil.copytree(root / "results", work / "results")


@pytest.fixture(scope="module")
def fresh_build(tmp_path_factory, root):
    """A build of the committed annotations into a temporary folder (the card copied, not touched)."""
    work = tmp_path_factory.mktemp("build")
    _card_workdir(root, work)
    out = work / "dataset"
    build_dataset(root / "annotations", out, card_path=work / "DATASET_CARD.md")
    return work


def test_build_is_byte_identical_when_run_twice(fresh_build, root, tmp_path):
    _card_workdir(root, tmp_path)
    build_dataset(root / "annotations", tmp_path / "dataset", card_path=tmp_path / "DATASET_CARD.md")
    assert _tree(tmp_path / "dataset") == _tree(fresh_build / "dataset")


def test_committed_dataset_equals_a_fresh_build(fresh_build, root):
    committed, fresh = _tree(root / "dataset"), _tree(fresh_build / "dataset")
    assert sorted(committed) == sorted(fresh)
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"dataset/ is stale, run `vinerfacts build` and commit: {stale}"


def test_committed_card_is_fresh(fresh_build, root):
    assert (fresh_build / "DATASET_CARD.md").read_text(encoding="utf-8") == (root / "DATASET_CARD.md").read_text(
        encoding="utf-8"
    ), "DATASET_CARD.md's generated blocks are stale: run `vinerfacts build` and commit"


def test_failed_build_leaves_previous_folder_intact(fresh_build, tmp_path, monkeypatch, root):
    out = tmp_path / "dataset"
    shutil.copytree(fresh_build / "dataset", out)
    (out / "marker").write_text("previous build")
    before = _tree(out)
    import vinerfacts.build as build_module

    real_write = build_module._write_dataset

    def write_then_fail(corpus, digest, tmp, card):
        real_write(corpus, digest, tmp, card)  # everything written to the temporary folder...
        raise RuntimeError("disk full")  # ...then the build dies before the swap

    monkeypatch.setattr(build_module, "_write_dataset", write_then_fail)
    shutil.copy(root / "DATASET_CARD.md", tmp_path / "DATASET_CARD.md")
    with pytest.raises(BuildError, match="disk full"):
        build_dataset(root / "annotations", out, card_path=tmp_path / "DATASET_CARD.md")
    assert _tree(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dataset")] == []


def test_invalid_annotations_do_not_build(annotations_copy, gold_doc, tmp_path, root):
    gold_doc.data["entities"][0]["label"] = "NOPE"
    gold_doc.save()
    with pytest.raises(ValidationFailed, match="unknown label 'NOPE'"):
        build_dataset(annotations_copy, tmp_path / "dataset", card_path=root / "DATASET_CARD.md")
    assert not (tmp_path / "dataset").exists()


LOAD_SCRIPT = r"""
import json, sys
from datasets import load_dataset
out = {}
for config in sys.argv[2:]:
    ds = load_dataset(sys.argv[1], config, split="test")
    out[config] = {"rows": ds.to_list(), "features": repr(ds.features),
                   "names": ds.features["ner_tags"].feature.names if "ner_tags" in ds.features else None}
print(json.dumps(out, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, root):
    """load_dataset on a copy of dataset/ in an empty directory, offline, in a fresh interpreter."""
    work = tmp_path_factory.mktemp("load")
    shutil.copytree(root / "dataset", work / "dataset")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(work / "hf"), "HF_DATASETS_CACHE": str(work / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", LOAD_SCRIPT, str(work / "dataset"), *CONFIGS], cwd=work, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_every_config_loads_with_declared_class_labels(loaded, corpus):
    from vinerfacts.derive import IOB2_COARSE_NAMES

    assert IOB2_COARSE_NAMES == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC"]
    for config in ("ner", "ner_words"):
        assert loaded[config]["names"] == IOB2_COARSE_NAMES
        assert "ClassLabel" in loaded[config]["features"]
        assert len(loaded[config]["rows"]) == sum(len(d.sentences) for d in corpus.documents)
    assert len(loaded["documents"]["rows"]) == len(corpus.documents)
    assert {r["annotator"] for r in loaded["raw_annotations"]["rows"]} == {"A", "B"}


def test_every_entity_text_equals_its_offsets(loaded):
    for doc in loaded["documents"]["rows"]:
        assert doc["entities"], "no entities loaded"
        for e in doc["entities"]:
            assert doc["text"][e["start"]:e["end"]] == e["text"]
        for s in doc["sentences"]:
            assert doc["text"][s["start"]:s["end"]].strip() == doc["text"][s["start"]:s["end"]]
    for raw in loaded["raw_annotations"]["rows"]:
        text = next(d["text"] for d in loaded["documents"]["rows"] if d["id"] == raw["document_id"])
        assert all(text[e["start"]:e["end"]] == e["text"] for e in raw["entities"])


def test_documents_config_matches_gold(loaded, corpus):
    for row in loaded["documents"]["rows"]:
        doc = corpus.document(row["id"])
        assert row["text"] == doc.text and row["text_sha256"] == doc.text_sha256
        assert [(e["id"], e["start"], e["end"], e["label"]) for e in row["entities"]] == [
            (e.id, e.start, e.end, e.label) for e in doc.entities
        ]
        by_id = {e["id"]: e for e in row["entities"]}
        for e in row["entities"]:
            if e["parent"] is not None:
                parent = by_id[e["parent"]]
                assert parent["start"] <= e["start"] and e["end"] <= parent["end"]
        assert row["canary"] == corpus.schema.canary
        assert row["url"] is None and row["event_date"] == "2025-07-29" and row["event_date_inferred"] is True


def _round_trip(loaded_rows, corpus, config, tag_field, view):
    from vinerfacts.derive import IOB2_COARSE_NAMES

    checked = 0
    for doc in corpus.documents:
        rows = [r for r in loaded_rows if r["document_id"] == doc.id]
        assert len(rows) == len(doc.sentences)
        gold = view_spans(doc, corpus.schema, view, "coarse")
        for row, sent in zip(rows, doc.sentences):
            offsets = list(zip(row["token_starts"], row["token_ends"]))
            if config == "ner":
                assert [doc.text[s:e] for s, e in offsets] == row["tokens"]
            else:
                assert ["_".join(doc.text[s:e].split()) for s, e in offsets] == row["tokens"]
            tags = [IOB2_COARSE_NAMES[i] for i in row[tag_field]]
            decoded = token_spans_to_spans(offsets, iob2_to_token_spans(tags))
            expected = [s for s in gold if sent.start <= s.start and s.end <= sent.end]
            assert sorted(decoded) == sorted(expected), (row["id"], tags)
            checked += len(expected)
    return checked


@pytest.mark.parametrize("config", ["ner", "ner_words"])
@pytest.mark.parametrize("tag_field, view", [("ner_tags", "outermost"), ("ner_tags_inner", "innermost")])
def test_tags_round_trip_to_gold_spans(loaded, corpus, config, tag_field, view):
    assert _round_trip(loaded[config]["rows"], corpus, config, tag_field, view) > 20


def test_word_tokens_cover_the_sentence(loaded, corpus):
    for row in loaded["ner_words"]["rows"]:
        doc = corpus.document(row["document_id"])
        covered = "".join(doc.text[s:e] for s, e in zip(row["token_starts"], row["token_ends"]))
        assert covered.replace(" ", "") == row["text"].replace(" ", "").replace("\n", "")


def test_yaml_writes_sequence_for_lists_of_values(root):
    import yaml

    readme = (root / "dataset" / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(readme.split("---\n")[1])
    ner = next(c for c in meta["dataset_info"] if c["config_name"] == "ner")
    fields = {f["name"]: f for f in ner["features"]}
    assert fields["tokens"] == {"name": "tokens", "sequence": "string"}
    assert "class_label" in fields["ner_tags"]["sequence"]
    docs = next(c for c in meta["dataset_info"] if c["config_name"] == "documents")
    entities = next(f for f in docs["features"] if f["name"] == "entities")
    assert isinstance(entities["list"], list)  # lists of structs stay `list:`
    assert [c["config_name"] for c in meta["configs"]] == sorted(CONFIGS)
    assert next(c for c in meta["configs"] if c["config_name"] == "ner").get("default") is True


def test_manifest_records_version_and_hash(root):
    from vinerfacts.corpus import annotations_hash

    manifest = json.loads((root / "dataset" / "vinerfacts.json").read_text(encoding="utf-8"))
    assert manifest["annotations_sha256"] == annotations_hash(root / "annotations")
    assert manifest["configs"]["ner"]["rows"] == 30


def test_hash_ignores_generated_files(annotations_copy, root):
    from vinerfacts.corpus import annotations_hash

    before = annotations_hash(annotations_copy)
    (annotations_copy / "GUIDELINES.md").write_text("edited prose", encoding="utf-8")
    assert annotations_hash(annotations_copy) == before
    text = annotations_copy / "documents" / "000_d08f880c9ee73c57.json"
    text.write_text(text.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert annotations_hash(annotations_copy) != before


def test_words_across_entity_boundaries_are_split_and_counted(corpus, monkeypatch):
    """A segmenter word that straddles an entity boundary is split there, and the split is counted."""
    import underthesea

    from vinerfacts.derive import word_rows

    real = underthesea.word_tokenize

    def glue(text, **kw):  # glue every pair of words: many pairs straddle an entity boundary
        words = real(text, **kw)
        return [" ".join(words[i:i + 2]) for i in range(0, len(words), 2)]

    monkeypatch.setattr(underthesea, "word_tokenize", glue)
    seg = word_rows(corpus)
    assert len(seg.splits) > 10
    assert all(set(s) == {"document_id", "sentence_id", "word", "at"} for s in seg.splits)
    doc = corpus.documents[0]
    gold = view_spans(doc, corpus.schema, "outermost", "coarse")
    for row, sent in zip(seg.rows, doc.sentences):
        offsets = list(zip(row.token_starts, row.token_ends))
        decoded = token_spans_to_spans(offsets, iob2_to_token_spans(row.ner_tags))
        assert sorted(decoded) == sorted(s for s in gold if sent.start <= s.start and s.end <= sent.end)
