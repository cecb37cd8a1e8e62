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
  replication indices. Each bootstrap world gives replication index r a Poisson(1)
  weight, shared by every ordering, which keeps the correlation that common random
  numbers create and handles unequal replication counts exactly (an ordering's
  bootstrap mean weighs its own replications only). P(best) is about the *means*: the
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

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from ..streams import stream
from ..types import FloatArray, Ordering
from ..world import BLOCK_SIZE

BOOTSTRAP_SAMPLES = 2000
RANK_MATRIX_LIMIT = 2000
"""Largest candidate count for which the k x k rank matrix and MCB are computed."""

CHUNK_CELLS = 1 << 22
"""Bootstrap cells (worlds x orderings, 32 MiB of floats) ranked at a time. The
bootstrap's sums are samples x k; the arrays derived from them to rank the orderings
(bootstrap means, ranks, shares) are made a chunk at a time, so ranking 40,320
orderings needs no samples x k array beyond the sums themselves."""

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

TIE_TOLERANCE = 1e-9
"""Means closer than this (relative to the larger, or absolutely below 1) are tied:
orderings with identical outcomes differ only by rounding in how their means are summed."""


@dataclass(frozen=True)
class Ranking:
    """Per-ordering statistics, in candidate order; `order` lists indices best first."""

    orderings: tuple[Ordering, ...]
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
    return (mcb_high > 0) | tied


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


_POISSON_CDF = stats.poisson.cdf(np.arange(32), 1.0)
"""Poisson(1)'s CDF: a weight is the number of its values at or below a uniform."""

_CELLS = 4096
_CELL_EDGES = np.arange(_CELLS + 1) / _CELLS
_CELL_LOW = np.searchsorted(_POISSON_CDF, _CELL_EDGES[:-1], side="right").astype(np.float64)
_CELL_EXACT = np.searchsorted(_POISSON_CDF, _CELL_EDGES[1:], side="left") == _CELL_LOW
"""Uniforms in [i, i + 1) / _CELLS map to _CELL_LOW[i] unless a CDF value falls inside
the cell (about 1 cell in 200): a table lookup, with a search only for those."""


def bootstrap_weights(seed: int, block: int, samples: int) -> FloatArray:
    """Poisson(1) weights of world block `block`'s replications in every bootstrap world.

    Shape (samples, BLOCK_SIZE), drawn by inverse CDF. Keyed by block, so a replication
    has the same weights whether its utilities are held in memory or streamed past once.
    """
    uniforms = stream(seed, "stats:bootstrap", block).random((samples, BLOCK_SIZE))
    cells = (uniforms * _CELLS).astype(np.intp)
    weights = _CELL_LOW[cells]
    inexact = ~_CELL_EXACT[cells]
    weights[inexact] = np.searchsorted(_POISSON_CDF, uniforms[inexact], side="right")
    return weights


class PairedBootstrap:
    """Sums of the paired Poisson bootstrap, accumulated block by block.

    Each bootstrap world weighs replication index r by a Poisson(1) draw shared by
    every ordering (`bootstrap_weights`), and recomputes each ordering's mean as the
    reference's weighted mean plus the weighted mean difference to it. Utilities may
    arrive in any slices, in replication order.
    """

    def __init__(self, orderings: int, samples: int, seed: int, ref: int) -> None:
        self.samples = samples
        self.seed = seed
        self.ref = ref
        self.ref_weight = np.zeros(samples)
        self.ref_sum = np.zeros(samples)
        self.weight = np.zeros((samples, 1))
        self.diff_sum = np.zeros((samples, orderings))

    def add(self, start: int, utility: FloatArray) -> None:
        """Utilities of replications start..start + width - 1, shape (orderings, width)."""
        stop = start + utility.shape[1]
        r = start
        while r < stop:
            block, low = divmod(r, BLOCK_SIZE)
            width = min(stop - r, BLOCK_SIZE - low)
            weights = bootstrap_weights(self.seed, block, self.samples)[:, low : low + width]
            part = utility[:, r - start : r - start + width]
            self.ref_weight += weights.sum(axis=1)
            self.ref_sum += weights @ part[self.ref]
            self.weight += weights.sum(axis=1, keepdims=True)
            self.diff_sum += weights @ (part - part[self.ref]).T
            r += width

    def means(
        self, ref_mean: float, diff_mean: FloatArray, worlds: slice = slice(None)
    ) -> FloatArray:
        """Bootstrap means of the bootstrap worlds `worlds` (default all), shape
        (worlds, orderings).

        A bootstrap world that gives every replication weight 0 (chance e^-n) keeps
        the plain estimate (`ref_mean`, `diff_mean`) rather than dividing by zero.
        """
        ref_weight, ref_sum = self.ref_weight[worlds], self.ref_sum[worlds]
        weight = self.weight[worlds]
        ref = np.where(ref_weight > 0, ref_sum / np.maximum(ref_weight, 1), ref_mean)
        diff = np.where(
            weight > 0, self.diff_sum[worlds] / np.maximum(weight, 1), diff_mean[None, :]
        )
        return ref[:, None] + diff


