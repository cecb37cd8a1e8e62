"""Named domain types shared across modules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

VisitorId: TypeAlias = str
GateId: TypeAlias = str
Track: TypeAlias = str
Day: TypeAlias = float
Ordering: TypeAlias = tuple[VisitorId, ...]
OrderingLike: TypeAlias = str | Sequence[VisitorId]
"""An ordering as a user writes it: `"a,b,c"`, `"a→b→c"` or a sequence of visitor ids."""
