"""Orderings held as one array: a sequence of visitor-id tuples without a tuple each.

A scenario's candidates (up to 9! = 362,880) are rows of a read-only int8 array of
visitor indices into `ids`, 3.3 MB at 9 visitors where the tuples of ids are 43 MB.
`Orderings` reads as the tuple of tuples it replaces: `o[k]` is the k-th ordering as a
tuple of ids, a slice is an `Orderings`, iterating converts rows a chunk at a time, and
`index` and `in` search the array at once. It equals any sequence of the same orderings
(a tuple of tuples among them), and pickles as its array, so every worker process
receives the array alone. The model reads plans as rows of indices (`plans`).
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import SupportsIndex, TypeAlias, overload

import numpy as np
from numpy.typing import NDArray

from ..types import Ordering, VisitorId

PlanArray: TypeAlias = NDArray[np.int8]
"""Orderings as rows of visitor indices."""

CHUNK = 4096
"""Rows turned into tuples of ids at a time when iterating."""


class Orderings(Sequence[Ordering]):
    """An immutable sequence of orderings of `ids`, stored as rows of visitor indices."""

    __slots__ = ("_array", "_hash", "_ids", "_names")

    def __init__(self, ids: Sequence[VisitorId], array: PlanArray) -> None:
        """Orderings whose rows in `array` are indices into `ids` (copied unless already
        read-only). Raises ValueError when `array` is not such a table."""
        self._ids = tuple(ids)
        n = len(self._ids)
        if not n:
            raise ValueError("orderings need at least one visitor")
        rows = np.asarray(array, dtype=np.int8)
        if rows.ndim == 1 and not rows.size:
            rows = rows.reshape(0, n)  # no orderings, given as []
        if rows.ndim != 2 or rows.shape[1] != n:
            raise ValueError(f"orderings of {n} visitors need {n} columns")
        if rows.size and not (rows.min() >= 0 and rows.max() < n):
            raise ValueError("a visitor index is outside the visitors")
        if rows.flags.writeable:
            rows = rows.copy()
            rows.flags.writeable = False
        self._array = rows
        self._names = np.array(self._ids, dtype=object)
        self._hash: int | None = None

    @property
    def ids(self) -> tuple[VisitorId, ...]:
        """The visitors, in the order the indices refer to."""
        return self._ids

    @property
    def array(self) -> PlanArray:
        """Every ordering as a row of visitor indices: read-only, (orderings, visitors)."""
        return self._array

    @classmethod
    def of(cls, ids: Sequence[VisitorId], orderings: Sequence[Ordering]) -> Orderings:
        """`orderings` as rows of indices into `ids` (the same object when it already is).
        Raises ValueError when an ordering names a visitor not in `ids`."""
        ids = tuple(ids)
        if isinstance(orderings, Orderings):
            if orderings.ids == ids:
                return orderings
            moved = np.array([ids.index(v) for v in orderings.ids], dtype=np.int8)
            return cls(ids, moved[orderings.array])
        place = {v: i for i, v in enumerate(ids)}
        try:
            rows = [[place[v] for v in o] for o in orderings]
        except KeyError as missing:
            raise ValueError(f"{missing.args[0]!r} is not one of the visitors") from None
        return cls(ids, np.array(rows, dtype=np.int8))

    def __len__(self) -> int:
        return len(self._array)

    @overload
    def __getitem__(self, index: SupportsIndex) -> Ordering: ...

    @overload
    def __getitem__(self, index: slice) -> Orderings: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Ordering | Orderings:
        """The ordering at `index` as a tuple of ids; a slice as `Orderings`."""
        if isinstance(index, slice):
            return Orderings(self._ids, self._array[index])
        ids = self._ids
        return tuple([ids[j] for j in self._array[operator.index(index)].tolist()])

    def __iter__(self) -> Iterator[Ordering]:
        """The orderings as tuples of ids, made a chunk of rows at a time by zipping the
        chunk's columns (a list of ids each): no list per row for the collector to scan."""
        for start in range(0, len(self._array), CHUNK):
            rows = self._array[start : start + CHUNK]
            yield from zip(*(self._names[column].tolist() for column in rows.T), strict=True)

    def joined(self, rows: Sequence[int], separator: str) -> list[str]:
        """The orderings at `rows` as text, each one's ids joined by `separator`: made a
        column of ids at a time and zipped, with no tuple per ordering."""
        picked = self._array[np.asarray(rows, dtype=np.intp)]
        columns = (self._names[c].tolist() for c in picked.T)
        return list(map(separator.join, zip(*columns, strict=True)))

    def plans(self, rows: Sequence[int] | slice | None = None) -> PlanArray:
        """Visitor indices (into `ids`) of the orderings at `rows` (None: all), one row
        each: the plans the model simulates."""
        if rows is None:
            return self._array
        return self._array[rows if isinstance(rows, slice) else np.asarray(rows, dtype=np.intp)]

    def _matches(self, value: object) -> NDArray[np.bool_]:
        """Which rows are `value` (none when it is not an ordering of these visitors)."""
        row = self._row(value)
        if row is None:
            return np.zeros(len(self), dtype=bool)
        return np.asarray((self._array == row).all(axis=1))

    def _row(self, value: object) -> NDArray[np.int8] | None:
        """`value` as a row of visitor indices; None when no row can equal it."""
        if not isinstance(value, tuple) or len(value) != len(self._ids):
            return None
        try:
            return np.array([self._ids.index(v) for v in value], dtype=np.int8)
        except ValueError:
            return None

    def __contains__(self, value: object) -> bool:
        return bool(self._matches(value).any())

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        """The first position of `value` in start..stop-1. Raises ValueError when absent."""
        found = np.flatnonzero(self._matches(value)[start:stop])
        if not found.size:
            raise ValueError(f"{value!r} is not in the orderings")
        return int(found[0]) + range(len(self))[start:stop].start

    def count(self, value: object) -> int:
        return int(self._matches(value).sum())

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence (not a string) of the same orderings, in the same order."""
        if isinstance(other, Orderings):
            if len(other) != len(self) or not self:
                return len(other) == len(self)  # two empty sequences, whatever their visitors
            if sorted(other.ids) != sorted(self._ids):
                return False
            return bool(np.array_equal(Orderings.of(self._ids, other).array, self._array))
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return False
        return len(other) == len(self) and all(map(operator.eq, self, other))

    def __hash__(self) -> int:
        """The hash of the tuple of tuples it equals (made once, then kept)."""
        if self._hash is None:
            self._hash = hash(tuple(self))
        return self._hash

    def __repr__(self) -> str:
        shown = ", ".join("→".join(o) for o in self[:2])
        more = ", ..." if len(self) > 2 else ""
        return f"Orderings({len(self):,} of {len(self._ids)} visitors: {shown}{more})"

    def __reduce__(self) -> tuple[type[Orderings], tuple[tuple[VisitorId, ...], PlanArray]]:
        return Orderings, (self._ids, self._array)
