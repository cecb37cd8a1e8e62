"""Comparison of outcome distributions: two orderings on common worlds.

Two orderings of one scenario are simulated on the same worlds (common random
numbers), so replication r of ordering A and replication r of ordering B form a
*pair*. Everything about the difference (its mean and confidence interval, the share
of replications A wins, the Wilcoxon signed-rank test, the effect sizes and the
quantiles of the difference) uses the pairs. What is about each ordering alone (its
mean, quantiles, empirical CDF, the two-sample Kolmogorov-Smirnov test and first-order
stochastic dominance) uses each ordering's own values.

Metrics can be missing (NaN): the visit day of a visit that never happened. Pairs use
the replications where both values exist; marginal statistics use each side's values.
"Better" means higher, except for metrics that count days or costs (`lower_is_better`).

Two orderings can have the same outcome on a metric computed in another order (the
same climate gains added in another sequence), which differs in the last bits. Values
within `tolerance` of each other are therefore ties: a paired difference that small
counts as zero, and the ECDFs and the KS test see such values as one value. Otherwise
rounding noise would read as findings ("A wins 18%", "the ECDFs cross 5 times").
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..scenario import DAY_PREFIXES
from ..types import FloatArray

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
LOWER_IS_BETTER = ("days_to_first_visit", "precedence_cost")
"""Metrics where a smaller value is better (with every `day.<visitor>`)."""

TIE = 1e-9
"""Relative size below which a difference is rounding noise: values of a metric within
TIE x max(1, its largest magnitude) of each other are ties."""


def tolerance(*values: FloatArray) -> float:
    """The absolute tie tolerance of a metric's values: TIE x max(1, largest |value|)."""
    finite = [np.abs(v[np.isfinite(v)]) for v in values]
    scale = max((float(f.max()) for f in finite if f.size), default=0.0)
    return TIE * max(1.0, scale)


def _zero_ties(d: FloatArray, tol: float) -> FloatArray:
    """Differences with those within `tol` of zero set to exactly zero."""
    return np.where(np.abs(d) <= tol, 0.0, d)


def merge_ties(a: FloatArray, b: FloatArray, tol: float) -> tuple[FloatArray, FloatArray]:
    """a and b (NaN-free) with values closer than `tol` to a neighbour replaced by the
    smallest of their run, so that rounding noise does not separate two distributions."""
    pooled = np.unique(np.concatenate([a, b]))
    if pooled.size == 0:
        return a, b
    starts = np.concatenate([[True], np.diff(pooled) > tol])
    first = pooled[starts][np.cumsum(starts) - 1]
    return first[np.searchsorted(pooled, a)], first[np.searchsorted(pooled, b)]


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of this metric is the better outcome."""
    return metric in LOWER_IS_BETTER or metric.split(".", 1)[0] in DAY_PREFIXES


@dataclass(frozen=True)
class Difference:
    """A mean difference over n pairs (or two independent samples) with its CI."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    @property
    def significant(self) -> bool:
        """Whether the confidence interval excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


def _nan_difference(n: int) -> Difference:
    return Difference(math.nan, math.nan, math.nan, n)


def paired_difference(x: FloatArray, y: FloatArray, confidence: float = 0.95) -> Difference:
    """Mean of x - y over the pairs where both exist, with a Student-t interval.

    Pairs within `tolerance` of each other count as equal (difference 0)."""
    d = x - y
    d = _zero_ties(d[~np.isnan(d)], tolerance(x, y))
    n = int(d.size)
    if n < 2:
        return Difference(float(d.mean()) if n else math.nan, math.nan, math.nan, n)
    mean = float(d.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * d.std(ddof=1) / math.sqrt(n))
    return Difference(mean, mean - half, mean + half, n)


def welch_difference(x: FloatArray, y: FloatArray, confidence: float = 0.95) -> Difference:
    """Mean of x minus mean of y for independent samples (NaN dropped): Welch's interval."""
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    n = int(min(x.size, y.size))
    if n < 2:
        return _nan_difference(n)
    mean = float(x.mean() - y.mean())
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return Difference(mean, mean, mean, n)
    dof = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof) * se)
    return Difference(mean, mean - half, mean + half, n)


# --- two orderings -------------------------------------------------------------------


@dataclass(frozen=True)
class Dominance:
    """First-order stochastic dominance between the two empirical distributions.

    `verdict` is "a" or "b" (that ordering's distribution is better everywhere and
    strictly somewhere), "equal" (identical ECDFs) or "none". `crossings` are the
    values at which the ECDFs change which one is above the other.
    """

    verdict: str
    crossings: tuple[float, ...]


def _ecdf(values: FloatArray, grid: FloatArray) -> FloatArray:
    return np.searchsorted(np.sort(values), grid, side="right") / values.size


def dominance(a: FloatArray, b: FloatArray, lower_better: bool = False) -> Dominance:
    """Compare the ECDFs of a and b (NaN-free) on every observed value."""
    grid = np.unique(np.concatenate([a, b]))
    gap = _ecdf(a, grid) - _ecdf(b, grid)  # > 0: a has more mass below x
    if lower_better:
        gap = -gap
    sign = np.sign(gap)
    nonzero = sign != 0
    signs, where = sign[nonzero], grid[nonzero]
    crossings = tuple(float(x) for x in where[1:][signs[1:] != signs[:-1]])
    if not nonzero.any():
        verdict = "equal"
    elif (sign <= 0).all():
        verdict = "a"
    elif (sign >= 0).all():
        verdict = "b"
    else:
        verdict = "none"
    return Dominance(verdict, crossings)


