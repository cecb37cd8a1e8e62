"""Ranking of orderings by mean utility, with honest uncertainty.

Input is a utility matrix of shape (orderings, replications) on common worlds, where
ordering k has `counts[k]` replications (0..counts[k]-1; the rest of its row is
ignored). Under the fixed design every count is equal; under the adaptive design an
eliminated ordering stops early. Its mean and interval then use every replication it
has, but P(best), SUCRA, the rank probabilities and MCB compare all orderings on the
replications every one of them has (the first min(counts)): a statement about which
ordering is best must compare like with like, or an ordering stopped early keeps the
luck of its first replications against the others' longer record.

* Confidence intervals: Student-t intervals on each ordering's mean.
* P(best) and the rank-probability matrix: a **paired Poisson bootstrap** over
  replication indices (`bootstrap`), its weights given by the caller (`Resampling`),
  so that the statistics are pure functions of their data. P(best) is about the *means*: the
  share of bootstrap worlds in which an ordering has the highest mean utility (ties
  share the credit), not how often it wins a single replication. After a selection
  procedure it describes the common replications; it is not the selection's
  confidence, which the procedure's own guarantee states.
* SUCRA, the surface under the cumulative ranking curve: (k - E[rank]) / (k - 1),
  1 for an ordering always ranked first and 0 for one always last.
* Hsu's multiple comparisons with the best (MCB), with common random numbers through
  pairwise-difference variances and a Bonferroni split over the k - 1 comparisons with
  the best (Nelson & Matejcik 1995): simultaneous intervals for mu_i - max_{l != i} mu_l.
  An interval whose upper end is 0 rules the ordering out as best, unless its mean ties
  the highest mean (`mcb_contenders`); one whose lower end is 0 rules out that any
  other ordering is better.
* Differences to the best: each ordering's paired mean difference X_i - X_best over
  the replications the two share, with its Student-t interval (one comparison at a
  time, unlike MCB): the evidence behind the ranking, which the figures plot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from scipy import stats

from ..types import BoolArray, FloatArray, IntArray, Ordering
from .bootstrap import RANK_MATRIX_LIMIT, PairedBootstrap, Resampling, bootstrap_ranks

TIE_TOLERANCE = 1e-9
"""Means closer than this (relative to the larger, or absolutely below 1) are tied:
orderings with identical outcomes differ only by rounding in how their means are summed."""


@dataclass(frozen=True)
class Ranking:
    """Per-ordering statistics, in candidate order; `order` lists indices best first."""

    orderings: Sequence[Ordering]
    replications: IntArray
    mean: FloatArray
    sd: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    p_best: FloatArray
    sucra: FloatArray
    mcb_low: FloatArray
    mcb_high: FloatArray
    diff_best: FloatArray  # X_i - X_best, paired; NaN above RANK_MATRIX_LIMIT
    diff_best_low: FloatArray
    diff_best_high: FloatArray
    rank_probabilities: FloatArray | None  # (orderings, ranks); None above the limit
    order: tuple[int, ...]
    confidence: float
    compared_on: int  # replications P(best), SUCRA, rank probabilities and MCB use

    @property
    def best(self) -> Ordering:
        """The top-ranked ordering."""
        return self.orderings[self.order[0]]

    @property
    def contenders(self) -> tuple[int, ...]:
        """Indices of the orderings MCB does not rule out as best, best first (none when
        MCB was not computed)."""
        if np.isnan(self.mcb_high).any():
            return ()
        keep = mcb_contenders(self.mean, self.mcb_high)
        return tuple(k for k in self.order if keep[k])

    def __repr__(self) -> str:
        k = self.order[0]
        return (
            f"<Ranking of {len(self.orderings):,} orderings: best {'→'.join(self.best)} "
            f"(mean {self.mean[k]:.4g}, P(best) {self.p_best[k]:.2f})>"
        )


def mcb_contenders(mean: FloatArray, mcb_high: FloatArray) -> BoolArray:
    """Which orderings MCB leaves in contention for best: a positive upper end, or a mean
    tied with the highest.

    The upper end is min over l of (mean_i - mean_l + w_il), clipped at 0. It is negative,
    ruling ordering i out, only when some other ordering is better by more than the
    interval's half-width; for an ordering with the highest sample mean every
    mean_i - mean_l >= 0, so it is never ruled out. Its upper end is still 0 when it ties
    another ordering exactly (identical outcomes in every world give w = 0), so ties with
    the highest mean are kept explicitly: at least one ordering always stays in contention.
    """
    top = mean.max()
    tied = np.abs(top - mean) <= TIE_TOLERANCE * np.maximum(1.0, np.abs(top))
    keep: BoolArray = (mcb_high > 0) | tied
    return keep


def reference(counts: IntArray, first: int | None) -> int:
    """The ordering the others are measured against: the most replicated one
    (`first` if it is among them, else the earliest in candidate order)."""
    most = np.nonzero(counts == counts.max())[0]
    return first if first is not None and first in most else int(most[0])


def paired_means(utility: FloatArray, counts: IntArray, ref: int) -> tuple[FloatArray, FloatArray]:
    """Means and their variances, borrowing strength from the reference ordering.

    With unequal replication counts, ordering i's mean is estimated as the reference's
    mean over all its replications plus the mean paired difference over i's own:
    mean_ref + mean(X_i - X_ref). Under common random numbers the difference is far
    less noisy than X_i itself, so an ordering the adaptive design stopped early is
    still placed precisely relative to the others. With equal counts this is exactly
    the plain mean.
    """
    n_ref = counts[ref]
    mask = np.arange(utility.shape[1])[None, :] < counts[:, None]
    diff = np.where(mask, utility - utility[ref], 0.0)
    x_ref = utility[ref, :n_ref]
    mean = x_ref.mean() + diff.sum(axis=1) / counts
    # Per-replication contributions c_r = X_ref,r / n_ref + D_i,r / n_i (r < n_i) and
    # X_ref,r / n_ref (n_i <= r < n_ref); replications are independent, so variances add.
    width = utility.shape[1]
    ref_row = np.zeros(width)
    ref_row[:n_ref] = x_ref
    c = np.where(mask, ref_row / n_ref + diff / counts[:, None], 0.0)
    c_mean = c.sum(axis=1) / counts
    c_var = np.where(mask, (c - c_mean[:, None]) ** 2, 0.0).sum(axis=1) / (counts - 1)
    variance = counts * c_var + (n_ref - counts) * x_ref.var(ddof=1) / n_ref**2
    return mean, variance


Pairwise = tuple[FloatArray, FloatArray, IntArray]
"""Means and variances of X_i - X_l over the replications each pair shares, and their count."""


def _pairwise(utility: FloatArray, counts: IntArray) -> Pairwise:
    """Mean and variance of X_i - X_l over the replications the pair shares."""
    k = utility.shape[0]
    diff_mean = np.zeros((k, k))
    diff_var = np.zeros((k, k))
    shared = np.minimum(counts[:, None], counts[None, :])
    for n in np.unique(counts):
        members = np.nonzero(counts >= n)[0]
        block = utility[members, :n]
        means = block.mean(axis=1)
        cov = np.atleast_2d(np.cov(block, ddof=1))
        var = np.diag(cov)
        pairs = shared[np.ix_(members, members)] == n
        d_mean = means[:, None] - means[None, :]
        d_var = var[:, None] + var[None, :] - 2.0 * cov
        rows, cols = members[:, None], members[None, :]
        diff_mean[rows, cols] = np.where(pairs, d_mean, diff_mean[rows, cols])
        diff_var[rows, cols] = np.where(pairs, d_var, diff_var[rows, cols])
    return diff_mean, np.maximum(diff_var, 0.0), shared


def _mcb(
    diff_mean: FloatArray, diff_var: FloatArray, shared: IntArray, confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Hsu's MCB intervals for mu_i - max_{l != i} mu_l from the pairwise differences'
    means and variances over `shared` common replications (Bonferroni over k - 1)."""
    k = diff_mean.shape[0]
    if k == 1:
        return np.zeros(1), np.zeros(1)
    quantile = stats.t.ppf(1.0 - (1.0 - confidence) / (k - 1), shared - 1)
    width = quantile * np.sqrt(diff_var / shared)
    off = ~np.eye(k, dtype=bool)
    lower = np.where(off, diff_mean - width, np.inf).min(axis=1)
    upper = np.where(off, diff_mean + width, np.inf).min(axis=1)
    return np.minimum(lower, 0.0), np.maximum(upper, 0.0)


