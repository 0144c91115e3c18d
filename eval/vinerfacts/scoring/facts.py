"""Fact scoring (also used for fact agreement): one-to-one optimal matching of facts, then per-slot scores.

A fact is given as a dict `{"type", "start", "end", "slots": {name: slot | [slot, ...]}}` where a slot is
`{"start", "end"}` plus optional normalized fields (`value`, `comparator`, time fields) and an entity
link as the linked entity's extent `link: (start, end)` (gold ids are turned into extents by the caller,
so that systems link by span). Pure functions, no I/O.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Sequence

from ..spans import Span

TIME_KEYS = ("value",)


def _slots(fact: dict) -> list[tuple[str, dict]]:
    out = []
    for name, value in fact.get("slots", {}).items():
        for slot in value if isinstance(value, list) else [value]:
            out.append((name, slot))
    return out


def _anchor(fact: dict) -> tuple[int, int]:
    q = fact.get("slots", {}).get("quantity")
    if isinstance(q, dict):
        return q["start"], q["end"]
    return fact["start"], fact["end"]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def match_facts(gold: Sequence[dict], pred: Sequence[dict]) -> list[tuple[int, int]]:
    """Optimal one-to-one pairs of same-type facts whose quantity span (quantities) or evidence overlaps."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    if not gold or not pred:
        return []
    weight = np.zeros((len(gold), len(pred)))
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if g["type"] != p["type"]:
                continue
            anchor = _overlap(_anchor(g), _anchor(p))
            evidence = _overlap((g["start"], g["end"]), (p["start"], p["end"]))
            if anchor > 0 or (g["type"] != "quantity" and evidence > 0):
                weight[i, j] = 1000 * anchor + evidence + 1e-6
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols) if weight[i, j] > 0]


def token_f1(a: tuple[int, int] | None, b: tuple[int, int] | None, tokens: Sequence[tuple[int, int]]) -> float:
    """F1 of the syllable tokens two spans cover (0 when either is missing)."""
    if a is None or b is None:
        return 0.0
    ta = {t for t in tokens if a[0] <= t[0] and t[1] <= a[1]}
    tb = {t for t in tokens if b[0] <= t[0] and t[1] <= b[1]}
    inter = len(ta & tb)
    if not inter:
        return 0.0
    p, r = inter / len(tb), inter / len(ta)
    return 2 * p * r / (p + r)


def fact_counts(gold: Sequence[dict], pred: Sequence[dict], tokens: Sequence[tuple[int, int]]) -> dict:
    """Sufficient statistics of one document: per fact type and per slot name."""
    pairs = match_facts(gold, pred)
    per_type = defaultdict(lambda: defaultdict(float))
    per_slot = defaultdict(lambda: defaultdict(float))
    for f in gold:
        per_type[f["type"]]["gold"] += 1
        for name, _ in _slots(f):
            per_slot[f"{f['type']}.{name}"]["gold"] += 1
    for f in pred:
        per_type[f["type"]]["pred"] += 1
        for name, _ in _slots(f):
            per_slot[f"{f['type']}.{name}"]["pred"] += 1
    for i, j in pairs:
        g, p = gold[i], pred[j]
        per_type[g["type"]]["matched"] += 1
        per_type[g["type"]]["evidence_exact"] += (g["start"], g["end"]) == (p["start"], p["end"])
        g_slots, p_slots = defaultdict(list), defaultdict(list)
        for name, slot in _slots(g):
            g_slots[name].append(slot)
        for name, slot in _slots(p):
            p_slots[name].append(slot)
        for name in set(g_slots) | set(p_slots):
            key = f"{g['type']}.{name}"
            gs, ps = g_slots.get(name, []), p_slots.get(name, [])
            g_ext = {(s["start"], s["end"]) for s in gs}
            p_ext = {(s["start"], s["end"]) for s in ps}
            per_slot[key]["exact"] += len(g_ext & p_ext)
            for s in gs:  # best token overlap of each gold slot with a predicted slot of the same name
                per_slot[key]["token_f1_sum"] += max((token_f1((s["start"], s["end"]), (q["start"], q["end"]), tokens) for q in ps), default=0.0)
            if len(gs) == 1 and len(ps) == 1:
                a, b = gs[0], ps[0]
                for field in ("value", "comparator", "link"):
                    if field in a:
                        per_slot[key][f"{field}_gold"] += 1
                        per_slot[key][f"{field}_equal"] += a.get(field) == b.get(field)
    return {"types": {k: dict(v) for k, v in per_type.items()}, "slots": {k: dict(v) for k, v in per_slot.items()}}


def add_counts(total: dict, counts: dict) -> dict:
    for level in ("types", "slots"):
        for key, values in counts[level].items():
            slot = total.setdefault(level, {}).setdefault(key, {})
            for name, v in values.items():
                slot[name] = slot.get(name, 0) + v
    return total


def _ratio(a, b):
    return a / b if b else None


def fact_scores(total: dict) -> dict:
    """Fact P/R/F1 per type and overall (a fact counts when its type and anchor match), and per-slot scores."""
    def prf(matched, gold, pred):
        p, r = _ratio(matched, pred), _ratio(matched, gold)
        f = None if p is None or r is None else (0.0 if p + r == 0 else 2 * p * r / (p + r))
        return {"precision": p, "recall": r, "f1": f, "matched": int(matched), "gold": int(gold), "pred": int(pred)}

    types = {t: prf(c.get("matched", 0), c.get("gold", 0), c.get("pred", 0)) for t, c in sorted(total.get("types", {}).items())}
    overall = prf(*(sum(c.get(k, 0) for c in total.get("types", {}).values()) for k in ("matched", "gold", "pred")))
    slots = {}
    for key, c in sorted(total.get("slots", {}).items()):
        entry = prf(c.get("exact", 0), c.get("gold", 0), c.get("pred", 0))
        entry = {"exact_" + k if k in ("precision", "recall", "f1") else k: v for k, v in entry.items()}
        entry["token_f1"] = _ratio(c.get("token_f1_sum", 0.0), c.get("gold", 0))
        for field in ("value", "comparator", "link"):
            if c.get(f"{field}_gold"):
                entry[f"{field}_accuracy"] = c.get(f"{field}_equal", 0) / c[f"{field}_gold"]
        slots[key] = entry
    return {"overall": overall, "per_type": types, "slots": slots}


def linked(fact: dict, entity_extent: dict[str, tuple[int, int]]) -> dict:
    """A gold-style fact (entity_id links) with `link` extents instead, as predicted facts carry."""
    out = {**fact, "slots": {}}
    for name, value in fact.get("slots", {}).items():
        items = []
        for slot in value if isinstance(value, list) else [value]:
            slot = dict(slot)
            if "entity_id" in slot:
                slot["link"] = entity_extent.get(slot.pop("entity_id"))
            elif isinstance(slot.get("link"), dict):
                slot["link"] = (slot["link"]["start"], slot["link"]["end"])
            items.append(slot)
        out["slots"][name] = items if isinstance(value, list) else items[0]
    return out


def spans_of(facts: Sequence[dict]) -> list[Span]:
    return [Span(f["start"], f["end"], f["type"]) for f in facts]
