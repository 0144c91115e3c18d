"""The benchmark (main job): systems, caching, failures, human row, submissions, committed results."""
import json
import sys

import pytest

from vinerfacts.benchmark import benchmark, leaderboard_markdown
from vinerfacts.corpus import annotations_hash
from vinerfacts.derive import view_spans
from vinerfacts.spans import Span, select_view

CRASHING = f"{sys.executable} -c \"import sys; sys.exit('model not found')\""


@pytest.fixture
def submission(tmp_path, corpus):
    folder = tmp_path / "results" / "submissions" / "gold-copy"
    folder.mkdir(parents=True)
    doc = corpus.documents[0]
    line = {"id": doc.id, "entities": [{"start": e.start, "end": e.end, "label": e.label} for e in doc.entities]}
    (folder / "predictions.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "meta.json").write_text(json.dumps({"name": "gold-copy", "version": "1", "description": "the gold itself (test)"}), encoding="utf-8")
    return folder


def test_benchmark_rows_failures_and_submissions(root, tmp_path, submission):
    results = tmp_path / "results"
    out = benchmark(root / "dataset", root / "annotations", results, systems=["rules", "command"],
                    options={"command": {"command": CRASHING}}, resamples=20, progress=False)
    rows = {r["system"]: r for r in out["leaderboard"]["rows"]}
    assert rows["rules"]["status"] == "ok" and rows["rules"]["scores"]["strict"]["f1"] > 0.5
    assert rows["command"]["status"] == "failed" and "model not found" in rows["command"]["error"]
    assert not (results / "predictions" / "command.jsonl").exists()  # nothing partial written
    assert rows["human-B"]["kind"] == "human" and rows["human-B"]["status"] == "ok"
    assert rows["gold-copy"]["kind"] == "submission" and rows["gold-copy"]["scores"]["strict"]["f1"] == 1.0
    assert (results / "leaderboard.md").read_text(encoding="utf-8") == leaderboard_markdown(json.loads((results / "leaderboard.json").read_text(encoding="utf-8")))
    assert (results / "report.html").exists()
    stages = [s.name for s in out["stages"]]
    assert "run rules" in stages and any(s.startswith("run command (failed)") for s in stages)


def test_predictions_are_reused_only_while_current(root, tmp_path):
    results = tmp_path / "results"
    benchmark(root / "dataset", root / "annotations", results, systems=["rules"], resamples=0, progress=False)
    pred = results / "predictions" / "rules.jsonl"
    first = pred.stat().st_mtime_ns
    out = benchmark(root / "dataset", root / "annotations", results, systems=["rules"], resamples=0, progress=False)
    assert pred.stat().st_mtime_ns == first and any("cached" in s.name for s in out["stages"])
    meta = results / "predictions" / "rules.meta.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["dataset_sha256"] = "0" * 64  # as if the dataset had changed since
    meta.write_text(json.dumps(data), encoding="utf-8")
    out = benchmark(root / "dataset", root / "annotations", results, systems=["rules"], resamples=0, progress=False)
    assert not any("cached" in s.name for s in out["stages"])
    assert json.loads(meta.read_text(encoding="utf-8"))["dataset_sha256"] == annotations_hash(root / "annotations")


def test_bad_submission_is_reported(root, tmp_path):
    folder = tmp_path / "results" / "submissions" / "broken"
    folder.mkdir(parents=True)
    (folder / "predictions.jsonl").write_text("", encoding="utf-8")
    from vinerfacts.errors import VinerfactsError

    with pytest.raises(VinerfactsError, match="needs predictions.jsonl and meta.json"):
        benchmark(root / "dataset", root / "annotations", tmp_path / "results", systems=["rules"], resamples=0, progress=False)


def test_committed_results_are_current(root):
    board = json.loads((root / "results" / "leaderboard.json").read_text(encoding="utf-8"))
    assert board["dataset"]["annotations_sha256"] == annotations_hash(root / "annotations"), "results/ is stale: run `vinerfacts benchmark`"
    assert (root / "results" / "leaderboard.md").read_text(encoding="utf-8") == leaderboard_markdown(board)
    assert {"underthesea", "rules", "human-B"} <= {r["system"] for r in board["rows"] if r["status"] == "ok"}


def test_underthesea_strict_f1_recomputed_independently(root, corpus):
    """Strict F1 from the stored predictions by plain set intersection, without the harness's matching."""
    board = json.loads((root / "results" / "leaderboard.json").read_text(encoding="utf-8"))
    row = next(r for r in board["rows"] if r["system"] == "underthesea")
    gold, pred = set(), set()
    coarse = {"PER", "LOC", "ORG", "MISC"}
    lines = (root / row["predictions"]).read_text(encoding="utf-8").splitlines()
    for line in lines:
        data = json.loads(line)
        doc = corpus.document(data["id"])
        gold |= {(doc.id, s.start, s.end, s.label) for s in view_spans(doc, corpus.schema, "outermost", "coarse")}
        spans = [Span(e["start"], e["end"], e["label"]) for e in data["entities"] if e["label"] in coarse]
        pred |= {(doc.id, s.start, s.end, s.label) for s in select_view(spans, "outermost")}
    tp = len(gold & pred)
    f1 = 2 * tp / (len(gold) + len(pred))
    assert f1 == pytest.approx(row["scores"]["strict"]["f1"])
    assert 0 < f1 < 0.5  # its output on this article is poor; the card says why


def test_rules_contain_no_article_entity_strings(root, corpus):
    """The baseline may know generic patterns and the gazetteer, not the annotated names."""
    from vinerfacts.systems.rules import ORG_HEADS, PARTY_COMMITTEES, PERSON_TITLES, gazetteer

    source = (root / "eval" / "vinerfacts" / "systems" / "rules.py").read_text(encoding="utf-8")
    names, _ = gazetteer()
    generic = set(PERSON_TITLES) | set(ORG_HEADS) | set(PARTY_COMMITTEES) | {"Đảng"}
    for e in corpus.documents[0].entities:
        if e.text in names or e.text in generic or e.label == "TITLE":
            continue
        assert e.text not in source, f"rules.py contains the article's entity string {e.text!r}"


def test_command_system_and_signature(root, tmp_path):
    """An external program plugged in with --command; its label mapping is signed on the row."""
    script = tmp_path / "ner.py"
    script.write_text(
        "import json, sys\n"
        "for line in sys.stdin:\n"
        "    doc = json.loads(line)\n"
        "    i = doc['text'].find('Quảng Ninh')\n"
        "    print(json.dumps({'id': doc['id'], 'entities': [{'start': i, 'end': i + 10, 'label': 'LOCATION'}]}))\n",
        encoding="utf-8",
    )
    out = benchmark(root / "dataset", root / "annotations", tmp_path / "results", systems=["command"],
                    options={"command": {"command": f"{sys.executable} {script}", "label_map": {"LOCATION": "LOC"}}}, resamples=0, progress=False)
    row = next(r for r in out["leaderboard"]["rows"] if r["system"] == "command")
    assert row["status"] == "ok" and row["scores"]["strict"]["tp"] == 1 and row["scores"]["strict"]["pred"] == 1
    assert "|system:command@cmd-" in row["signature"] and "|system_map:none" not in row["signature"]


def test_compare_two_systems(root, tmp_path, capsys):
    from vinerfacts.cli import main

    benchmark(root / "dataset", root / "annotations", tmp_path / "results", systems=["rules"], resamples=0, progress=False)
    rules = tmp_path / "results" / "predictions" / "rules.jsonl"
    human = tmp_path / "results" / "predictions" / "human-B.jsonl"
    assert main(["compare", str(rules), str(human), "--gold", str(root / "dataset"), "--bootstrap", "200"]) == 0
    text = capsys.readouterr().out
    assert "test:paired-bootstrap+approx-randomization" in text and "strict" in text
    from vinerfacts.compare import compare_systems

    same = compare_systems(root / "dataset", human, human, resamples=200, seed=1)
    assert same["schemes"]["strict"]["f1_difference"] == 0 and same["schemes"]["strict"]["paired_bootstrap_p"] == 1.0
    diff = compare_systems(root / "dataset", rules, human, resamples=200, seed=1)
    r = diff["schemes"]["strict"]
    assert r["f1_difference"] < 0 and 0 <= r["paired_bootstrap_p"] <= 1 and 0 < r["approximate_randomization_p"] <= 1
    assert compare_systems(root / "dataset", rules, human, resamples=200, seed=1) == diff  # seeded: repeats exactly
