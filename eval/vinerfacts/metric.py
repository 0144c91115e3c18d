"""`compute(predictions=..., references=...)` over tag lists, for users coming from HF `evaluate`'s seqeval.

    from vinerfacts.metric import compute
    compute(predictions=[["B-PER", "I-PER", "O"]], references=[["B-PER", "I-PER", "O"]])
    # {"PER": {"precision": 1.0, "recall": 1.0, "f1": 1.0, "number": 1}, "overall_precision": 1.0, ...}

Same keys as `evaluate.load("seqeval").compute(...)`, but: decoding is strict by default (seqeval's
`mode="strict"`; pass `mode="lenient"` for its default), undefined ratios are None instead of 0, the
other SemEval schemes are under "schemes", tags that break the scheme are counted under
"invalid_tags", and the result carries a "signature".
"""
from __future__ import annotations

from typing import Sequence

from . import __version__
from .errors import VinerfactsError
from .scoring.aggregate import CountTable, scheme_scores
from .scoring.matching import match_spans
from .scoring.schemes import SCHEMES, count_pairs
from .spans import Span
from .tags import decode


def compute(
    predictions: Sequence[Sequence[str]],
    references: Sequence[Sequence[str]],
    scheme: str = "IOB2",
    mode: str = "strict",
) -> dict:
    if len(predictions) != len(references):
        raise VinerfactsError(f"{len(predictions)} predicted sentences but {len(references)} references")
    per_scheme: dict[str, list[dict]] = {s: [] for s in SCHEMES}
    labels: set[str] = set()
    invalid = {"references": 0, "predictions": 0}
    correct_tokens = total_tokens = 0
    for k, (pred, ref) in enumerate(zip(predictions, references)):
        if len(pred) != len(ref):
            raise VinerfactsError(f"sentence {k}: {len(pred)} predicted tags but {len(ref)} reference tags")
        gold_dec, pred_dec = decode(ref, scheme, mode), decode(pred, scheme, mode)
        invalid["references"] += len(gold_dec.invalid)
        invalid["predictions"] += len(pred_dec.invalid)
        gold = [Span(a, b, t) for a, b, t in gold_dec.spans]
        hyp = [Span(a, b, t) for a, b, t in pred_dec.spans]
        labels.update(s.label for s in gold + hyp)
        pairs = match_spans(gold, hyp)
        for name in SCHEMES:
            per_scheme[name].append(count_pairs(pairs, gold, hyp, name))
        correct_tokens += sum(1 for a, b in zip(pred, ref) if a == b)
        total_tokens += len(ref)
    ordered = sorted(labels)
    scores = {name: scheme_scores(CountTable.from_units(ordered, units).total(), ordered, name == "partial") for name, units in per_scheme.items()}
    strict = scores["strict"]
    out: dict = {
        label: {"precision": s["precision"], "recall": s["recall"], "f1": s["f1"], "number": s["gold"]}
        for label, s in strict["per_type"].items()
    }
    out.update(
        overall_precision=strict["micro"]["precision"],
        overall_recall=strict["micro"]["recall"],
        overall_f1=strict["micro"]["f1"],
        overall_accuracy=correct_tokens / total_tokens if total_tokens else None,
        schemes=scores,
        invalid_tags=invalid,
        signature=f"vinerfacts:{__version__}|tags:{scheme}|decode:{mode}|match:optimal-1to1|input:tag-lists",
    )
    return out
