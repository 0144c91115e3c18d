"""Building and rendering evaluation reports (terminal text, conlleval layout, JSON)."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from . import __version__
from .scoring.aggregate import CountTable, bootstrap_ci, scheme_scores
from .scoring.matching import CORRECT, SPURIOUS, match_spans
from .scoring.schemes import SCHEMES, count_pairs
from .spans import VIEWS, select_view

CONFIDENCE = 0.95
SMALL_SAMPLE = 100


@dataclass
class Report:
    signature: str
    data: dict

    def to_json(self) -> dict:
        return self.data

    def f1(self, scheme: str = "strict") -> float | None:
        return self.data["schemes"][scheme]["micro"]["f1"]

    def format_text(self) -> str:
        return render_text(self.data)

    def format_conlleval(self) -> str:
        return render_conlleval(self.data)


def signature_of(fields: dict) -> str:
    return "|".join(f"{k}:{v}" for k, v in fields.items())


def unit_tables(inputs, view: str) -> tuple[dict[str, CountTable], list[list], list[tuple]]:
    """Count every unit once per scheme (matching is shared by the schemes)."""
    fast = getattr(inputs.units, "unit_tables", None)
    if fast is not None:  # CoNLL inputs scored on arrays (scoring/fast.py): flat, the same for every view
        return fast()
    per_unit = []
    all_pairs = []
    for u in inputs.units:
        gold, pred = select_view(u.gold, view), select_view(u.pred, view)
        pairs = match_spans(gold, pred)
        all_pairs.append(pairs)
        per_unit.append((gold, pred))
    tables = {}
    for scheme in SCHEMES:
        unit_counts = []
        for u, (gold, pred), pairs in zip(inputs.units, per_unit, all_pairs):
            counts = count_pairs(pairs, gold, pred, scheme)
            for record in u.unaligned:
                counts.setdefault(record["label"], [0, 0, 0, 0, 0, 0])[1] += 1
            unit_counts.append(counts)
        tables[scheme] = CountTable.from_units(inputs.labels, unit_counts)
    return tables, all_pairs, per_unit


def _flat(units) -> bool:
    """True when no unit has nested gold or predicted spans: then every view is the same."""
    known = getattr(units, "flat", None)
    if known is not None:
        return known
    for u in units:
        for spans in (u.gold, u.pred):
            ordered = sorted(spans)
            if any(a.overlaps(b) for a, b in zip(ordered, ordered[1:])):
                return False
    return True


def build_report(inputs, *, view: str, labels: str, resamples: int, seed: int, errors: bool = True) -> Report:
    fields = {
        "vinerfacts": __version__,
        "gold": inputs.gold_id,
        "view": view,
        "labels": labels,
        "map": inputs.notes.get("label_mapping", {}).get("map", "none"),
        "pred": inputs.pred_format,
        "tok": inputs.tokenization,
        "tags": inputs.tag_scheme or "-",
        "decode": inputs.decode or "-",
        "norm": inputs.normalization,
        "match": "optimal-1to1",
        "boot": resamples,
        "seed": seed,
        "ci": int(CONFIDENCE * 100),
    }
    signature = signature_of(fields)
    flat = _flat(inputs.units)
    computed = {}
    views = {}
    totals = None
    for v in VIEWS:
        if flat and computed:
            tables, pairs, per_unit = next(iter(computed.values()))
        else:
            tables, pairs, per_unit = unit_tables(inputs, v)
            totals = {s: t.total() for s, t in tables.items()}
        computed[v] = (tables, pairs, per_unit)
        views[v] = {"schemes": {s: scheme_scores(totals[s], inputs.labels, s == "partial") for s in tables}}
    tables, pairs, per_unit = computed[view]
    n_units = len(inputs.units)
    data = {
        "signature": signature,
        "signature_fields": fields,
        "labels": inputs.labels,
        "units": n_units,
        "schemes": views[view]["schemes"],
        "views": views,
        "zones": _zones(inputs, tables),
        "bootstrap": {
            "resamples": resamples,
            "seed": seed,
            "confidence": CONFIDENCE,
            "unit": "sentence",
            "schemes": {s: bootstrap_ci(t, resamples, seed, CONFIDENCE) for s, t in tables.items()},
        },
        "inputs": {k: v for k, v in inputs.notes.items()},
        "warnings": _warnings(inputs, n_units),
    }
    if errors:
        data["errors"], data["confusion"] = _error_analysis(inputs, pairs, per_unit)
    facts = inputs.notes.pop("facts", None) if isinstance(inputs.notes.get("facts"), dict) else None
    if facts is not None:
        data["facts"] = _fact_report(facts)
        data["inputs"].pop("facts", None)
    return Report(signature, data)


def _fact_report(facts: dict) -> dict:
    """Facts are scored per document on the gold text: optimal one-to-one matching, then slots."""
    from .scoring.facts import add_counts, fact_counts, fact_scores
    from .text import syllable_tokens

    total: dict = {}
    for doc_id, gold in facts["gold"].items():
        predicted = facts["predicted"].get(doc_id, [])
        add_counts(total, fact_counts(gold, predicted, syllable_tokens(facts["tokens"][doc_id])))
    scores = fact_scores(total)
    scores["alignment"] = facts.get("alignment", {})
    return scores


def _zones(inputs, tables) -> dict:
    rows = defaultdict(list)
    for i, u in enumerate(inputs.units):
        if u.zone is not None:
            rows[u.zone].append(i)
    return {
        zone: {"units": len(idx), "schemes": {s: scheme_scores(t.total(idx), inputs.labels, s == "partial") for s, t in tables.items()}}
        for zone, idx in rows.items()
    }


def _warnings(inputs, n_units: int) -> list[str]:
    out = []
    if n_units < SMALL_SAMPLE:
        out.append(
            f"small sample: {n_units} sentences; bootstrap intervals are wide and differences between systems of a few points are not meaningful"
        )
    invalid = inputs.notes.get("invalid_tags", {})
    for role, info in invalid.items():
        if info["count"]:
            first = ", ".join(f"{info['file']}:{x['line']} {x['tag']} ({x['reason']})" for x in info["first"][:3])
            out.append(f"{info['count']} {role} tags break the {inputs.tag_scheme} scheme ({inputs.decode} decoding); first: {first}")
    align = inputs.notes.get("alignment", {})
    if align.get("unalignable"):
        out.append(f"{align['unalignable']} predicted spans could not be aligned to the gold text and count as false positives")
    missing = inputs.notes.get("documents_without_predictions")
    if missing:
        out.append(f"{len(missing)} gold documents have no prediction line (all their entities count as missed): {', '.join(missing[:5])}")
    dropped = inputs.notes.get("label_mapping", {}).get("dropped")
    if dropped:
        out.append("predicted labels dropped by the label mapping: " + ", ".join(f"{k} ({v}x)" for k, v in sorted(dropped.items())))
    return out


def _span_record(u, span) -> dict:
    rec = {"start": span.start, "end": span.end, "label": span.label}
    if u.token_line is None and u.text is not None:
        rec["text"] = u.text[span.start - u.start : span.end - u.start]
    return rec


def _error_analysis(inputs, pairs_per_unit, per_unit) -> tuple[list[dict], dict]:
    errors = []
    confusion: dict[str, Counter] = defaultdict(Counter)
    for u, pairs, (gold, pred) in zip(inputs.units, pairs_per_unit, per_unit):
        for p in pairs:
            g = gold[p.gold] if p.gold is not None else None
            q = pred[p.pred] if p.pred is not None else None
            confusion[g.label if g else "O"][q.label if q else "O"] += 1
            if p.kind == CORRECT:
                continue
            rec = {"class": p.kind, "unit": u.id, "document_id": u.document_id, "zone": u.zone}
            if g is not None:
                rec["gold"] = _span_record(u, g)
            if q is not None:
                rec["pred"] = _span_record(u, q)
            anchor = g or q
            if u.token_line is None and u.text is not None:
                a, b = anchor.start - u.start, anchor.end - u.start
                rec["context"] = f"{u.text[max(0, a - 30):a]}[{u.text[a:b]}]{u.text[b:b + 30]}"
            else:
                rec["line"] = u.token_line
            errors.append(rec)
        for record in u.unaligned:
            confusion["O"][record["label"]] += 1
            errors.append({"class": SPURIOUS, "unalignable": True, "unit": u.id, "document_id": u.document_id, "zone": u.zone, "pred": record})
    return errors, {g: dict(c) for g, c in sorted(confusion.items())}


# ---------------------------------------------------------------- rendering


def _pct(x) -> str:
    return "  undef" if x is None else f"{100 * x:6.2f}"


def render_text(data: dict) -> str:
    lines = [f"signature: {data['signature']}", f"units (sentences): {data['units']}, labels: {', '.join(data['labels'])}", ""]
    boot = data["bootstrap"]
    lines.append(f"{'scheme':8} {'P':>7} {'R':>7} {'F1':>7}   {'F1 ' + str(int(boot['confidence'] * 100)) + '% CI':>17}   {'macro F1':>8}")
    for name, sc in data["schemes"].items():
        m = sc["micro"]
        ci = boot["schemes"].get(name, {}).get("f1") if boot["schemes"] else None
        ci_text = f"[{_pct(ci[0])}, {_pct(ci[1])}]" if ci else "      -"
        lines.append(f"{name:8} {_pct(m['precision'])}  {_pct(m['recall'])}  {_pct(m['f1'])}   {ci_text:>17}   {_pct(sc['macro']['f1'])}")
    lines += ["", "per type (strict):", f"{'type':8} {'P':>7} {'R':>7} {'F1':>7} {'tp':>5} {'fp':>5} {'fn':>5} {'gold':>5}"]
    for label, s in data["schemes"]["strict"]["per_type"].items():
        lines.append(f"{label:8} {_pct(s['precision'])}  {_pct(s['recall'])}  {_pct(s['f1'])} {s['tp']:5d} {s['fp']:5d} {s['fn']:5d} {s['gold']:5d}")
    if data["zones"]:
        lines += ["", "per zone (strict micro):", f"{'zone':10} {'units':>5} {'P':>7} {'R':>7} {'F1':>7}"]
        for zone, z in data["zones"].items():
            m = z["schemes"]["strict"]["micro"]
            lines.append(f"{zone:10} {z['units']:5d} {_pct(m['precision'])}  {_pct(m['recall'])}  {_pct(m['f1'])}")
    other = [v for v in data["views"] if v != data["signature_fields"]["view"]]
    if other:
        lines += ["", "other views (strict micro F1): " + ", ".join(f"{v} {_pct(data['views'][v]['schemes']['strict']['micro']['f1']).strip()}" for v in other)]
    if "errors" in data:
        classes = Counter(e["class"] for e in data["errors"])
        lines += ["", "errors: " + (", ".join(f"{k} {v}" for k, v in sorted(classes.items())) or "none")]
    for w in data["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines) + "\n"


def render_conlleval(data: dict) -> str:
    """conlleval's layout (strict scheme): the summary line, then one line per type."""
    m = data["schemes"]["strict"]["micro"]
    inputs = data.get("inputs", {})
    tokens = inputs.get("tokens")
    acc = inputs.get("token_accuracy")
    head = f"processed {tokens} tokens with {m['gold']} phrases; " if tokens is not None else f"processed {m['gold']} phrases; "
    lines = [head + f"found: {m['pred']} phrases; correct: {m['tp']}."]
    pct = lambda x: f"{100 * (x or 0.0):6.2f}%"  # noqa: E731  conlleval prints 0.00 for undefined
    acc_text = f"accuracy: {pct(acc)}; " if acc is not None else ""
    lines.append(f"{acc_text}precision: {pct(m['precision'])}; recall: {pct(m['recall'])}; FB1: {100 * (m['f1'] or 0.0):6.2f}")
    for label, s in data["schemes"]["strict"]["per_type"].items():
        if s["gold"] or s["pred"]:
            lines.append(f"{label:>17}: precision: {pct(s['precision'])}; recall: {pct(s['recall'])}; FB1: {100 * (s['f1'] or 0.0):6.2f}  {s['pred']}")
    return "\n".join(lines) + "\n"
