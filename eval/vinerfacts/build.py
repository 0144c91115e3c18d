"""`vinerfacts build`: annotations/ -> dataset/ (parquet laid out as push_to_hub does, README with YAML).

Deterministic (byte-identical when run twice on the same inputs and pinned versions) and atomic:
everything is written to a temporary sibling folder that replaces `dataset/` only when complete.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .corpus import Corpus, annotations_hash, load_corpus
from .errors import BuildError, ValidationFailed
from .validate import errors_only, validate

SPLIT = "test"
DEFAULT_CONFIG = "ner"


def _features():
    from datasets import ClassLabel, Features, Value

    try:
        from datasets import List
    except ImportError:  # datasets < 4
        from datasets import Sequence as List

    from .derive import IOB2_COARSE_NAMES

    string, int32 = Value("string"), Value("int32")
    entity = {"id": string, "start": int32, "end": int32, "label": string, "coarse_label": string, "text": string}
    sentence_row = {
        "id": string,
        "document_id": string,
        "sentence_id": string,
        "zone": string,
        "start": int32,
        "text": string,
        "tokens": List(string),
        "token_starts": List(int32),
        "token_ends": List(int32),
        "ner_tags": List(ClassLabel(names=IOB2_COARSE_NAMES)),
        "ner_tags_inner": List(ClassLabel(names=IOB2_COARSE_NAMES)),
    }
    slot = {
        "name": string, "start": int32, "end": int32, "text": string, "value": Value("float64"), "time_value": string,
        "comparator": string, "measure": string, "entity_id": string, "kind": string, "part_of_day": string,
        "year_inferred": Value("bool"), "inferred_from": string, "open_ended": Value("bool"), "reference_date_used": Value("bool"),
    }
    fact = {"fact_id": string, "sentence_id": string, "type": string, "start": int32, "end": int32, "text": string, "slots": List(slot), "parts": List(string)}
    verification = {"verdict": string, "reason": string, "source": string, "source_version": string, "source_describes": string, "expected": Value("float64")}
    return {
        "facts": Features({"id": string, "document_id": string, **fact, "verification": verification}),
        "documents": Features(
            {
                "id": string,
                "title": string,
                "text": string,
                "language": string,
                "url": string,
                "publisher": string,
                "published_date": string,
                "event_date": string,
                "event_date_inferred": Value("bool"),
                "event_date_evidence": string,
                "text_sha256": string,
                "rights": string,
                "license": string,
                "canary": string,
                "entities": List({**entity, "parent": string}),
                "sentences": List({"id": string, "start": int32, "end": int32}),
                "zones": List({"start": int32, "end": int32, "kind": string}),
                "facts": List({**fact, "verification": verification}),
            }
        ),
        "ner": Features(sentence_row),
        "ner_words": Features(sentence_row),
        "raw_annotations": Features(
            {
                "id": string,
                "document_id": string,
                "annotator": string,
                "annotator_description": string,
                "entities": List(entity),
                "facts": List(fact),
            }
        ),
    }


CONFIG_DESCRIPTIONS = {
    "documents": "One row per document: full text, metadata, gold entities (all levels, fine and coarse labels, parent links), sentences and zones.",
    "ner": "One row per sentence: syllable tokens with document offsets, IOB2 tags over the VLSP coarse labels, outermost and innermost levels.",
    "ner_words": "The same sentences word-segmented by underthesea, split at gold entity boundaries, with the same tags.",
    "raw_annotations": "The two independent annotations made before adjudication, one row per document and annotator.",
    "facts": "One row per fact: type, evidence span, slots with normalized values and entity links, part-whole links, verification verdict.",
}


def sequence_yaml(obj):
    """datasets >= 4 writes `list:` for every list; 2.14-3.x need `sequence:` for lists of values and
    ClassLabels (lists of structs stay `list:`), so that every version loads the exact features."""
    if isinstance(obj, list):
        return [sequence_yaml(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, value in obj.items():
        if key == "list" and not isinstance(value, list):
            out["sequence"] = sequence_yaml(value)
        else:
            out[key] = sequence_yaml(value)
    return out


@dataclass
class BuildSummary:
    out: Path
    version: str
    annotations_sha256: str
    rows: dict[str, int]

    def __str__(self) -> str:
        rows = ", ".join(f"{k}={v}" for k, v in self.rows.items())
        return f"built {self.out} (version {self.version}, annotations sha256 {self.annotations_sha256[:16]}...): {rows}"


def config_rows(corpus: Corpus) -> tuple[dict[str, list[dict]], dict]:
    from dataclasses import asdict

    from .derive import document_rows, fact_rows, raw_rows, syllable_rows, word_rows

    words = word_rows(corpus)
    facts = fact_rows(corpus)
    documents = document_rows(corpus)
    for doc in documents:
        doc["facts"] = [{k: v for k, v in f.items() if k not in ("id", "document_id")} for f in facts if f["document_id"] == doc["id"]]
    tables = {
        "documents": documents,
        "facts": facts,
        "ner": [asdict(r) for r in syllable_rows(corpus)],
        "ner_words": [asdict(r) for r in words.rows],
        "raw_annotations": raw_rows(corpus),
    }
    extra = {"segmenter": words.segmenter, "segmenter_version": words.version, "word_splits": words.splits}
    return tables, extra


def build_dataset(annotations: Path, out: Path, card_path: Path | None = None) -> BuildSummary:
    annotations, out = Path(annotations), Path(out)
    errors = errors_only(validate(annotations))
    if errors:
        raise ValidationFailed(errors)
    from .workflow import unreviewed_documents

    unreviewed = unreviewed_documents(annotations)
    if unreviewed:
        raise BuildError(
            f"documents not reviewed yet, not published as gold: {', '.join(unreviewed)} "
            "(correct them, then `vinerfacts review ID`); dataset/ left unchanged"
        )
    corpus = load_corpus(annotations)
    digest = annotations_hash(annotations)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the dataset folder is meant to be shared
    try:
        rows = _write_dataset(corpus, digest, tmp, card_path)
        _replace_folder(tmp, out)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, (BuildError, ValidationFailed, KeyboardInterrupt)):
            raise
        raise BuildError(f"build failed, {out} left unchanged: {type(e).__name__}: {e}") from e
    return BuildSummary(out, corpus.version, digest, rows)


def _replace_folder(new: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rename(out, old / out.name)
    try:
        os.rename(new, out)
    except BaseException:
        if old is not None:
            os.rename(old / out.name, out)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _write_dataset(corpus: Corpus, digest: str, tmp: Path, card_path: Path | None) -> dict[str, int]:
    from datasets import Dataset
    from datasets.utils.logging import disable_progress_bar

    from .card import render_dataset_readme
    from .stats import corpus_stats

    disable_progress_bar()  # the build is quick; keep its output to the summary line
    features = _features()
    tables, extra = config_rows(corpus)
    infos = {}
    rows = {}
    for config, records in tables.items():
        feats = features[config]
        columns = {name: [r[name] for r in records] for name in feats}
        ds = Dataset.from_dict(columns, features=feats, split=SPLIT)
        path = tmp / config / f"{SPLIT}-00000-of-00001.parquet"
        path.parent.mkdir(parents=True)
        ds.to_parquet(str(path))
        infos[config] = (ds, path.stat().st_size)
        rows[config] = len(records)
    stats = corpus_stats(corpus, word_info=extra)
    manifest = {
        "name": corpus.info.get("name", "vinerfacts"),
        "version": corpus.version,
        "annotations_sha256": digest,
        "schema_version": corpus.schema.version,
        "canary": corpus.schema.canary,
        "split": SPLIT,
        "configs": {c: {"rows": n, "path": f"{c}/{SPLIT}-00000-of-00001.parquet"} for c, n in rows.items()},
        "segmenter": {"name": extra["segmenter"], "version": extra["segmenter_version"], "words_split_at_entity_boundaries": len(extra["word_splits"])},
        "stats": stats,
    }
    (tmp / "vinerfacts.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    readme = render_dataset_readme(corpus, infos, features, manifest, card_path)
    (tmp / "README.md").write_text(readme, encoding="utf-8")
    return rows
