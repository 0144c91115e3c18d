"""The dataset card: generated blocks inside DATASET_CARD.md, and dataset/README.md = YAML + card."""
from __future__ import annotations

import json
import re
from pathlib import Path

from .corpus import Corpus

BLOCK_RE = re.compile(r"(<!-- generated:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.S)


def _facts_block(corpus: Corpus) -> str:
    from collections import Counter

    from .derive import fact_rows

    rows = fact_rows(corpus)
    types = Counter(r["type"] for r in rows)
    out = ["Facts per type: " + ", ".join(f"{t} {types[t]}" for t in sorted(types)) + f" ({len(rows)} in all).", ""]
    out += ["Verification of quantity facts (computed by `vinerfacts build`, never written by hand):", "", "| fact | quantity | measure | verdict | reason |", "|---|---|---|---|---|"]
    for r in rows:
        v = r["verification"]
        if v is None:
            continue
        q = next(s for s in r["slots"] if s["name"] == "quantity")
        unit = next(s for s in r["slots"] if s["name"] == "unit")
        out.append(f"| {r['fact_id']} | {q['text']} {unit['text']} | `{unit['measure']}` | **{v['verdict']}** | {v['reason']} |")
    example = next(r for r in rows if r["type"] == "quantity" and r["parts"])
    slim = {**example, "slots": [{k: v for k, v in s.items() if v is not None} for s in example["slots"]]}
    out += ["", "Example instance (`facts` config, null fields of the slots omitted):", "", "```json", json.dumps(slim, ensure_ascii=False, indent=1), "```"]
    return "\n".join(out) + "\n"


def _leaderboard_block(path: Path | None) -> str:
    if path is None or not path.exists():
        return "No leaderboard yet: run `vinerfacts benchmark`.\n"
    from .benchmark import leaderboard_markdown

    return leaderboard_markdown(json.loads(path.read_text(encoding="utf-8")))


def _errors_block(report_path: Path | None, limit: int = 14) -> str:
    """Error classes of one system's report, with one example of each distinct error."""
    if report_path is None or not report_path.exists():
        return "No report yet: run `vinerfacts benchmark`.\n"
    from collections import Counter

    report = json.loads(report_path.read_text(encoding="utf-8"))
    errors = report.get("errors", [])
    counts = Counter(e["class"] for e in errors)
    out = ["Errors by class: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(counts.items())) + ".", "", "| class | zone | gold | prediction |", "|---|---|---|---|"]
    seen = set()
    for e in errors:
        g, p = e.get("gold") or {}, e.get("pred") or {}
        key = (e["class"], g.get("text"), g.get("label"), p.get("text"), p.get("label"))
        if key in seen:
            continue
        seen.add(key)
        show = lambda x: f"`{x['text']}` {x['label']}" if x else "–"  # noqa: E731
        out.append(f"| {e['class'].replace('_', ' ')} | {e.get('zone') or '–'} | {show(g)} | {show(p)} |")
        if len(seen) >= limit:
            break
    return "\n".join(out) + "\n"


def generated_blocks(corpus: Corpus, manifest: dict, leaderboard_path: Path | None = None) -> dict[str, str]:
    """Every part of the card computed from the data (refreshed by `vinerfacts build`)."""
    from .agreement import corpus_agreement, corpus_fact_agreement, format_agreement, format_fact_agreement
    from .stats import format_stats

    ner_example = _example_row(corpus)
    seg = manifest["segmenter"]
    return {
        "version": (
            f"Dataset version **{manifest['version']}**, schema version {manifest['schema_version']}, "
            f"annotation inputs sha256 `{manifest['annotations_sha256']}`.\n"
        ),
        "stats": format_stats(manifest["stats"]) + "\n",
        "agreement": format_agreement(corpus_agreement(corpus)),
        "example": "```json\n{\n" + ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in ner_example.items()) + "\n}\n```\n",
        "segmenter": (
            f"`ner_words` uses `{seg['name']}` from underthesea {seg['version']}; "
            f"{seg['words_split_at_entity_boundaries']} words were split because a gold entity boundary fell inside them.\n"
        ),
        "canary": f"```\n{corpus.schema.canary}\n```\n",
        "facts": _facts_block(corpus),
        "fact_agreement": format_fact_agreement(corpus_fact_agreement(corpus)),
        "leaderboard": _leaderboard_block(leaderboard_path),
        "underthesea_errors": _errors_block(leaderboard_path.parent / "reports" / "underthesea.json" if leaderboard_path else None),
        "changelog": "".join(f"- **{c['version']}**: {c['changes']}\n" for c in corpus.info.get("changelog", [])),
    }


def _example_row(corpus: Corpus) -> dict:
    from dataclasses import asdict

    from .derive import syllable_rows

    rows = syllable_rows(corpus)
    row = next((r for r in rows if any(t != "O" for t in r.ner_tags_inner) and r.ner_tags != r.ner_tags_inner), rows[0])
    return asdict(row)


def refresh_blocks(card_text: str, blocks: dict[str, str], card_name: str = "DATASET_CARD.md") -> str:
    from .errors import BuildError

    seen = set()

    def replace(m):
        name = m.group("name")
        if name not in blocks:
            raise BuildError(f"{card_name}: unknown generated block {name!r} (known: {', '.join(sorted(blocks))})")
        seen.add(name)
        return m.group(1) + blocks[name] + m.group(4)

    text = BLOCK_RE.sub(replace, card_text)
    missing = sorted(set(blocks) - seen)
    if missing:
        raise BuildError(f"{card_name}: missing generated blocks {', '.join(missing)} (add <!-- generated:NAME --><!-- /generated:NAME --> markers)")
    return text


def dataset_yaml(infos: dict, features: dict, manifest: dict | None = None) -> dict:
    """`configs:` and `dataset_info:` from the same Features, via datasets' own helpers."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    from .build import DEFAULT_CONFIG, SPLIT, sequence_yaml

    card_data = DatasetCardData(
        language=["vi"],
        license="cc-by-4.0",
        multilinguality="monolingual",
        size_categories=["n<1K"],
        task_categories=["token-classification"],
        task_ids=["named-entity-recognition"],
        pretty_name="vinerfacts",
        tags=["vietnamese", "ner", "nested-ner", "news", "evaluation"],
    )
    configs = {}
    info_dict = {}
    for config, (ds, parquet_size) in infos.items():
        configs[config] = {"data_files": [{"split": SPLIT, "path": f"{config}/{SPLIT}-*"}]}
        if config == DEFAULT_CONFIG:
            configs[config]["default"] = True
        splits = SplitDict()
        nbytes = ds.data.nbytes
        splits.add(SplitInfo(name=SPLIT, num_bytes=nbytes, num_examples=len(ds)))
        info_dict[config] = DatasetInfo(features=features[config], splits=splits, download_size=parquet_size, dataset_size=nbytes)
    MetadataConfigs(configs).to_dataset_card_data(card_data)
    DatasetInfosDict(info_dict).to_dataset_card_data(card_data)
    data = card_data.to_dict()
    data["dataset_info"] = sequence_yaml(data["dataset_info"])
    if manifest is not None:
        labels = manifest["stats"]["labels"]
        data["vinerfacts"] = {
            "version": manifest["version"],
            "schema_version": manifest["schema_version"],
            "annotations_sha256": manifest["annotations_sha256"],
            "entities_per_label": {ls: labels[ls]["all"] for ls in ("fine", "coarse")},
            "canary": manifest["canary"],
        }
    return data


def render_dataset_readme(corpus: Corpus, infos: dict, features: dict, manifest: dict, card_path: Path | None) -> str:
    import yaml
    from huggingface_hub import DatasetCard

    from .errors import BuildError

    if card_path is None or not Path(card_path).exists():
        raise BuildError(f"card source {card_path} not found (DATASET_CARD.md is the card `build` publishes)")
    card_path = Path(card_path)
    source = card_path.read_text(encoding="utf-8")
    leaderboard = card_path.parent / "results" / "leaderboard.json"
    refreshed = refresh_blocks(source, generated_blocks(corpus, manifest, leaderboard), card_path.name)
    if refreshed != source:
        from .jsonio import write_text_atomic

        write_text_atomic(card_path, refreshed)
    header = yaml.safe_dump(dataset_yaml(infos, features, manifest), allow_unicode=True, sort_keys=False, width=1000)
    card = DatasetCard(f"---\n{header}---\n\n{refreshed}")
    return str(card)
