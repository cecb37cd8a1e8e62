"""Named domain types shared across modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeAlias

import numpy as np
from numpy.typing import NDArray

VisitorId: TypeAlias = str
Day: TypeAlias = float
Ordering: TypeAlias = tuple[VisitorId, ...]
OrderingLike: TypeAlias = str | Sequence[VisitorId]
"""An ordering as a user writes it: `"a,b,c"`, `"a→b→c"` or a sequence of visitor ids."""

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]

Progress: TypeAlias = Callable[[int, int | None, str], None]
"""Told (replications done, total if known, a short status) as a run's work completes."""

BatchProgress: TypeAlias = Callable[[int, int], None]
"""Told (replications done, candidates still in) after each batch of a selection procedure."""

RoundProgress: TypeAlias = Callable[[int, int, int, int], None]
"""Told (replications done, candidates still in, current round, rounds) after each batch
of a knockout tournament."""
