"""Named domain types shared across modules."""

from __future__ import annotations

from typing import TypeAlias

VisitorId: TypeAlias = str
GateId: TypeAlias = str
Track: TypeAlias = str
Day: TypeAlias = float
Ordering: TypeAlias = tuple[VisitorId, ...]
