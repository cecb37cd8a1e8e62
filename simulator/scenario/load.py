"""Loading a scenario: read, merge what it extends, apply overrides, validate, then check
the declared uncertain assumptions against the result."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError, ScenarioErrors
from .assumptions import check_uncertain
from .display import printable
from .extends import load_file
from .messages import nan_errors, validation_errors
from .origins import LineMap, Location, flatten
from .overrides import Override, assign, lookup, reorigin, target
from .read import Unreadable
from .schema import Scenario


def resolve_raw(
    path: str | Path, overrides: Sequence[Override] = ()
) -> tuple[dict[str, Any], LineMap]:
    """The merged raw mapping of a scenario file, overrides applied, and where each part
    was written. Raises ScenarioError for unreadable files, bad YAML or bad overrides."""
    file = Path(path)
    try:
        data, origin = load_file(file, ())
    except Unreadable as exc:
        raise ScenarioError(f"cannot read scenario: {exc}", file=printable(str(file))) from None
    changes: list[tuple[Location, tuple[object, object]]] = []
    for override in overrides:
        where, value, at = target(data, override)
        changes.append((at, (lookup(data, where), value)))
        data, origin = assign(data, where, value), reorigin(origin, where, at)
    return data, LineMap(dict(flatten(origin)), changes)


def validate_raw(data: Mapping[str, Any], lines: LineMap) -> Scenario:
    """Validate raw data; every problem is reported with its file, line and field.

    NaN is refused wherever it is written, before the schema sees it.
    """
    nan = nan_errors(data, lines)
    if nan:
        raise _one_or_all(nan)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _one_or_all(validation_errors(exc, data, lines)) from None


def validate_loaded(data: Mapping[str, Any], lines: LineMap) -> Scenario:
    """Validate the raw data of a whole scenario file: the schema, then its `uncertain:`
    block against the rest (each range must keep the scenario valid)."""
    scenario = validate_raw(data, lines)
    check_uncertain(scenario, data, lines, validate_raw)
    return scenario


def load_scenario(path: str | Path, overrides: Sequence[Override] = ()) -> Scenario:
    """Read, merge, override and validate a scenario file."""
    return validate_loaded(*resolve_raw(path, overrides))


def _one_or_all(errors: list[ScenarioError]) -> ScenarioError | ScenarioErrors:
    """One problem as itself, several together."""
    return errors[0] if len(errors) == 1 else ScenarioErrors(errors)
