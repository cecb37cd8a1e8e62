"""Synthetic alternatives with known means, for validating selection procedures.

Used by the test suite and by `bench/validate_kn.py`: the right answer is known, so
the empirical probability of correct selection can be checked against 1 - α.
"""

from __future__ import annotations

import math

import numpy as np

from ..types import FloatArray, IntArray


class Normals:
    """Normal systems with unit variance and equicorrelation rho, as CRN creates.

    World r is X_i = √ρ Z0 + √(1−ρ) Z_i + μ_i for every system i. Worlds are drawn in
    fixed chunks, in order, so replication r has the same values whatever the order
    and sizes of the requests: the data do not depend on the batch size.
    """

    CHUNK = 64

    def __init__(self, means: FloatArray, rho: float, seed: int) -> None:
        self.means = np.asarray(means, dtype=float)
        self.rho = rho
        self.rng = np.random.default_rng(seed)
        self.worlds = np.empty((len(self.means), 0))

    def __call__(self, systems: IntArray, start: int, stop: int) -> FloatArray:
        while self.worlds.shape[1] < stop:
            shared = self.rng.standard_normal(self.CHUNK)
            own = self.rng.standard_normal((len(self.means), self.CHUNK))
            world = math.sqrt(self.rho) * shared + math.sqrt(1 - self.rho) * own
            self.worlds = np.hstack([self.worlds, world + self.means[:, None]])
        return self.worlds[systems, start:stop]


def configuration(name: str, k: int, delta: float) -> FloatArray:
    """Means with the best system last (lowest-index tie-breaking cannot help it).

    slippage: the best exceeds all others by exactly δ, the least favourable case;
    monotone: equally spaced by δ, μ_i = (i − (k − 1)) δ.
    """
    if name == "slippage":
        return np.where(np.arange(k) == k - 1, delta, 0.0)
    return np.asarray((np.arange(k) - (k - 1)) * delta, dtype=np.float64)
