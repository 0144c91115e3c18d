"""Optimal one-to-one matching of predicted spans to gold spans, and the error class of each pair.

Unlike greedy matching (nervaluate), the result does not depend on the order of the spans: among all
one-to-one pairings of overlapping spans we take the one that maximizes, in this order of priority,
the number of fully correct pairs, then of pairs with the exact boundary, then of pairs with the right
type, then of overlapping pairs at all (`scipy.optimize.linear_sum_assignment` on each connected
component of the overlap graph, so cost grows with the size of the tangles, not of the corpus).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..spans import Span

CORRECT = "correct"
WRONG_TYPE = "wrong_type"  # same boundary, other label
WRONG_BOUNDARY = "wrong_boundary"  # overlap, same label
WRONG_BOTH = "wrong_type_and_boundary"  # overlap, other label
MISSED = "missed"
SPURIOUS = "spurious"
KINDS = (CORRECT, WRONG_TYPE, WRONG_BOUNDARY, WRONG_BOTH, MISSED, SPURIOUS)

# Lexicographic priorities as weights; a component has far fewer than 1000 spans on each side.
_WEIGHT = {CORRECT: 1e9, WRONG_TYPE: 1e6, WRONG_BOUNDARY: 1e3, WRONG_BOTH: 1.0}


@dataclass(frozen=True)
class Pair:
    gold: int | None  # index into the gold list, None for a spurious prediction
    pred: int | None  # index into the prediction list, None for a missed gold span
    kind: str


def pair_kind(gold: Span, pred: Span) -> str | None:
    if not gold.overlaps(pred):
        return None
    same_extent, same_label = gold.extent == pred.extent, gold.label == pred.label
    if same_extent:
        return CORRECT if same_label else WRONG_TYPE
    return WRONG_BOUNDARY if same_label else WRONG_BOTH


def match_spans(gold: Sequence[Span], pred: Sequence[Span]) -> list[Pair]:
    """Every gold and every predicted span appears in exactly one Pair, sorted by position."""
    pairs: list[Pair] = []
    for g_idx, p_idx in _components(gold, pred):
        if len(g_idx) == 1 and len(p_idx) == 1:
            kind = pair_kind(gold[g_idx[0]], pred[p_idx[0]])
            pairs.append(Pair(g_idx[0], p_idx[0], kind))
            continue
        pairs += _solve(gold, pred, g_idx, p_idx)
    matched_g = {p.gold for p in pairs}
    matched_p = {p.pred for p in pairs}
    pairs += [Pair(i, None, MISSED) for i in range(len(gold)) if i not in matched_g]
    pairs += [Pair(None, j, SPURIOUS) for j in range(len(pred)) if j not in matched_p]

    def position(p: Pair):
        span = gold[p.gold] if p.gold is not None else pred[p.pred]
        return (span.start, -span.end, p.gold if p.gold is not None else -1, p.pred if p.pred is not None else -1)

    return sorted(pairs, key=position)


def _components(gold: Sequence[Span], pred: Sequence[Span]) -> list[tuple[list[int], list[int]]]:
    """Connected components (with at least one edge) of the gold/pred overlap graph, by a sweep."""
    events = sorted(
        [(s.start, s.end, 0, i) for i, s in enumerate(gold)] + [(s.start, s.end, 1, j) for j, s in enumerate(pred)]
    )
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    active: list[tuple[int, int, int]] = []  # (end, side, index) of spans still open
    has_edge = set()
    for start, end, side, idx in events:
        active = [a for a in active if a[0] > start]
        node = (side, idx)
        find(node)
        for a_end, a_side, a_idx in active:
            if a_side != side:
                parent[find(node)] = find((a_side, a_idx))
                has_edge.update((node, (a_side, a_idx)))
        active.append((end, side, idx))
    groups: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for node in sorted(has_edge):
        g, p = groups.setdefault(find(node), ([], []))
        (g if node[0] == 0 else p).append(node[1])
    return list(groups.values())


def _solve(gold, pred, g_idx: list[int], p_idx: list[int]) -> list[Pair]:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    weight = np.zeros((len(g_idx), len(p_idx)))
    kinds = {}
    for a, i in enumerate(g_idx):
        for b, j in enumerate(p_idx):
            kind = pair_kind(gold[i], pred[j])
            if kind is not None:
                weight[a, b] = _WEIGHT[kind]
                kinds[a, b] = kind
    rows, cols = linear_sum_assignment(weight, maximize=True)
    return [Pair(g_idx[a], p_idx[b], kinds[a, b]) for a, b in zip(rows, cols) if weight[a, b] > 0]