def differences_to(
    pairwise: Pairwise, best: int, confidence: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Each ordering's paired mean difference to `best` with its Student-t interval
    (zero for `best` itself)."""
    diff_mean, diff_var, shared = pairwise
    n = shared[:, best]
    half = stats.t.ppf(0.5 + confidence / 2, np.maximum(n - 1, 1)) * np.sqrt(diff_var[:, best] / n)
    mean = diff_mean[:, best].copy()
    half[best] = 0.0
    mean[best] = 0.0
    return mean, mean - half, mean + half


def _assemble(
    orderings: Sequence[Ordering],
    counts: IntArray,
    moments: tuple[FloatArray, FloatArray, FloatArray],
    boot: Callable[[slice], FloatArray],
    samples: int,
    pairwise: Pairwise | None,
    first: int | None,
    confidence: float,
) -> Ranking:
    """A Ranking from means, sds and the means' variances, bootstrap means (of a slice
    of the `samples` bootstrap worlds, `bootstrap_ranks`) and the pairwise differences
    (MCB and the differences to the best; None: too many orderings)."""
    mean, sd, variance = moments
    k = len(orderings)
    half = stats.t.ppf(0.5 + confidence / 2, counts - 1) * np.sqrt(variance)
    p_best, sucra_, rank_probabilities = bootstrap_ranks(boot, samples, k)
    order = _order(mean, first)
    missing = np.full(k, np.nan)
    mcb_low, mcb_high = (missing, missing) if pairwise is None else _mcb(*pairwise, confidence)
    to_best = (
        (missing, missing, missing)
        if pairwise is None
        else differences_to(pairwise, order[0], confidence)
    )
    return Ranking(
        orderings=orderings,
        replications=counts,
        mean=mean,
        sd=sd,
        ci_low=mean - half,
        ci_high=mean + half,
        p_best=p_best,
        sucra=sucra_,
        mcb_low=mcb_low,
        mcb_high=mcb_high,
        diff_best=to_best[0],
        diff_best_low=to_best[1],
        diff_best_high=to_best[2],
        rank_probabilities=rank_probabilities,
        order=order,
        confidence=confidence,
        compared_on=int(counts.min()),
    )


def _order(mean: FloatArray, first: int | None) -> tuple[int, ...]:
    """Indices best first: `first` if given, then by mean utility, ties by index."""
    return tuple(sorted(range(len(mean)), key=lambda i: (i != first, -mean[i], i)))


class UtilityStream:
    """Ranking statistics of every ordering on replications 0..n-1, fed in order.

    Keeps per ordering the mean and sum of squared deviations, the k x k co-moments
    (for MCB; only up to RANK_MATRIX_LIMIT orderings) and the paired bootstrap's sums,
    each merged block by block (Chan, Golub & LeVeque's pairwise update), so a fixed
    design is ranked without keeping a single replication. Memory is O(k x samples +
    k²), whatever the number of replications.
    """

    def __init__(self, k: int, replications: int, resampling: Resampling, ref: int = 0) -> None:
        self.n = 0
        self.replications = replications
        self.ref = ref
        self.mean = np.zeros(k)
        self.m2 = np.zeros(k)
        self.comoment = np.zeros((k, k)) if k <= RANK_MATRIX_LIMIT else None
        self.bootstrap = PairedBootstrap(k, resampling, ref)

    def add(self, start: int, utility: FloatArray) -> None:
        """Utilities of replications start..start + width - 1, shape (orderings, width)."""
        if start != self.n or start + utility.shape[1] > self.replications:
            raise ValueError(
                f"replications must arrive in order within 0..{self.replications - 1}: "
                f"expected {self.n}, got {start}..{start + utility.shape[1] - 1}"
            )
        width = utility.shape[1]
        block_mean = utility.mean(axis=1)
        centred = utility - block_mean[:, None]
        delta = block_mean - self.mean
        total = self.n + width
        self.m2 += (centred * centred).sum(axis=1) + delta**2 * (self.n * width / total)
        if self.comoment is not None:
            self.comoment += centred @ centred.T + np.outer(delta, delta) * (self.n * width / total)
        self.mean += delta * (width / total)
        self.n = total
        self.bootstrap.add(start, utility)

    def state(self) -> dict[str, FloatArray]:
        """What has been merged, as arrays (a run resumes from them)."""
        bootstrap = self.bootstrap
        state = {
            "n": np.array(self.n),
            "mean": self.mean,
            "m2": self.m2,
            "ref_weight": bootstrap.ref_weight,
            "ref_sum": bootstrap.ref_sum,
            "weight": bootstrap.weight,
            "diff_sum": bootstrap.diff_sum,
        }
        if self.comoment is not None:
            state["comoment"] = self.comoment
        return state

    def restore(self, state: dict[str, FloatArray]) -> None:
        """Continue from a `state()` of a stream over the same orderings."""
        self.n = int(state["n"])
        self.mean, self.m2 = state["mean"].copy(), state["m2"].copy()
        if self.comoment is not None:
            self.comoment = state["comoment"].copy()
        bootstrap = self.bootstrap
        for name in ("ref_weight", "ref_sum", "weight", "diff_sum"):
            setattr(bootstrap, name, state[name].copy())

    def ranking(
        self, orderings: Sequence[Ordering], *, first: int | None = None, confidence: float = 0.95
    ) -> Ranking:
        """Rank the orderings once all replications have arrived."""
        n, k = self.n, len(orderings)
        if n != self.replications or n < 2:
            raise ValueError(f"{n} of {self.replications} replications arrived (need all, >= 2)")
        sd = np.sqrt(self.m2 / (n - 1))
        ref_mean, to_ref = float(self.mean[self.ref]), self.mean - self.mean[self.ref]
        pairwise = None
        if self.comoment is not None:
            diagonal = np.diag(self.comoment)
            diff_var = (diagonal[:, None] + diagonal[None, :] - 2.0 * self.comoment) / (n - 1)
            diff_mean = self.mean[:, None] - self.mean[None, :]
            shared = np.full((k, k), n, dtype=np.int64)
            pairwise = (diff_mean, np.maximum(diff_var, 0.0), shared)
        counts = np.full(k, n, dtype=np.int64)
        return _assemble(
            orderings,
            counts,
            (self.mean.copy(), sd, sd**2 / n),
            partial(self.bootstrap.means, ref_mean, to_ref),
            self.bootstrap.samples,
            pairwise,
            first,
            confidence,
        )


def rank_utilities(
    orderings: Sequence[Ordering],
    utility: FloatArray,
    resampling: Resampling,
    *,
    counts: IntArray | None = None,
    first: int | None = None,
    confidence: float = 0.95,
) -> Ranking:
    """Rank orderings from utilities of shape (orderings, replications), bootstrapped
    with the weights of `resampling`.

    `counts` gives each ordering's replications (default: all columns). `first` pins
    an ordering to rank 1 (the one a selection procedure chose); the rest are sorted
    by mean utility, ties by candidate order. With equal counts this is exactly what
    a `UtilityStream` fed the same utilities gives. With unequal counts, the means,
    sds and intervals use each ordering's own replications (`paired_means`); P(best),
    SUCRA, the rank probabilities and MCB are those of the first min(counts)
    replications, which every ordering has (`Ranking.compared_on`).
    """
    k, n = utility.shape
    counts = np.full(k, n, dtype=np.int64) if counts is None else np.asarray(counts, np.int64)
    if counts.min() < 2:
        raise ValueError("every ordering needs at least 2 replications to be ranked")
    common = int(counts.min())
    streamed = UtilityStream(k, common, resampling, first if first is not None else 0)
    step = resampling.block_size
    for start in range(0, common, step):
        streamed.add(start, utility[:, start : min(start + step, common)])
    shared = streamed.ranking(orderings, first=first, confidence=confidence)
    if (counts == common).all():
        return shared
    mask = np.arange(n)[None, :] < counts[:, None]
    own_mean = np.where(mask, utility, 0.0).sum(axis=1) / counts
    sd = np.sqrt(np.where(mask, (utility - own_mean[:, None]) ** 2, 0.0).sum(axis=1) / (counts - 1))
    mean, variance = paired_means(utility, counts, reference(counts, first))
    half = stats.t.ppf(0.5 + confidence / 2, counts - 1) * np.sqrt(variance)
    order = _order(mean, first)
    if k <= RANK_MATRIX_LIMIT:  # each pair on the replications it shares
        to_best = differences_to(_pairwise(utility, counts), order[0], confidence)
        shared = replace(
            shared, diff_best=to_best[0], diff_best_low=to_best[1], diff_best_high=to_best[2]
        )
    return replace(
        shared,
        replications=counts,
        mean=mean,
        sd=sd,
        ci_low=mean - half,
        ci_high=mean + half,
        order=order,
    )
