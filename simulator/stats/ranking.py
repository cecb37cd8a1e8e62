"""Ranking of orderings by mean utility, with honest uncertainty.

Confidence intervals are Student-t intervals on each ordering's mean. The probability
of being best is estimated by a paired bootstrap over replication indices: a bootstrap
world resamples replication indices once and applies them to every ordering, which
keeps the correlation that common random numbers create. P(best) is about the means:
the share of bootstrap worlds in which an ordering has the highest mean utility (ties
share the credit), not how often it wins a single replication.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..distributions import FloatArray
from ..streams import stream
from ..types import Ordering

BOOTSTRAP_SAMPLES = 2000
_BOOTSTRAP_CHUNK = 250


@dataclass(frozen=True)
class Ranking:
    """Per-ordering statistics, in candidate order; `order` lists indices best first."""

    orderings: tuple[Ordering, ...]
    replications: FloatArray
    mean: FloatArray
    sd: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    p_best: FloatArray
    confidence: float

    @property
    def order(self) -> list[int]:
        """Candidate indices sorted by mean utility, best first (ties by candidate order)."""
        return sorted(range(len(self.orderings)), key=lambda k: (-self.mean[k], k))

    @property
    def best(self) -> Ordering:
        return self.orderings[self.order[0]]


def bootstrap_means(utility: FloatArray, samples: int, seed: int) -> FloatArray:
    """Paired-bootstrap means, shape (samples, orderings).

    Each bootstrap sample draws multinomial weights over the N replication indices and
    applies the same weights to every ordering (rows of `utility`).
    """
    k, n = utility.shape
    rng = stream(seed, "stats:bootstrap")
    out = np.empty((samples, k))
    for start in range(0, samples, _BOOTSTRAP_CHUNK):
        size = min(_BOOTSTRAP_CHUNK, samples - start)
        weights = rng.multinomial(n, np.full(n, 1.0 / n), size=size)
        out[start : start + size] = weights @ utility.T / n
    return out


def best_shares(means: FloatArray) -> FloatArray:
    """Share of rows in which each column is the maximum; tied columns split a row."""
    top = means == means.max(axis=1, keepdims=True)
    return (top / top.sum(axis=1, keepdims=True)).mean(axis=0)


def rank_orderings(
    orderings: tuple[Ordering, ...],
    utility: FloatArray,
    *,
    seed: int,
    confidence: float = 0.95,
    samples: int = BOOTSTRAP_SAMPLES,
) -> Ranking:
    """Rank orderings given utilities of shape (orderings, replications) on common worlds."""
    k, n = utility.shape
    mean = utility.mean(axis=1)
    sd = utility.std(axis=1, ddof=1)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n)
    return Ranking(
        orderings=orderings,
        replications=np.full(k, float(n)),
        mean=mean,
        sd=sd,
        ci_low=mean - half,
        ci_high=mean + half,
        p_best=best_shares(bootstrap_means(utility, samples, seed)),
        confidence=confidence,
    )
