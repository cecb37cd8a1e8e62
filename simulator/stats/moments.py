"""Per-ordering, per-metric count, mean and standard deviation, merged block by block.

Outcome records arrive as blocks of shape (orderings, replications, metrics), in
replication order. A metric may be NaN in a replication (a visit day when the visit
never happened); such values are skipped, so `count` is how many replications had a
value. Blocks are merged with Chan, Golub & LeVeque's pairwise update, so nothing
needs to be kept and the result does not depend on how many blocks there were beyond
rounding; it depends only on the order of the blocks, which is fixed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..types import FloatArray


class MetricMoments:
    """Streaming count, mean and sum of squared deviations of every (ordering, metric)."""

    def __init__(self, orderings: int, metrics: int) -> None:
        self.count = np.zeros((orderings, metrics))
        self.mean = np.zeros((orderings, metrics))
        self.m2 = np.zeros((orderings, metrics))

    def add(self, part: FloatArray, rows: Sequence[int] | None = None) -> None:
        """Merge records of shape (len(rows), replications, metrics); rows default to all.

        Missing values (NaN) are left out. One buffer serves the block's values and then
        their deviations, emptied in place: a 9-visitor run merges millions of records.
        """
        chosen = slice(None) if rows is None else np.asarray(rows, dtype=np.intp)
        missing = np.isnan(part)
        count = part.shape[1] - missing.sum(axis=1)
        values = part.copy()
        np.copyto(values, 0.0, where=missing)
        block_mean = values.sum(axis=1) / np.maximum(count, 1)
        centred = np.subtract(part, block_mean[:, None, :], out=values)
        np.copyto(centred, 0.0, where=missing)
        centred *= centred
        block_m2 = centred.sum(axis=1)
        old = self.count[chosen]
        total = old + count
        share = np.where(total > 0, count / np.maximum(total, 1), 0.0)
        delta = block_mean - self.mean[chosen]
        self.m2[chosen] += block_m2 + delta**2 * old * share
        self.mean[chosen] += delta * share
        self.count[chosen] = total

    def state(self) -> dict[str, FloatArray]:
        """What has been merged, as arrays (a run resumes from them)."""
        return {"count": self.count, "mean": self.mean, "m2": self.m2}

    def restore(self, state: dict[str, FloatArray]) -> None:
        """Continue from a `state()`."""
        self.count, self.mean, self.m2 = (state[k].copy() for k in ("count", "mean", "m2"))

    def sd(
        self, rows: slice | Sequence[int] = slice(None), metric: int | slice = slice(None)
    ) -> FloatArray:
        """Sample standard deviation (NaN where fewer than 2 values), of the orderings
        `rows` and the metric(s) `metric` only (default: all), so a caller that needs a
        few of a large run's rows does not compute them all."""
        count, m2 = self.count[rows, metric], self.m2[rows, metric]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 1, np.sqrt(m2 / (count - 1)), np.nan)
