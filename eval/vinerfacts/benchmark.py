"""`vinerfacts benchmark`: run systems on the dataset, cache their predictions, score them with the
harness, and write the leaderboard (JSON, Markdown) and the per-system reports.

Predictions are stored in the harness's JSONL format under `results/predictions/<system>.jsonl`, next
to `<system>.meta.json` (system version, settings, dataset hash); they are reused only while all three
are unchanged. A system that fails is a leaderboard row with its error; the others still run, and
nothing partial is written as if complete (files are written to a temporary name, then renamed).
"""
from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .errors import VinerfactsError
from .jsonio import write_text_atomic

HEADLINE = {"view": "outermost", "labels": "coarse"}


@dataclass
class Stage:
    name: str
    seconds: float


@dataclass
class Row:
    system: str
    kind: str  # bundled | human | submission
    version: str
    status: str  # ok | failed
    error: str | None = None
    description: str = ""
    scores: dict = field(default_factory=dict)
    predictions: str | None = None
    report: str | None = None
    signature: str | None = None


def _documents(dataset: Path) -> tuple[list[dict], dict]:
    from .evaluate import read_dataset_gold

    docs, manifest = read_dataset_gold(dataset)
    return [{"id": d.id, "text": d.text} for d in docs], manifest


def run_system(name: str, system, documents: list[dict], dataset_hash: str, predictions_dir: Path, force: bool = False) -> tuple[Path, bool]:
    """Predictions file of a system, reused when version, settings and dataset are unchanged."""
    path = predictions_dir / f"{name}.jsonl"
    meta_path = predictions_dir / f"{name}.meta.json"
    meta = {"system": name, "version": system.version(), "settings": system.settings(), "dataset_sha256": dataset_hash}
    if not force and path.exists() and meta_path.exists():
        try:
            if json.loads(meta_path.read_text(encoding="utf-8")) == meta:
                return path, True
        except json.JSONDecodeError:
            pass
    predictions = system.predict(documents)
    lines = "".join(json.dumps(p.to_json(), ensure_ascii=False) + "\n" for p in predictions)
    write_text_atomic(path, lines)
    write_text_atomic(meta_path, json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return path, False


def human_predictions(annotations: Path, annotator: str, predictions_dir: Path) -> Path:
    """The raw (pre-adjudication) annotation of one annotator, as a prediction file."""
    from .corpus import load_corpus

    corpus = load_corpus(annotations)
    raws = [r for r in corpus.raw if r.annotator["id"] == annotator]
    if not raws:
        raise VinerfactsError(f"{annotations}/raw: no raw annotation by annotator {annotator!r}")
    lines = "".join(
        json.dumps({"id": r.document_id, "entities": [{"start": e.start, "end": e.end, "label": e.label, "text": e.text} for e in r.entities]}, ensure_ascii=False) + "\n"
        for r in sorted(raws, key=lambda r: r.document_id)
    )
    path = predictions_dir / f"human-{annotator}.jsonl"
    write_text_atomic(path, lines)
    return path


def submissions(folder: Path) -> list[tuple[str, Path, dict]]:
    """Outside systems: `results/submissions/<name>/predictions.jsonl` + `meta.json`."""
    out = []
    if not folder.is_dir():
        return out
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        pred, meta_path = sub / "predictions.jsonl", sub / "meta.json"
        if not pred.exists() or not meta_path.exists():
            raise VinerfactsError(f"{sub}: a submission needs predictions.jsonl and meta.json (see README: Outside submissions)")
        from .jsonio import read_json

        meta = read_json(meta_path)
        for key in ("name", "version", "description"):
            if not isinstance(meta.get(key), str) or not meta[key]:
                raise VinerfactsError(f"{meta_path}: missing {key!r} (a non-empty string)")
        out.append((meta["name"], pred, meta))
    return out


def _scores(report) -> dict:
    data = report.to_json()
    strict = data["schemes"]["strict"]
    ci = data["bootstrap"]["schemes"].get("strict", {})
    return {
        "strict": {k: strict["micro"][k] for k in ("precision", "recall", "f1", "tp", "fp", "fn", "gold", "pred")},
        "strict_f1_ci": ci.get("f1"),
        "partial_f1": data["schemes"]["partial"]["micro"]["f1"],
        "exact_f1": data["schemes"]["exact"]["micro"]["f1"],
        "type_f1": data["schemes"]["type"]["micro"]["f1"],
        "per_type_f1": {label: s["f1"] for label, s in strict["per_type"].items()},
        "views_strict_f1": {v: d["schemes"]["strict"]["micro"]["f1"] for v, d in data["views"].items()},
        "zones_strict_f1": {z: d["schemes"]["strict"]["micro"]["f1"] for z, d in data["zones"].items()},
        "unalignable": data["inputs"].get("alignment", {}).get("unalignable", 0),
    }


def benchmark(
    dataset: Path = Path("dataset"),
    annotations: Path = Path("annotations"),
    results: Path = Path("results"),
    systems: list[str] | None = None,
    options: dict | None = None,
    resamples: int = 1000,
    seed: int = 12345,
    force: bool = False,
    progress: bool = True,
    log=print,
) -> dict:
    from .evaluate import evaluate
    from .systems.registry import create_system, default_systems

    stages: list[Stage] = []
    t0 = time.perf_counter()
    documents, manifest = _documents(dataset)
    dataset_hash = manifest["annotations_sha256"]
    stages.append(Stage("load dataset", time.perf_counter() - t0))
    names = systems or default_systems()
    predictions_dir = results / "predictions"
    reports_dir = results / "reports"
    rows: list[Row] = []
    runs: list[tuple[str, str, Path, dict]] = []

    iterator = names
    if progress:
        from tqdm import tqdm

        iterator = tqdm(names, desc="systems", unit="system", leave=False)
    for name in iterator:
        t = time.perf_counter()
        try:
            system = create_system(name, **(options or {}).get(name, {}))
            path, reused = run_system(name, system, documents, dataset_hash, predictions_dir, force)
            runs.append((name, "bundled", path, {"version": system.version(), "description": system.info.description, "system_label_map": system.label_map}))
            stages.append(Stage(f"run {name}" + (" (cached predictions)" if reused else ""), time.perf_counter() - t))
        except Exception as e:  # a failing system is a row, not the end of the benchmark
            detail = f"{type(e).__name__}: {e}"
            rows.append(Row(name, "bundled", "?", "failed", error=detail))
            stages.append(Stage(f"run {name} (failed)", time.perf_counter() - t))
            if not isinstance(e, VinerfactsError):
                log(traceback.format_exc(limit=3))
    t = time.perf_counter()
    try:
        path = human_predictions(annotations, "B", predictions_dir)
        runs.append(("human-B", "human", path, {"version": f"raw annotation, dataset {manifest['version']}", "description": "the second annotator's raw annotation before adjudication (agreement ceiling)"}))
    except VinerfactsError as e:
        rows.append(Row("human-B", "human", "?", "failed", error=str(e)))
    for name, path, meta in submissions(results / "submissions"):
        runs.append((name, "submission", path, meta))
    stages.append(Stage("collect human row and submissions", time.perf_counter() - t))

    t = time.perf_counter()
    for name, kind, path, meta in runs:
        try:
            label_map = meta.get("label_map") if kind == "submission" else None
            report = evaluate(dataset, path, resamples=resamples, seed=seed, label_map=label_map, **HEADLINE)
            report_path = reports_dir / f"{name}.json"
            write_text_atomic(report_path, json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")
            # The system's own label mapping (applied before the predictions were written) is part of how
            # the score was computed: sign it next to the harness's signature.
            system_map = meta.get("system_label_map") or meta.get("label_map") or {}
            digest = hashlib.sha256(json.dumps(system_map, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:8] if system_map else "none"
            signature = f"{report.signature}|system:{name}@{meta['version']}|system_map:{digest}"
            rows.append(Row(name, kind, meta["version"], "ok", description=meta.get("description", ""), scores=_scores(report),
                            predictions=path.as_posix(), report=report_path.as_posix(), signature=signature))
        except Exception as e:
            rows.append(Row(name, kind, meta.get("version", "?"), "failed", error=f"{type(e).__name__}: {e}"))
    stages.append(Stage("evaluate", time.perf_counter() - t))

    order = {"bundled": 0, "submission": 1, "human": 2}
    rows.sort(key=lambda r: (r.status != "ok", order[r.kind], -(r.scores.get("strict", {}).get("f1") or 0), r.system))
    leaderboard = {
        "dataset": {"name": manifest.get("name"), "version": manifest.get("version"), "annotations_sha256": dataset_hash},
        "headline": {**HEADLINE, "scheme": "strict", "bootstrap": resamples, "seed": seed},
        "rows": [r.__dict__ for r in rows],
    }
    t = time.perf_counter()
    write_text_atomic(results / "leaderboard.json", json.dumps(leaderboard, ensure_ascii=False, indent=1) + "\n")
    write_text_atomic(results / "leaderboard.md", leaderboard_markdown(leaderboard))
    try:
        from .render import write_html_report

        write_html_report(leaderboard, dataset, results / "report.html")
    except ImportError:
        pass
    stages.append(Stage("write results", time.perf_counter() - t))
    return {"leaderboard": leaderboard, "stages": stages, "total_seconds": time.perf_counter() - t0}


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}"


def leaderboard_markdown(board: dict) -> str:
    labels = ["PER", "LOC", "ORG", "MISC"]
    head = board["headline"]
    lines = [
        f"Dataset {board['dataset']['name']} {board['dataset']['version']} (annotations sha256 `{board['dataset']['annotations_sha256'][:12]}`), "
        f"view `{head['view']}`, labels `{head['labels']}`, {head['bootstrap']} bootstrap resamples over sentences (seed {head['seed']}).",
        "",
        "| system | kind | version | P | R | F1 strict | 95% CI | F1 partial | " + " | ".join(f"F1 {lab}" for lab in labels) + " |",
        "|---|---|---|---|---|---|---|---|" + "---|" * len(labels),
    ]
    for r in board["rows"]:
        if r["status"] != "ok":
            lines.append(f"| {r['system']} | {r['kind']} | {r['version']} | failed: {r['error']} |" + " |" * (7 + len(labels) - 3))
            continue
        s = r["scores"]
        ci = s["strict_f1_ci"]
        ci_text = f"{_pct(ci[0])}–{_pct(ci[1])}" if ci else "–"
        per = " | ".join(_pct(s["per_type_f1"].get(lab)) for lab in labels)
        lines.append(
            f"| {r['system']} | {r['kind']} | {r['version']} | {_pct(s['strict']['precision'])} | {_pct(s['strict']['recall'])} | "
            f"**{_pct(s['strict']['f1'])}** | {ci_text} | {_pct(s['partial_f1'])} | {per} |"
        )
    return "\n".join(lines) + "\n"
