"""Named random streams: the only way the package creates random generators.

A stream is keyed by (seed, block, name): `SeedSequence(seed, spawn_key=(block,
key(name)))`. Keying by name rather than by draw order means a quantity keeps its
numbers when other quantities are added, removed or resized.
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np


@cache
def _key(name: str) -> int:
    """A stable 64-bit integer for a stream name (Python's hash() is salted)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def stream(seed: int, name: str, block: int = 0) -> np.random.Generator:
    """The generator of stream `name` in world block `block` for `seed`."""
    sequence = np.random.SeedSequence(seed, spawn_key=(block, _key(name)))
    return np.random.Generator(np.random.PCG64(sequence))
