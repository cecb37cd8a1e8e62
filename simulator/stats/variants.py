"""Comparison of two variants (scenarios, or the runs of two scenarios), ordering by
ordering.

The best ordering in each, Kendall's tau between the mean utilities, the
orderings whose rank moved most, and each ordering's mean difference with a confidence
interval, A - B as for two orderings (paired over replications when both used the same
seed, since replication r then faces the same named draws in both; Welch's interval
otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..types import FloatArray, IntArray, Ordering
from .compare import Difference, paired_difference, welch_difference


@dataclass(frozen=True)
class MeanDifferences:
    """Per ordering: mean of a metric in variant A and in B, and A - B with its CI."""

    metric: str
    mean_a: FloatArray
    mean_b: FloatArray
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class VariantComparison:
    """How the ranking of the shared orderings moves from variant A to variant B.

    Ranks are 1-based by mean utility (ties by candidate order). `kendall_tau` is
    Kendall's tau-b between the two variants' mean utilities (1: the same order).
    `moves` lists ordering indices by how far their rank moved, largest first.
    """

    orderings: Sequence[Ordering]
    paired: bool
    rank_a: IntArray
    rank_b: IntArray
    kendall_tau: float
    kendall_p: float
    moves: tuple[int, ...]
    metrics: tuple[MeanDifferences, ...]
    confidence: float

    @property
    def best_a(self) -> Ordering:
        return self.orderings[int(np.argmin(self.rank_a))]

    @property
    def best_b(self) -> Ordering:
        return self.orderings[int(np.argmin(self.rank_b))]

    def __repr__(self) -> str:
        return (
            f"<VariantComparison of {len(self.orderings)} shared orderings: best "
            f"{'→'.join(self.best_a)} in A, {'→'.join(self.best_b)} in B; Kendall's tau "
            f"{self.kendall_tau:.2f}; {'paired' if self.paired else 'unpaired'}>"
        )


def ranks(means: FloatArray) -> IntArray:
    """1-based ranks, highest mean first, ties by position."""
    order = sorted(range(means.size), key=lambda i: (-means[i], i))
    out = np.empty(means.size, dtype=np.int64)
    out[order] = np.arange(1, means.size + 1)
    return out


def _nanmean(values: FloatArray) -> FloatArray:
    """Row means over non-missing values (NaN for a row with none), without warnings."""
    present = ~np.isnan(values)
    count = present.sum(axis=1)
    total = np.where(present, values, 0.0).sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def mean_differences(
    metric: str, a: FloatArray, b: FloatArray, paired: bool, confidence: float = 0.95
) -> MeanDifferences:
    """Per ordering (rows), A - B: paired over shared replication columns, else Welch.

    A - B, as for two orderings: positive when variant A's value is higher."""
    width = min(a.shape[1], b.shape[1])
    if paired:
        diffs = tuple(
            paired_difference(a[k, :width], b[k, :width], confidence) for k in range(a.shape[0])
        )
    else:
        diffs = tuple(welch_difference(a[k], b[k], confidence) for k in range(a.shape[0]))
    return MeanDifferences(metric, _nanmean(a), _nanmean(b), diffs)


def compare_variants(
    orderings: Sequence[Ordering],
    utility_a: FloatArray,
    utility_b: FloatArray,
    others: dict[str, tuple[FloatArray, FloatArray]],
    *,
    paired: bool,
    confidence: float = 0.95,
) -> VariantComparison:
    """Compare variants on the shared orderings (rows of every array).

    `utility_*` are (orderings, replications) with NaN beyond an ordering's
    replications; `others` maps further metrics to their (A, B) arrays.
    """
    mean_a, mean_b = _nanmean(utility_a), _nanmean(utility_b)
    rank_a, rank_b = ranks(mean_a), ranks(mean_b)
    if len(orderings) > 1 and np.ptp(mean_a) > 0 and np.ptp(mean_b) > 0:
        tau = stats.kendalltau(mean_a, mean_b)
        kendall, p_value = float(tau.statistic), float(tau.pvalue)
    else:
        kendall, p_value = math.nan, math.nan
    moved = np.abs(rank_b - rank_a)
    moves = tuple(sorted(range(len(orderings)), key=lambda k: (-moved[k], rank_a[k])))
    metrics = [mean_differences("utility", utility_a, utility_b, paired, confidence)]
    metrics += [mean_differences(name, a, b, paired, confidence) for name, (a, b) in others.items()]
    return VariantComparison(
        orderings=orderings,
        paired=paired,
        rank_a=rank_a,
        rank_b=rank_b,
        kendall_tau=kendall,
        kendall_p=p_value,
        moves=moves,
        metrics=tuple(metrics),
        confidence=confidence,
    )
