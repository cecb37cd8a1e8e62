"""The paired Poisson bootstrap over replications, and the ranks it gives.

Each bootstrap world gives replication index r a Poisson(1) weight, shared by every
ordering, which keeps the correlation that common random numbers create and handles
unequal replication counts exactly (an ordering's bootstrap mean weighs its own
replications only). The weights come from a `Resampling`, a block of replications at
a time: the statistics draw no random numbers of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from scipy import stats

from ..types import FloatArray, IntArray

BOOTSTRAP_SAMPLES = 2000
RANK_MATRIX_LIMIT = 2000
"""Largest candidate count for which the k x k rank matrix and MCB are computed."""

CHUNK_CELLS = 1 << 22
"""Bootstrap cells (worlds x orderings, 32 MiB of floats) ranked at a time. The
bootstrap's sums are samples x k; the arrays derived from them to rank the orderings
(bootstrap means, ranks, shares) are made a chunk at a time, so ranking 40,320
orderings needs no samples x k array beyond the sums themselves."""

_POISSON_CDF = stats.poisson.cdf(np.arange(32), 1.0)
"""Poisson(1)'s CDF: a weight is the number of its values at or below a uniform."""

_CELLS = 4096
_CELL_EDGES = np.arange(_CELLS + 1) / _CELLS
_CELL_LOW = np.searchsorted(_POISSON_CDF, _CELL_EDGES[:-1], side="right").astype(np.float64)
_CELL_EXACT = np.searchsorted(_POISSON_CDF, _CELL_EDGES[1:], side="left") == _CELL_LOW
"""Uniforms in [i, i + 1) / _CELLS map to _CELL_LOW[i] unless a CDF value falls inside
the cell (about 1 cell in 200): a table lookup, with a search only for those."""


def poisson_weights(uniforms: FloatArray) -> FloatArray:
    """Poisson(1) weights from uniforms in [0, 1) of any shape, by inverse CDF."""
    cells = (uniforms * _CELLS).astype(np.intp)
    weights = _CELL_LOW[cells]
    inexact = ~_CELL_EXACT[cells]
    weights[inexact] = np.searchsorted(_POISSON_CDF, uniforms[inexact], side="right")
    return weights


class Resampling(Protocol):
    """The weights of a paired bootstrap, given a block of replications at a time.

    Keyed by block, so that a replication has the same weights whether its utilities
    are held in memory or streamed past once.
    """

    @property
    def samples(self) -> int:
        """Bootstrap worlds."""
        ...

    @property
    def block_size(self) -> int:
        """Replications per block."""
        ...

    def weights(self, block: int) -> FloatArray:
        """Poisson(1) weights of block `block`'s replications in every bootstrap world,
        shape (samples, block_size)."""
        ...


class PairedBootstrap:
    """Sums of the paired Poisson bootstrap, accumulated block by block.

    Each bootstrap world weighs replication index r by a Poisson(1) draw shared by
    every ordering (`resampling`), and recomputes each ordering's mean as the
    reference's weighted mean plus the weighted mean difference to it. Utilities may
    arrive in any slices, in replication order.
    """

    def __init__(self, orderings: int, resampling: Resampling, ref: int) -> None:
        samples = self.samples = resampling.samples
        self.resampling = resampling
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
            block, low = divmod(r, self.resampling.block_size)
            width = min(stop - r, self.resampling.block_size - low)
            weights = self.resampling.weights(block)[:, low : low + width]
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


def bootstrap_means(utility: FloatArray, resampling: Resampling, ref: int = 0) -> FloatArray:
    """Paired Poisson-bootstrap means of utilities held in memory, shape (samples, orderings)."""
    bootstrap = PairedBootstrap(utility.shape[0], resampling, ref)
    bootstrap.add(0, utility)
    mean = utility.mean(axis=1)
    return bootstrap.means(float(mean[ref]), mean - mean[ref])


def best_shares(means: FloatArray) -> FloatArray:
    """Share of rows in which each column is the maximum; tied columns split a row."""
    shares: FloatArray = _best_rows(means).mean(axis=0)
    return shares


def _best_rows(means: FloatArray) -> FloatArray:
    """Per row, each column's share of being the maximum (tied columns split it)."""
    top = means == means.max(axis=1, keepdims=True)
    rows: FloatArray = top / top.sum(axis=1, keepdims=True)
    return rows


BROADCAST_RANKS = 64
"""Up to this many orderings, `rank_bounds` compares every pair at once (rows x k x k
values); above, it searches each row's sorted means."""


def rank_bounds(means: FloatArray) -> tuple[IntArray, IntArray]:
    """Per row and column: best and worst 0-based rank (equal unless tied)."""
    k = means.shape[1]
    if k <= BROADCAST_RANKS:  # count, in one step, the columns above and below each
        x = means[:, :, None]
        above = (means[:, None, :] > x).sum(axis=2)
        below = (means[:, None, :] < x).sum(axis=2)
        return above, k - 1 - below
    ascending = np.sort(means, axis=1)
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
    shares: FloatArray = matrix / samples
    return shares


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
