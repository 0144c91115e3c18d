"""From per-unit counts to scores: sums, micro/macro/per-type, bootstrap intervals, paired tests.

Counts are computed once per unit (sentence) and kept as an array `(units, labels, FIELDS)`; every
score, interval and test is a function of summed rows (sacrebleu style): resampling is row indexing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .schemes import FIELDS

G, P, C, PA, CP, PAP = range(len(FIELDS))


@dataclass
class CountTable:
    """Counts of one scheme: `counts[unit, label, field]`."""

    labels: list[str]
    counts: np.ndarray

    @classmethod
    def from_units(cls, labels: Sequence[str], unit_counts: Sequence[dict[str, list[int]]]) -> "CountTable":
        index = {label: i for i, label in enumerate(labels)}
        arr = np.zeros((len(unit_counts), len(labels), len(FIELDS)), dtype=np.int64)
        for u, counts in enumerate(unit_counts):
            for label, values in counts.items():
                arr[u, index[label]] += values
        return cls(list(labels), arr)

    def total(self, rows=None) -> np.ndarray:
        return (self.counts if rows is None else self.counts[rows]).sum(axis=0)


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _f1(p: float | None, r: float | None) -> float | None:
    if r is None:
        return None
    if r == 0 or p == 0:
        return 0.0
    if p is None:
        return None
    return 2 * p * r / (p + r)


def label_scores(row: np.ndarray, with_partial: bool) -> dict:
    """Scores of one label's (or the micro) summed counts; undefined ratios are None, never 0."""
    gold, pred, cor, par, cor_p, par_p = (int(x) for x in row)
    recall = _ratio(cor + 0.5 * par, gold)
    precision = _ratio(cor_p + 0.5 * par_p, pred)
    out = {
        "precision": precision,
        "recall": recall,
        "f1": _f1(precision, recall),
        "tp": cor,
        "fp": pred - cor_p - par_p,
        "fn": gold - cor - par,
        "gold": gold,
        "pred": pred,
    }
    if with_partial:
        out["partial"] = par
        out["partial_pred"] = par_p
    return out


def scheme_scores(total: np.ndarray, labels: Sequence[str], with_partial: bool) -> dict:
    """`micro`, `macro` (mean over labels with gold support) and `per_type` from summed counts."""
    per_type = {label: label_scores(total[i], with_partial) for i, label in enumerate(labels)}
    micro = label_scores(total.sum(axis=0), with_partial)
    supported = [s for s in per_type.values() if s["gold"] > 0]
    macro = {}
    for key in ("precision", "recall", "f1"):
        values = [s[key] for s in supported]
        macro[key] = None if not values or any(v is None for v in values) else float(np.mean(values))
    macro["types"] = len(supported)
    return {"micro": micro, "macro": macro, "per_type": per_type}


def micro_prf(totals: np.ndarray) -> np.ndarray:
    """Vectorized micro (precision, recall, f1) for totals of shape (..., labels, fields); NaN = undefined."""
    t = totals.sum(axis=-2).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(t[..., G] > 0, (t[..., C] + 0.5 * t[..., PA]) / t[..., G], np.nan)
        precision = np.where(t[..., P] > 0, (t[..., CP] + 0.5 * t[..., PAP]) / t[..., P], np.nan)
        f1 = np.where((precision + recall) > 0, 2 * precision * recall / (precision + recall), 0.0)
        f1 = np.where(np.isnan(recall) | (np.isnan(precision) & (recall > 0)), np.nan, f1)
    return np.stack([precision, recall, f1], axis=-1)


CHUNK = 64  # resamples per block: memory stays at CHUNK x units, whatever the number of resamples


def resampled_totals(tables: Sequence[np.ndarray], resamples: int, seed: int) -> list[np.ndarray]:
    """Summed counts of `resamples` bootstrap samples of the units, the same samples for every table.

    Indices are drawn block by block from one seeded generator (so memory does not grow with the
    number of resamples); counts are whole numbers far below 2**53, so the float64 matrix product
    (BLAS) is exact."""
    n = tables[0].shape[0]
    rng = np.random.default_rng(seed)
    flats = [t.reshape(n, -1).astype(np.float64) for t in tables]
    outs = [np.empty((resamples, f.shape[1]), dtype=np.int64) for f in flats]
    for a in range(0, resamples, CHUNK):
        c = min(CHUNK, resamples - a)
        block = rng.integers(0, n, size=(c, n))
        weights = np.bincount((np.arange(c)[:, None] * n + block).ravel(), minlength=c * n).reshape(c, n).astype(np.float64)
        for flat, out in zip(flats, outs):
            out[a : a + c] = np.rint(weights @ flat).astype(np.int64)
    return [out.reshape(resamples, *t.shape[1:]) for out, t in zip(outs, tables)]


def bootstrap_ci(table: CountTable, resamples: int, seed: int, confidence: float = 0.95) -> dict:
    """Percentile intervals of micro P/R/F1 over units resampled with replacement."""
    n = table.counts.shape[0]
    if resamples <= 0 or n == 0:
        return {}
    (totals,) = resampled_totals([table.counts], resamples, seed)
    scores = micro_prf(totals)
    lo, hi = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    out = {}
    for k, name in enumerate(("precision", "recall", "f1")):
        col = scores[:, k]
        col = col[~np.isnan(col)]
        out[name] = [float(np.quantile(col, lo)), float(np.quantile(col, hi))] if len(col) else None
    return out


def paired_tests(a: CountTable, b: CountTable, resamples: int, seed: int) -> dict:
    """Paired bootstrap and approximate randomization on micro F1 of two systems over the same units."""
    if a.counts.shape[0] != b.counts.shape[0]:
        raise ValueError("paired tests need the same units for both systems")
    n = a.counts.shape[0]
    f1 = lambda totals: micro_prf(totals)[..., 2]  # noqa: E731
    observed = float(f1(a.total()) - f1(b.total()))
    totals_a, totals_b = resampled_totals([a.counts, b.counts], resamples, seed)
    delta = f1(totals_a) - f1(totals_b)
    delta = delta[~np.isnan(delta)]
    # Koehn (2004): how often does the resampled difference fail to keep the observed sign?
    if observed > 0:
        p_boot = float(np.mean(delta <= 0))
    elif observed < 0:
        p_boot = float(np.mean(delta >= 0))
    else:
        p_boot = 1.0
    rng = np.random.default_rng(seed + 1)
    flat_a = a.counts.reshape(n, -1).astype(np.float64)
    flat_b = b.counts.reshape(n, -1).astype(np.float64)
    diff = flat_b - flat_a  # swapping unit u moves diff[u] from A's total to B's
    total_a, total_b = flat_a.sum(axis=0), flat_b.sum(axis=0)
    rand_delta = np.empty(resamples)
    for start in range(0, resamples, CHUNK):
        swaps = rng.integers(0, 2, size=(min(CHUNK, resamples - start), n)).astype(np.float64)
        moved = swaps @ diff
        block_shape = (swaps.shape[0], *a.counts.shape[1:])
        rand_delta[start : start + swaps.shape[0]] = np.abs(
            f1((total_a + moved).reshape(block_shape)) - f1((total_b - moved).reshape(block_shape))
        )
    p_ar = float((np.sum(rand_delta >= abs(observed) - 1e-12) + 1) / (resamples + 1))
    return {"f1_difference": observed, "paired_bootstrap_p": p_boot, "approximate_randomization_p": p_ar, "resamples": resamples, "seed": seed}
