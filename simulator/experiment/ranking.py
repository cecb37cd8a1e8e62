"""Ranking a design's orderings: the paired bootstrap's weights, drawn like the worlds.

The statistics (`stats.ranking`) take their bootstrap weights as data. A run draws
them from its seed, by name and keyed by world block, so that a replication has the
same weights in every run of that seed, whether its utilities are held in memory or
streamed past once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..stats.bootstrap import BOOTSTRAP_SAMPLES, poisson_weights
from ..stats.ranking import Ranking, UtilityStream, rank_utilities
from ..streams import stream
from ..types import FloatArray, IntArray, Ordering
from ..world import BLOCK_SIZE


def bootstrap_weights(seed: int, block: int, samples: int) -> FloatArray:
    """Poisson(1) weights of world block `block`'s replications in every bootstrap world,
    shape (samples, BLOCK_SIZE)."""
    return poisson_weights(stream(seed, "stats:bootstrap", block).random((samples, BLOCK_SIZE)))


@dataclass(frozen=True)
class SeededResampling:
    """The bootstrap weights of a run with this seed (a `stats.bootstrap.Resampling`)."""

    seed: int
    samples: int = BOOTSTRAP_SAMPLES
    block_size: int = BLOCK_SIZE

    def weights(self, block: int) -> FloatArray:
        """`bootstrap_weights` of world block `block`."""
        return bootstrap_weights(self.seed, block, self.samples)


def utility_stream(
    k: int, replications: int, seed: int, samples: int = BOOTSTRAP_SAMPLES
) -> UtilityStream:
    """Ranking statistics of k orderings on replications 0..replications-1 of a run with
    this seed, fed as they arrive."""
    return UtilityStream(k, replications, SeededResampling(seed, samples))


def rank_orderings(
    orderings: Sequence[Ordering],
    utility: FloatArray,
    *,
    seed: int,
    counts: IntArray | None = None,
    first: int | None = None,
    confidence: float = 0.95,
    samples: int = BOOTSTRAP_SAMPLES,
) -> Ranking:
    """Rank orderings from utilities of shape (orderings, replications) of a run with
    this seed (see `stats.ranking.rank_utilities`)."""
    return rank_utilities(
        orderings,
        utility,
        SeededResampling(seed, samples),
        counts=counts,
        first=first,
        confidence=confidence,
    )
