"""The four SemEval-2013 Task 9.1 matching schemes, one pure function each.

Each scheme says how a matched pair counts: fully `correct`, `partial` (half credit, partial scheme
only) or `incorrect`. Counts are kept per label on both sides, so per-type precision uses the
predicted label and per-type recall the gold label (for `strict` this is exactly seqeval's per-type
accounting):

    recall    = (correct + 0.5 * partial) / gold            (gold-side counts, by gold label)
    precision = (correct_pred + 0.5 * partial_pred) / pred  (prediction-side counts, by predicted label)

Micro totals of both sides agree.
"""
from __future__ import annotations

from typing import Callable, Sequence

from ..spans import Span
from .matching import CORRECT, MISSED, SPURIOUS, WRONG_BOTH, WRONG_BOUNDARY, WRONG_TYPE, Pair

FIELDS = ("gold", "pred", "correct", "partial", "correct_pred", "partial_pred")
COR, PAR, INC = "correct", "partial", "incorrect"


def strict(kind: str) -> str:
    """Exact boundary and exact type."""
    return COR if kind == CORRECT else INC


def exact(kind: str) -> str:
    """Exact boundary, whatever the type."""
    return COR if kind in (CORRECT, WRONG_TYPE) else INC


def partial(kind: str) -> str:
    """Overlapping boundary, whatever the type; an inexact boundary earns half credit."""
    return COR if kind in (CORRECT, WRONG_TYPE) else PAR


def type_match(kind: str) -> str:
    """Some overlap and the right type."""
    return COR if kind in (CORRECT, WRONG_BOUNDARY) else INC


SCHEMES: dict[str, Callable[[str], str]] = {"strict": strict, "exact": exact, "partial": partial, "type": type_match}


def get_scheme(name: str) -> Callable[[str], str]:
    if name not in SCHEMES:
        from ..registry import unknown_name

        raise unknown_name("matching scheme", name, SCHEMES)
    return SCHEMES[name]


def count_pairs(pairs: Sequence[Pair], gold: Sequence[Span], pred: Sequence[Span], scheme: str) -> dict[str, list[int]]:
    """Per-label counts `[gold, pred, correct, partial, correct_pred, partial_pred]` of one unit."""
    rule = get_scheme(scheme)
    counts: dict[str, list[int]] = {}

    def slot(label):
        return counts.setdefault(label, [0, 0, 0, 0, 0, 0])

    for p in pairs:
        g = gold[p.gold] if p.gold is not None else None
        q = pred[p.pred] if p.pred is not None else None
        if g is not None:
            slot(g.label)[0] += 1
        if q is not None:
            slot(q.label)[1] += 1
        if p.kind in (MISSED, SPURIOUS):
            continue
        outcome = rule(p.kind)
        if outcome == COR:
            slot(g.label)[2] += 1
            slot(q.label)[4] += 1
        elif outcome == PAR:
            slot(g.label)[3] += 1
            slot(q.label)[5] += 1
    return counts


ERROR_KINDS = (WRONG_TYPE, WRONG_BOUNDARY, WRONG_BOTH, MISSED, SPURIOUS)