def bootstrap_means(utility: FloatArray, samples: int, seed: int, ref: int = 0) -> FloatArray:
    """Paired Poisson-bootstrap means of utilities held in memory, shape (samples, orderings)."""
    bootstrap = PairedBootstrap(utility.shape[0], samples, seed, ref)
    bootstrap.add(0, utility)
    mean = utility.mean(axis=1)
    return bootstrap.means(float(mean[ref]), mean - mean[ref])


def best_shares(means: FloatArray) -> FloatArray:
    """Share of rows in which each column is the maximum; tied columns split a row."""
    return _best_rows(means).mean(axis=0)


def _best_rows(means: FloatArray) -> FloatArray:
    """Per row, each column's share of being the maximum (tied columns split it)."""
    top = means == means.max(axis=1, keepdims=True)
    return top / top.sum(axis=1, keepdims=True)


def rank_bounds(means: FloatArray) -> tuple[IntArray, IntArray]:
    """Per row and column: best and worst 0-based rank (equal unless tied)."""
    ascending = np.sort(means, axis=1)
    k = means.shape[1]
    low = np.empty(means.shape, dtype=np.int64)
    high = np.empty(means.shape, dtype=np.int64)
    for b in range(means.shape[0]):
        low[b] = k - np.searchsorted(ascending[b], means[b], side="right")
        high[b] = k - 1 - np.searchsorted(ascending[b], means[b], side="left")
    return low, high


def rank_matrix(low: IntArray, high: IntArray) -> FloatArray:
    """P(ordering i has rank j), tied rows spreading their credit evenly over ranks."""
    samples, k = low.shape
    matrix = np.zeros((k, k))
    columns = np.broadcast_to(np.arange(k), low.shape)
    untied = low == high
    np.add.at(matrix, (columns[untied], low[untied]), 1.0)
    for b, i in zip(*np.nonzero(~untied), strict=True):
        span = high[b, i] - low[b, i] + 1
        matrix[i, low[b, i] : high[b, i] + 1] += 1.0 / span
    return matrix / samples


def sucra(rank_sums: IntArray, samples: int) -> FloatArray:
    """Surface under the cumulative ranking curve, from the expected rank: `rank_sums`
    is each ordering's best plus worst 0-based rank, summed over `samples` bootstrap
    worlds (integers, so the sum is exact in any order)."""
    k = rank_sums.size
    if k == 1:
        return np.ones(1)
    expected = rank_sums / 2.0 / samples
    return (k - 1 - expected) / (k - 1)


def bootstrap_ranks(
    means: Callable[[slice], FloatArray], samples: int, k: int
) -> tuple[FloatArray, FloatArray, FloatArray | None]:
    """P(best), SUCRA and (up to RANK_MATRIX_LIMIT orderings) the rank matrix of k
    orderings' bootstrap means, which `means(worlds)` gives for a slice of the `samples`
    bootstrap worlds.

    Worked a chunk of CHUNK_CELLS at a time. P(best)'s shares are added world after
    world, as one reduction over all worlds adds them, so the result does not depend on
    the chunking (nor, as the ranks are integers, does SUCRA).
    """
    step = samples if k == 1 else max(1, CHUNK_CELLS // k)  # one column sums pairwise
    shares: FloatArray | None = None
    rank_sums = np.zeros(k, dtype=np.int64)
    bounds: list[tuple[IntArray, IntArray]] = []
    for first in range(0, samples, step):
        chunk = means(slice(first, first + step))
        rows = _best_rows(chunk)
        shares = (
            rows.sum(axis=0)
            if shares is None
            else np.add.reduce(np.concatenate([shares[None, :], rows]), axis=0)
        )
        low, high = rank_bounds(chunk)
        rank_sums += (low + high).sum(axis=0)
        if k <= RANK_MATRIX_LIMIT:
            bounds.append((low, high))
    assert shares is not None, "no bootstrap worlds"
    matrix = None
    if k <= RANK_MATRIX_LIMIT:
        matrix = rank_matrix(
            np.concatenate([low for low, _ in bounds]), np.concatenate([high for _, high in bounds])
        )
    return shares / samples, sucra(rank_sums, samples), matrix


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
    orderings: tuple[Ordering, ...],
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

    def __init__(
        self, k: int, replications: int, seed: int, samples: int = BOOTSTRAP_SAMPLES, ref: int = 0
    ) -> None:
        self.n = 0
        self.replications = replications
        self.ref = ref
        self.mean = np.zeros(k)
        self.m2 = np.zeros(k)
        self.comoment = np.zeros((k, k)) if k <= RANK_MATRIX_LIMIT else None
        self.bootstrap = PairedBootstrap(k, samples, seed, ref)

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
        self, orderings: tuple[Ordering, ...], *, first: int | None = None, confidence: float = 0.95
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


def rank_orderings(
    orderings: tuple[Ordering, ...],
    utility: FloatArray,
    *,
    seed: int,
    counts: IntArray | None = None,
    first: int | None = None,
    confidence: float = 0.95,
    samples: int = BOOTSTRAP_SAMPLES,
) -> Ranking:
    """Rank orderings from utilities of shape (orderings, replications).

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
    streamed = UtilityStream(k, common, seed, samples, first if first is not None else 0)
    for start in range(0, common, BLOCK_SIZE):
        streamed.add(start, utility[:, start : min(start + BLOCK_SIZE, common)])
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
