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


def resample_indices(n_units: int, resamples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_units, size=(resamples, n_units))


def bootstrap_ci(table: CountTable, resamples: int, seed: int, confidence: float = 0.95) -> dict:
    """Percentile intervals of micro P/R/F1 over units resampled with replacement."""
    n = table.counts.shape[0]
    if resamples <= 0 or n == 0:
        return {}
    idx = resample_indices(n, resamples, seed)
    scores = micro_prf(_summed(table.counts, idx))
    lo, hi = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    out = {}
    for k, name in enumerate(("precision", "recall", "f1")):
        col = scores[:, k]
        col = col[~np.isnan(col)]
        out[name] = [float(np.quantile(col, lo)), float(np.quantile(col, hi))] if len(col) else None
    return out


def _summed(counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sum of counts over each row of resampled unit indices: (resamples, labels, fields)."""
    flat = counts.reshape(counts.shape[0], -1)
    weights = np.zeros((idx.shape[0], counts.shape[0]), dtype=np.int64)
    np.add.at(weights, (np.repeat(np.arange(idx.shape[0]), idx.shape[1]), idx.ravel()), 1)
    return (weights @ flat).reshape(idx.shape[0], *counts.shape[1:])


def paired_tests(a: CountTable, b: CountTable, resamples: int, seed: int) -> dict:
    """Paired bootstrap and approximate randomization on micro F1 of two systems over the same units."""
    if a.counts.shape[0] != b.counts.shape[0]:
        raise ValueError("paired tests need the same units for both systems")
    n = a.counts.shape[0]
    f1 = lambda totals: micro_prf(totals)[..., 2]  # noqa: E731
    observed = float(f1(a.total()) - f1(b.total()))
    idx = resample_indices(n, resamples, seed)
    delta = f1(_summed(a.counts, idx)) - f1(_summed(b.counts, idx))
    delta = delta[~np.isnan(delta)]
    # Koehn (2004): how often does the resampled difference fail to keep the observed sign?
    if observed > 0:
        p_boot = float(np.mean(delta <= 0))
    elif observed < 0:
        p_boot = float(np.mean(delta >= 0))
    else:
        p_boot = 1.0
    rng = np.random.default_rng(seed + 1)
    swaps = rng.integers(0, 2, size=(resamples, n)).astype(bool)
    flat_a = a.counts.reshape(n, -1)
    flat_b = b.counts.reshape(n, -1)
    shape = (resamples, *a.counts.shape[1:])
    sum_a = (np.where(swaps[:, :, None], flat_b[None], flat_a[None])).sum(axis=1).reshape(shape)
    sum_b = (np.where(swaps[:, :, None], flat_a[None], flat_b[None])).sum(axis=1).reshape(shape)
    rand_delta = np.abs(f1(sum_a) - f1(sum_b))
    p_ar = float((np.sum(rand_delta >= abs(observed) - 1e-12) + 1) / (resamples + 1))
    return {"f1_difference": observed, "paired_bootstrap_p": p_boot, "approximate_randomization_p": p_ar, "resamples": resamples, "seed": seed}
