"""The `uncertain:` block checked against the scenario it belongs to.

The schema checks each entry alone; what a path means is known only with the merged
raw data (after `extends:` and overrides). Each path must name a numeric field that
is not an experiment setting, once; both ends of each range, and every corner of the
box of ranges (up to `CORNER_LIMIT` entries), must leave the scenario valid. Each
problem is reported at the entry that causes it, with its file and line.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import ScenarioError, ScenarioErrors
from .display import display, kind_of, listed
from .origins import FieldPath, LineMap
from .overrides import apply_overrides, lookup, target
from .schema import Scenario, Uncertain

CORNER_LIMIT = 10
"""Check every corner of the box of ranges up to this many assumptions."""

_NOT_ASSUMPTIONS = {
    "experiment": "experiment settings",
    "observed": "observations",
    "uncertain": "the uncertain assumptions' own entries",
}
"""Top-level parts of a scenario whose numbers are not varied as assumptions."""

Setting = tuple[tuple[str, float], ...]
"""Values of assumptions: (dotted path, value) pairs, applied as overrides."""


def describe(error: ScenarioError | ScenarioErrors) -> str:
    """A validation failure as `field: problem` lines, without the file and line."""
    errors = error.errors if isinstance(error, ScenarioErrors) else [error]
    return "; ".join(f"{e.field}: {e.detail}" if e.field else e.detail for e in errors)


def corners(ranges: Sequence[tuple[str, float, float]]) -> list[Setting]:
    """The corners of a box of (path, low, high) ranges: all of them up to
    `CORNER_LIMIT` ranges, else each range at its high end with the others low.

    Scenario constraints are bounds and inequalities between fields, so a box whose
    corners are valid is valid throughout.
    """
    if len(ranges) > CORNER_LIMIT:
        return [
            tuple((p, high if k == i else low) for k, (p, low, high) in enumerate(ranges))
            for i in range(len(ranges))
        ]
    return [
        tuple((p, v) for (p, _, _), v in zip(ranges, values, strict=True))
        for values in itertools.product(*((low, high) for _, low, high in ranges))
    ]


def field_keys(data: Mapping[str, Any], path: str) -> FieldPath:
    """The keys and list indices a dotted path names in `data` (as `--set` reads it)."""
    return target(dict(data), (path, None))[0]


def is_number(value: Any) -> bool:
    """Whether a scenario value is a number (not true/false)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


Validate = Callable[[Mapping[str, Any], LineMap], Scenario]
"""Validates raw data (`load.validate_raw`): the schema alone, without this check."""


def check_uncertain(
    scenario: Scenario, data: Mapping[str, Any], lines: LineMap, validate_raw: Validate
) -> None:
    """Check each `uncertain:` entry against the scenario (validated from `data`), with
    `validate_raw` at the ends and corners of the ranges; raise every problem found, each
    at its entry's file and line."""
    dump = scenario.model_dump(mode="json", by_alias=True)
    errors: list[ScenarioError] = []
    seen: dict[FieldPath, int] = {}
    for i, entry in enumerate(scenario.uncertain):
        try:
            keys = _numeric_field(data, dump, entry, i, lines)
            if keys in seen:
                raise _at(data, lines, i, "path", f"declared twice (also uncertain[{seen[keys]}])")
            seen[keys] = i
            low, high = entry.bounds
            for end, value in (("low", low), ("high", high)):
                try:
                    validate_raw(apply_overrides(data, [(entry.path, value)]), lines)
                except (ScenarioError, ScenarioErrors) as exc:
                    where = "range" if entry.range is not None else "dist"
                    message = (
                        f"at the {end} end ({entry.path} = {value:g}) the scenario is "
                        f"invalid: {describe(exc)}"
                    )
                    raise _at(data, lines, i, where, message) from None
        except ScenarioError as exc:
            errors.append(exc)
    if errors:
        raise errors[0] if len(errors) == 1 else ScenarioErrors(errors)
    ranges = [(u.path, *u.bounds) for u in scenario.uncertain]
    for corner in corners(ranges) if len(ranges) > 1 else []:
        try:
            validate_raw(apply_overrides(data, corner), lines)
        except (ScenarioError, ScenarioErrors) as exc:
            values = ", ".join(f"{path} = {value:g}" for path, value in corner)
            raise lines.locate(("uncertain",)).error(
                f"at the corner of the ranges where {values} the scenario is invalid: "
                f"{describe(exc)}",
                "uncertain",
            ) from None


def _at(data: Mapping[str, Any], lines: LineMap, i: int, key: str, message: str) -> ScenarioError:
    """`message` as a problem with entry `i`'s `key`, at its file and line."""
    path = ("uncertain", i, key)
    return lines.locate(path).error(message, display(data, path))


def _numeric_field(
    data: Mapping[str, Any], dump: Mapping[str, Any], entry: Uncertain, i: int, lines: LineMap
) -> FieldPath:
    """Where an entry's path lands, checked to be a numeric field of the scenario."""
    try:
        keys = field_keys(data, entry.path)
    except ScenarioError as exc:
        raise _at(data, lines, i, "path", exc.detail) from None
    if keys[0] in _NOT_ASSUMPTIONS:
        raise _at(data, lines, i, "path", f"{_NOT_ASSUMPTIONS[keys[0]]} are not assumptions")
    raw = lookup(data, keys)
    parent = lookup(dump, keys[:-1])
    if raw is None and (not isinstance(parent, dict) or keys[-1] not in parent):
        known = list(parent) if isinstance(parent, dict) else []
        close = difflib.get_close_matches(str(keys[-1]), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"allowed: {listed(known)}"
        raise _at(data, lines, i, "path", f"no field {entry.path!r} in the scenario; {hint}")
    value = raw if raw is not None else lookup(dump, keys)
    if isinstance(value, dict) and "dist" in value:
        names = [k for k in value if k != "dist"]
        raise _at(
            data,
            lines,
            i,
            "path",
            f"{entry.path} is a {value['dist']} distribution, not a number; allowed: one of "
            f"its parameters, such as {entry.path}.{names[-1]}",
        )
    if not is_number(value):
        raise _at(
            data,
            lines,
            i,
            "path",
            f"not a numeric field ({entry.path} is {kind_of(value)}); allowed: a path to a "
            "number, such as host.acceptance or visitors.ID.preparation.mode",
        )
    return keys
