"""Inter-annotator agreement: span F1, strict and partial, per label, with optimal one-to-one matching."""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from .corpus import Corpus
from .schema import Schema
from .spans import Span, select_view


def match_overlapping(ref: Sequence[Span], hyp: Sequence[Span]) -> list[tuple[int, int]]:
    """Optimal one-to-one pairs of overlapping same-label spans (the harness's matching), exact pairs first."""
    from .scoring.matching import CORRECT, WRONG_BOUNDARY, match_spans

    return [(p.gold, p.pred) for p in match_spans(ref, hyp) if p.kind in (CORRECT, WRONG_BOUNDARY)]


def prf(tp: int, n_hyp: int, n_ref: int) -> dict:
    p = tp / n_hyp if n_hyp else None
    r = tp / n_ref if n_ref else None
    f = (2 * p * r / (p + r) if (p + r) else 0.0) if p is not None and r is not None else None
    return {"precision": p, "recall": r, "f1": f}


def span_counts(ref: Sequence[Span], hyp: Sequence[Span], labels: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per-label counts between two span sets of one document: sizes, exact and overlap matches."""
    counts = {}
    for label in labels:
        r = [s for s in ref if s.label == label]
        h = [s for s in hyp if s.label == label]
        counts[label] = {
            "n_a": len(r),
            "n_b": len(h),
            "strict_matches": len({s.extent for s in r} & {s.extent for s in h}),
            "partial_matches": len(match_overlapping(r, h)),
        }
    return counts


def summarize(counts: dict[str, dict[str, int]]) -> dict:
    """Per-label and micro F1 from (summed) counts; A's role only names precision vs recall."""
    def scores(c):
        return {**c, "strict": prf(c["strict_matches"], c["n_b"], c["n_a"]), "partial": prf(c["partial_matches"], c["n_b"], c["n_a"])}

    micro = defaultdict(int)
    for c in counts.values():
        for key, value in c.items():
            micro[key] += value
    return {"per_label": {label: scores(c) for label, c in counts.items()}, "micro": scores(dict(micro))}


def _add(total: dict, counts: dict) -> None:
    for label, c in counts.items():
        slot = total.setdefault(label, defaultdict(int))
        for key, value in c.items():
            slot[key] += value


def _spans(entities, schema: Schema, label_set: str, view: str) -> list[Span]:
    spans = []
    for e in entities:
        label = schema.map_label(e.label, label_set)
        if label is not None:
            spans.append(Span(e.start, e.end, label))
    return select_view(spans, view)


SETTINGS = (("fine", "all"), ("coarse", "all"), ("coarse", "outermost"))


def corpus_agreement(corpus: Corpus) -> dict:
    """A vs B before adjudication, then gold vs each annotator; counts summed over documents."""
    schema = corpus.schema
    by_doc = defaultdict(dict)
    for raw in corpus.raw:
        by_doc[raw.document_id][raw.annotator["id"]] = raw.entities
    results = {}
    for label_set, view in SETTINGS:
        labels = schema.label_names(label_set)
        totals: dict[str, dict] = {}
        for doc in corpus.documents:
            annotators = by_doc.get(doc.id, {})
            ids = sorted(annotators)
            spans = {ann: _spans(annotators[ann], schema, label_set, view) for ann in ids}
            gold = _spans(doc.entities, schema, label_set, view)
            if len(ids) >= 2:
                name = f"{ids[0]} vs {ids[1]} (before adjudication)"
                _add(totals.setdefault(name, {}), span_counts(spans[ids[0]], spans[ids[1]], labels))
            for ann in ids:
                _add(totals.setdefault(f"gold vs {ann} (after adjudication)", {}), span_counts(gold, spans[ann], labels))
        results[f"{label_set}/{view}"] = {name: summarize({k: dict(v) for k, v in t.items()}) for name, t in totals.items()}
    return results


def _pct(x) -> str:
    return "undefined" if x is None else f"{100 * x:.1f}"


def format_agreement(results: dict) -> str:
    out = []
    for setting, pairs in results.items():
        label_set, view = setting.split("/")
        out += [f"Label set `{label_set}`, view `{view}`:", "", "| pair | label | first | second | strict F1 | partial F1 |", "|---|---|---|---|---|---|"]
        for name, res in pairs.items():
            for label, r in res["per_label"].items():
                if r["n_a"] or r["n_b"]:
                    out.append(f"| {name} | {label} | {r['n_a']} | {r['n_b']} | {_pct(r['strict']['f1'])} | {_pct(r['partial']['f1'])} |")
            m = res["micro"]
            out.append(f"| {name} | **micro** | {m['n_a']} | {m['n_b']} | {_pct(m['strict']['f1'])} | {_pct(m['partial']['f1'])} |")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def corpus_fact_agreement(corpus: Corpus) -> dict:
    """Fact agreement: A vs B before adjudication, gold vs each after; fact F1 per type and slot scores."""
    from .scoring.facts import add_counts, fact_counts, fact_scores, linked
    from .text import syllable_tokens

    by_doc = defaultdict(dict)
    for raw in corpus.raw:
        by_doc[raw.document_id][raw.annotator["id"]] = raw.facts
    totals: dict[str, dict] = {}
    for doc in corpus.documents:
        extent = {e.id: (e.start, e.end) for e in doc.entities}
        tokens = syllable_tokens(doc.text)

        def as_dicts(facts):
            return [linked({"type": f.type, "start": f.start, "end": f.end, "slots": f.slots}, extent) for f in facts]

        annotators = by_doc.get(doc.id, {})
        ids = sorted(a for a in annotators if annotators[a])
        gold = as_dicts(doc.facts)
        if len(ids) >= 2:
            add_counts(totals.setdefault(f"{ids[0]} vs {ids[1]} (before adjudication)", {}), fact_counts(as_dicts(annotators[ids[0]]), as_dicts(annotators[ids[1]]), tokens))
        for ann in ids:
            add_counts(totals.setdefault(f"gold vs {ann} (after adjudication)", {}), fact_counts(gold, as_dicts(annotators[ann]), tokens))
    return {name: fact_scores(total) for name, total in totals.items()}


def format_fact_agreement(results: dict) -> str:
    out = ["| pair | facts (first/second) | fact F1 | slot exact F1 (micro) | mean slot token F1 | value accuracy |", "|---|---|---|---|---|---|"]
    for name, res in results.items():
        o = res["overall"]
        slots = res["slots"].values()
        matched = sum(s["matched"] for s in slots)
        gold = sum(s["gold"] for s in slots)
        pred = sum(s["pred"] for s in slots)
        exact_f1 = 2 * matched / (gold + pred) if gold + pred else None
        token = [s["token_f1"] for s in slots if s["token_f1"] is not None]
        values = [s["value_accuracy"] for s in slots if "value_accuracy" in s]
        out.append(
            f"| {name} | {o['gold']}/{o['pred']} | {_pct(o['f1'])} | {_pct(exact_f1)} | {_pct(sum(token) / len(token) if token else None)} | {_pct(sum(values) / len(values) if values else None)} |"
        )
    first = next(iter(results.values()), None)
    if first:
        out += ["", "Per slot, first pair (exact-span F1 / token F1):", "", "| slot | first | second | exact F1 | token F1 |", "|---|---|---|---|---|"]
        for key, s in first["slots"].items():
            out.append(f"| {key} | {s['gold']} | {s['pred']} | {_pct(s['exact_f1'])} | {_pct(s['token_f1'])} |")
    return "\n".join(out) + "\n"
