"""Counts per label, zone and view (the same view and label-set names as everywhere else)."""
from __future__ import annotations

from collections import Counter

from .corpus import Corpus
from .derive import entity_parents, view_spans
from .schema import LABEL_SETS
from .spans import VIEWS
from .text import syllable_tokens


def corpus_stats(corpus: Corpus, word_info: dict | None = None) -> dict:
    schema = corpus.schema
    labels = {ls: {v: Counter() for v in VIEWS} for ls in LABEL_SETS}
    zones: dict[str, Counter] = {}
    depth_counts = Counter()
    n_tokens = n_chars = n_sent = 0
    for doc in corpus.documents:
        n_chars += len(doc.text)
        n_sent += len(doc.sentences)
        n_tokens += sum(len(syllable_tokens(doc.text, s.start, s.end)) for s in doc.sentences)
        for ls in LABEL_SETS:
            for view in VIEWS:
                for span in view_spans(doc, schema, view, ls):
                    labels[ls][view][span.label] += 1
        parents = entity_parents(doc)
        for e in doc.entities:
            depth, p = 1, parents[e.id]
            while p is not None:
                depth, p = depth + 1, parents[p]
            depth_counts[depth] += 1
        outer = view_spans(doc, schema, "outermost", "coarse")
        for z in doc.zones:
            c = zones.setdefault(z.kind, Counter())
            c["zones"] += 1
            c["sentences"] += sum(1 for s in doc.sentences if z.start <= s.start and s.end <= z.end)
            c["entities"] += sum(1 for e in doc.entities if z.start <= e.start and e.end <= z.end)
            c["coarse_outermost"] += sum(1 for s in outer if z.start <= s.start and s.end <= z.end)
    fine_order = list(schema.labels)
    return {
        "documents": len(corpus.documents),
        "sentences": n_sent,
        "characters": n_chars,
        "syllable_tokens": n_tokens,
        "entities": sum(len(d.entities) for d in corpus.documents),
        "labels": {
            ls: {
                view: {lab: labels[ls][view][lab] for lab in (fine_order if ls == "fine" else schema.label_names("coarse"))}
                for view in VIEWS
            }
            for ls in LABEL_SETS
        },
        "zones": {kind: dict(zones[kind]) for kind in schema.zone_kinds if kind in zones},
        "nesting_depth": {str(k): depth_counts[k] for k in sorted(depth_counts)},
        "words_split_at_entity_boundaries": len(word_info["word_splits"]) if word_info else None,
    }


def format_stats(stats: dict) -> str:
    """Markdown tables (printed by `vinerfacts stats`, embedded in the card)."""
    out = [
        f"{stats['documents']} documents, {stats['sentences']} sentences, {stats['syllable_tokens']} syllable tokens, "
        f"{stats['characters']} characters, {stats['entities']} gold entities (all levels, fine labels).",
        "",
    ]
    for ls in LABEL_SETS:
        table = stats["labels"][ls]
        out += [f"Entities per label, label set `{ls}`:", "", "| label | " + " | ".join(f"`{v}`" for v in VIEWS) + " |", "|---" * (len(VIEWS) + 1) + "|"]
        for label in table["all"]:
            out.append(f"| {label} | " + " | ".join(str(table[v][label]) for v in VIEWS) + " |")
        out.append("| **total** | " + " | ".join(str(sum(table[v].values())) for v in VIEWS) + " |")
        out.append("")
    out += [
        "Per zone (entities: all levels, fine labels; coarse: the `ner` config's outermost coarse spans):",
        "",
        "| zone | zones | sentences | entities | coarse outermost |",
        "|---|---|---|---|---|",
    ]
    for kind, c in stats["zones"].items():
        out.append(f"| {kind} | {c.get('zones', 0)} | {c.get('sentences', 0)} | {c.get('entities', 0)} | {c.get('coarse_outermost', 0)} |")
    out += ["", "Nesting depth of gold entities (1 = not inside another entity): " + ", ".join(f"depth {k}: {v}" for k, v in stats["nesting_depth"].items()) + "."]
    if stats.get("words_split_at_entity_boundaries") is not None:
        out.append(f"Words of the segmenter split at an entity boundary (`ner_words`): {stats['words_split_at_entity_boundaries']}.")
    return "\n".join(out)