@dataclass(frozen=True)
class Test:
    """A test statistic and its p-value."""

    statistic: float
    p_value: float


def wilcoxon(d: FloatArray) -> Test:
    """Wilcoxon signed-rank test of the paired differences (zeros dropped).

    All differences zero means no evidence of a difference at all: statistic 0, p = 1.
    """
    if not np.any(d != 0):
        return Test(0.0, 1.0)
    result = stats.wilcoxon(d)
    return Test(float(result.statistic), float(result.pvalue))


def rank_biserial(d: FloatArray) -> float:
    """Matched-pairs rank-biserial correlation: (R+ - R-) / (R+ + R-) over nonzero d.

    1 when every nonzero difference is positive, -1 when every one is negative, 0 when
    there are none. It is the effect size that goes with the Wilcoxon test.
    """
    nonzero = d[d != 0]
    if nonzero.size == 0:
        return 0.0
    ranks = stats.rankdata(np.abs(nonzero))
    plus = ranks[nonzero > 0].sum()
    return float((2 * plus - ranks.sum()) / ranks.sum())


def _quantiles(values: FloatArray) -> tuple[float, ...]:
    if values.size == 0:
        return tuple(math.nan for _ in QUANTILES)
    return tuple(float(q) for q in np.quantile(values, QUANTILES))


@dataclass(frozen=True)
class PairedComparison:
    """Ordering A against ordering B on one metric, over common replications.

    The difference is A - B. `p_a_better` is the share of pairs in which A's outcome
    is better (per the metric's direction), `p_b_better` B's, the rest are ties (equal
    within `tolerance`).
    `cohen_dz` is the mean difference over the sd of the differences (None if that sd
    is 0, up to rounding); `rank_biserial` is in [-1, 1], positive when A tends to be higher.
    """

    metric: str
    lower_is_better: bool
    replications: int
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    difference: Difference
    p_a_better: float
    p_b_better: float
    wilcoxon: Test
    ks: Test | None
    cohen_dz: float | None
    rank_biserial: float
    quantiles_a: tuple[float, ...]
    quantiles_b: tuple[float, ...]
    quantiles_difference: tuple[float, ...]
    dominance: Dominance
    confidence: float

    @property
    def identical(self) -> bool:
        """Whether A and B have the same outcome (up to rounding) in every replication:
        both have a value in the same replications, and every pair ties."""
        n = self.difference.n
        return n > 0 and self.n_a == self.n_b == n and self.p_a_better == self.p_b_better == 0

    def summary(self) -> str:
        """`utility: A − B 0.5 [0.5, 0.5], A wins 100%, B wins 0%`, or `identical`."""
        d = self.difference
        if self.identical:
            return f"{self.metric}: identical"
        return (
            f"{self.metric}: A − B {d.mean:.4g} [{d.ci_low:.4g}, {d.ci_high:.4g}], "
            f"A wins {self.p_a_better:.0%}, B wins {self.p_b_better:.0%}"
        )

    def __repr__(self) -> str:
        return f"<PairedComparison {self.summary()} ({self.difference.n} pairs)>"


def compare_pair(
    metric: str, a: FloatArray, b: FloatArray, confidence: float = 0.95
) -> PairedComparison:
    """Compare two orderings' values of `metric` (same replications, NaN = missing).

    Values within `tolerance(a, b)` of each other are ties (see the module docstring).
    """
    if a.shape != b.shape:
        raise ValueError("the two orderings need the same replications")
    lower = lower_is_better(metric)
    tol = tolerance(a, b)
    va, vb = a[~np.isnan(a)], b[~np.isnan(b)]
    ta, tb = merge_ties(va, vb, tol)
    both = ~np.isnan(a) & ~np.isnan(b)
    d = _zero_ties(a[both] - b[both], tol)
    better = -d if lower else d
    n = int(d.size)
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    ks = None
    if va.size and vb.size:
        with warnings.catch_warnings():
            # Where the exact p-value fails (large samples, many ties), scipy falls back to
            # the asymptotic one, and says so on stderr; the fallback is the intended use.
            warnings.filterwarnings("ignore", "ks_2samp: Exact calculation", RuntimeWarning)
            result = stats.ks_2samp(ta, tb)
        ks = Test(float(result.statistic), float(result.pvalue))
    return PairedComparison(
        metric=metric,
        lower_is_better=lower,
        replications=int(a.size),
        n_a=int(va.size),
        n_b=int(vb.size),
        mean_a=float(va.mean()) if va.size else math.nan,
        mean_b=float(vb.mean()) if vb.size else math.nan,
        difference=paired_difference(a, b, confidence),
        p_a_better=float((better > 0).mean()) if n else math.nan,
        p_b_better=float((better < 0).mean()) if n else math.nan,
        wilcoxon=wilcoxon(d),
        ks=ks,
        cohen_dz=float(d.mean() / sd) if n > 1 and sd > TIE * max(1.0, abs(d.mean())) else None,
        rank_biserial=rank_biserial(d),
        quantiles_a=_quantiles(va),
        quantiles_b=_quantiles(vb),
        quantiles_difference=_quantiles(d),
        dominance=dominance(ta, tb, lower) if va.size and vb.size else Dominance("none", ()),
        confidence=confidence,
    )
