"""Where each part of a raw scenario was written.

Raw data travels with a tree of origins (`Origin`) that mirrors it: where each mapping
key and list item was written, in whichever file of the `extends` chain won the merge, or
the override that replaced it. `LineMap` flattens that tree for error reports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, TypeAlias

from ..errors import ScenarioError

Key: TypeAlias = str | int
FieldPath: TypeAlias = tuple[Key, ...]


class Location(NamedTuple):
    """Where a value was written: a file and 1-based line, or an override (`PATH=VALUE`,
    without file or line)."""

    file: str | None
    line: int | None = None
    override: str | None = None

    def error(self, message: str, field: str | None = None) -> ScenarioError:
        """`message` as a problem written here, in `field` if given."""
        return ScenarioError(
            message, file=self.file, line=self.line, field=field, override=self.override
        )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a raw value was written, and where each of its keys or items was."""

    at: Location
    parts: dict[Key, Origin] = field(default_factory=dict)


class LineMap:
    """Where each part of the raw scenario was written, by path of keys and list indices."""

    def __init__(
        self,
        lines: Mapping[FieldPath, Location],
        changes: Sequence[tuple[Location, tuple[object, object]]] = (),
    ) -> None:
        self._lines = dict(lines)
        self._overrides = [(p, loc) for p, loc in self._lines.items() if loc.override is not None]
        self._changes = list(changes)

    def changed(self, names: Sequence[str]) -> Location | None:
        """The last override that replaced one of `names`, or put one in, if any.

        A reference broken by renaming an id (the override `visitors.a.id=z` leaves a
        constraint naming `a`) is the override's doing, not the file's.
        """
        found = [at for at, values in self._changes if any(v in names for v in values)]
        return found[-1] if found else None

    def locate(self, path: FieldPath) -> Location:
        """The location of `path`, else of its nearest ancestor that has one.

        An error on a value that contains an overridden part (a triangular distribution
        whose `low` was set) is blamed on the override rather than on the file.
        """
        found = next(
            (self._lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in self._lines),
            Location("<scenario>"),
        )
        if found.line is not None and path:
            for opath, loc in reversed(self._overrides):
                if opath[: len(path)] == path:
                    return loc
        return found


def flatten(origin: Origin, path: FieldPath = ()) -> Iterator[tuple[FieldPath, Location]]:
    """Every path in the tree of origins, with where it was written."""
    yield path, origin.at
    for key, part in origin.parts.items():
        yield from flatten(part, (*path, key))
