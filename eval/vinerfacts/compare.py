"""Significance of the difference between two systems on the same gold (paired over sentences)."""
from __future__ import annotations


from .evaluate import EvaluationError, load_inputs
from .report import signature_of, unit_tables
from .scoring.aggregate import paired_tests, scheme_scores
from .scoring.schemes import SCHEMES


def compare_systems(gold, pred_a, pred_b, *, view="outermost", labels="coarse", resamples=1000, seed=12345, **load) -> dict:
    from . import __version__

    a = load_inputs(gold, pred_a, labels=labels, **load)
    b = load_inputs(gold, pred_b, labels=labels, **load)
    if [u.id for u in a.units] != [u.id for u in b.units]:
        raise EvaluationError(f"{pred_a} and {pred_b} were not scored on the same sentences")
    if resamples <= 0:
        raise EvaluationError("compare needs --bootstrap > 0 resamples")
    ta, _, _ = unit_tables(a, view)
    tb, _, _ = unit_tables(b, view)
    out = {"signature": signature_of({
        "vinerfacts": __version__, "gold": a.gold_id, "view": view, "labels": labels, "tok": a.tokenization,
        "test": "paired-bootstrap+approx-randomization", "unit": "sentence", "resamples": resamples, "seed": seed,
    }), "a": str(pred_a), "b": str(pred_b), "units": len(a.units), "schemes": {}}
    for scheme in SCHEMES:
        out["schemes"][scheme] = {
            "a": scheme_scores(ta[scheme].total(), a.labels, scheme == "partial")["micro"],
            "b": scheme_scores(tb[scheme].total(), b.labels, scheme == "partial")["micro"],
            **paired_tests(ta[scheme], tb[scheme], resamples, seed),
        }
    return out


def format_comparison(result: dict) -> str:
    def pct(x):
        return "undef" if x is None else f"{100 * x:.2f}"

    lines = [f"signature: {result['signature']}", f"A: {result['a']}", f"B: {result['b']}", f"units (sentences): {result['units']}", ""]
    lines.append(f"{'scheme':8} {'F1 A':>7} {'F1 B':>7} {'A-B':>7} {'p boot':>7} {'p AR':>7}")
    for scheme, r in result["schemes"].items():
        lines.append(
            f"{scheme:8} {pct(r['a']['f1']):>7} {pct(r['b']['f1']):>7} {100 * r['f1_difference']:7.2f} {r['paired_bootstrap_p']:7.3f} {r['approximate_randomization_p']:7.3f}"
        )
    return "\n".join(lines) + "\n"
