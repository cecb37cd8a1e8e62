"""Checked inputs of the tuning commands: assumption ranges, orderings and metrics.

An *assumption* is a numeric scenario field named by a dotted path, as for `--set`.
`Base` resolves the scenario file once and re-validates the raw data at each setting
of the assumptions (`apply_overrides` + `validate_raw`): the same messages as the
loader, prefixed by which option and which point made the scenario invalid. Everything
here raises `InputError` (exit status 2) before any simulation starts.

A scenario may declare its uncertain assumptions (`uncertain:`); `declared_assumptions`
reads them, and the tuning commands use them when none are given.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ScenarioError, ScenarioErrors, SettingError, literal
from ..scenario import (
    Constraint,
    LineMap,
    Scenario,
    apply_overrides,
    corners,
    describe,
    field_keys,
    is_candidate,
    is_number,
    metric_names,
    resolve_raw,
    validate_loaded,
    validate_raw,
)
from ..scenario.overrides import lookup
from ..scenario.schema import MAX_POINTS
from ..scenario.schema.observed import Observed
from ..types import Ordering, OrderingLike

Setting = tuple[tuple[str, float], ...]
"""Values of assumptions: (dotted path, value) pairs, applied as overrides."""


@dataclass(frozen=True)
class Assumption:
    """A numeric scenario field and the range it is varied over.

    `points` is the grid size of a sweep (None for sampled ranges); `integer` marks a
    whole-number field (such as `host.max_attempts`), whose values are rounded. `reason`
    says why it is uncertain when the scenario declares it (None: given with the run).
    """

    path: str
    low: float
    high: float
    points: int | None = None
    integer: bool = False
    reason: str | None = None

    @property
    def declared(self) -> bool:
        """Whether it comes from the scenario's `uncertain:` block."""
        return self.reason is not None

    @property
    def text(self) -> str:
        """As written on the command line."""
        points = "" if self.points is None else f":{self.points}"
        return f"{self.path}={self.low:g}:{self.high:g}{points}"

    def value(self, x: float) -> float:
        """`x` as this field takes it: rounded for a whole-number field."""
        return float(round(x)) if self.integer else float(x)

    def grid(self) -> tuple[float, ...]:
        """The sweep grid: `points` evenly spaced values (distinct, once rounded)."""
        assert self.points is not None
        values = np.linspace(self.low, self.high, self.points)
        return tuple(dict.fromkeys(self.value(x) for x in values))

    def scale(self, unit: float) -> float:
        """The value at `unit` in [0, 1] of the range."""
        return self.value(self.low + unit * (self.high - self.low))


def given_or_declared(
    given: Sequence[Assumption], scenario: Scenario, by: str, form: str
) -> tuple[Assumption, ...]:
    """The assumptions given with the run (setting `by`), else those the scenario
    declares; `form` shows how to give one. Given ones replace the declaration whole."""
    if given:
        return tuple(given)
    declared = declared_assumptions(scenario)
    if not declared:
        raise SettingError(
            f"give {{{by}}} {form}, or declare the scenario's uncertain assumptions in an "
            "`uncertain:` block: a list of entries with path, range: [low, high] (or dist:) "
            "and reason",
            setting=by,
        )
    return declared


def _number(text: str, where: str, what: str, setting: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SettingError(
            f"{where}: {what} {literal(repr(text))} is not a number", setting=setting
        ) from None
    if not math.isfinite(value):
        raise SettingError(
            f"{where}: {what} must be a finite number (got {literal(text)})", setting=setting
        )
    return value


def _split(text: str, setting: str, form: str) -> tuple[str, list[str]]:
    path, sep, spec = text.partition("=")
    if not sep or not path.strip():
        raise SettingError(f"{{{setting}}} {literal(text)}: expected {form}", setting=setting)
    return path.strip(), spec.split(":")


def parse_vary(text: str) -> Assumption:
    """`PATH=START:STOP:N` (a sweep axis, setting `varies`), with START < STOP and
    N >= 2 grid points."""
    where, setting = f"{{varies}} {literal(text)}", "varies"
    path, parts = _split(text, setting, "PATH=START:STOP:N, e.g. host.preference.bonus=0:2:9")
    if len(parts) != 3:
        raise SettingError(f"{where}: expected START:STOP:N after '=', e.g. 0:2:9", setting=setting)
    start = _number(parts[0], where, "START", setting)
    stop = _number(parts[1], where, "STOP", setting)
    try:
        points = int(parts[2])
    except ValueError:
        raise SettingError(
            f"{where}: N {literal(repr(parts[2]))} is not a whole number", setting=setting
        ) from None
    if not 2 <= points <= MAX_POINTS:
        raise SettingError(
            f"{where}: N must be between 2 and {MAX_POINTS:,} grid points (got {points})",
            setting=setting,
        )
    if not start < stop:
        raise SettingError(
            f"{where}: START must be less than STOP (got {start:g} and {stop:g})", setting=setting
        )
    return Assumption(path, start, stop, points)


def parse_param(text: str) -> Assumption:
    """`PATH=LOW:HIGH` (an uncertain assumption, setting `params`), with LOW < HIGH."""
    where, setting = f"{{params}} {literal(text)}", "params"
    path, parts = _split(text, setting, "PATH=LOW:HIGH, e.g. host.preference.bonus=0:2")
    if len(parts) != 2:
        raise SettingError(f"{where}: expected LOW:HIGH after '=', e.g. 0:2", setting=setting)
    low = _number(parts[0], where, "LOW", setting)
    high = _number(parts[1], where, "HIGH", setting)
    if not low < high:
        raise SettingError(
            f"{where}: LOW must be less than HIGH (got {low:g} and {high:g})", setting=setting
        )
    return Assumption(path, low, high)


def declared_assumptions(scenario: Scenario) -> tuple[Assumption, ...]:
    """The assumptions the scenario declares uncertain (`uncertain:`), in its order.

    Each has its entry's range (a distribution's support, or its 5%-95% quantiles when
    the support is unbounded), its sweep grid size, its reason, and `integer` set for a
    whole-number field. The loader has checked every path and range.
    """
    dump = scenario.model_dump(mode="json", by_alias=True)
    found = []
    for entry in scenario.uncertain:
        value = lookup(dump, field_keys(dump, entry.path))
        low, high = entry.bounds
        integer = is_number(value) and isinstance(value, int)
        found.append(Assumption(entry.path, low, high, entry.points, integer, entry.reason))
    return tuple(found)


class _Marker:
    """A value no scenario holds, used to find where a dotted path lands."""


def _find(node: Any, marker: _Marker, here: tuple[Any, ...]) -> tuple[Any, ...] | None:
    if node is marker:
        return here
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in items:
        found = _find(child, marker, (*here, key))
        if found is not None:
            return found
    return None


def _lookup(node: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, (list, tuple)) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
    return node


@dataclass(frozen=True)
class Base:
    """A scenario file and its `--set` overrides, resolved once, validated per setting."""

    source: Path
    raw: dict[str, Any]
    lines: LineMap
    scenario: Scenario
    overrides: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str | Path, overrides: Sequence[str] = ()) -> Base:
        raw, lines = resolve_raw(path, overrides)
        return cls(Path(path), raw, lines, validate_loaded(raw, lines), tuple(overrides))

    def __repr__(self) -> str:
        return f"<Base {self.scenario.name} from {self.source}>"

    def value(self, path: str) -> float:
        """The scenario's value of the numeric field at dotted `path` (as `--set` names it)."""
        marker = _Marker()
        keys = _find(apply_overrides(self.raw, [(path, marker)]), marker, ())
        assert keys is not None
        return float(_lookup(self.scenario.model_dump(mode="python", by_alias=True), keys))

    def known(self, observed: Observed) -> Base:
        """This scenario as known on `observed.as_of`: every setting of its assumptions
        starts from what was observed by then (`evidence.condition`)."""
        block = observed.model_dump(mode="json", by_alias=True, exclude_none=True)
        raw = {**self.raw, "observed": block}
        return Base(self.source, raw, self.lines, validate_raw(raw, self.lines), self.overrides)

    def at(self, setting: Setting, by: str, where: str | None = None) -> Scenario:
        """The scenario with `setting` applied. In an error message, the run setting
        `by` (`varies`, `params`) gave it, and `where` (a template) says where in it."""
        try:
            return validate_raw(apply_overrides(self.raw, setting), self.lines)
        except (ScenarioError, ScenarioErrors) as error:
            values = literal(", ".join(f"{path} = {value:g}" for path, value in setting))
            raise SettingError(
                f"{where or '{' + by + '}'}: at {values} the scenario is invalid: "
                f"{literal(describe(error))}",
                setting=by,
            ) from None

    def check(self, assumptions: Sequence[Assumption], by: str) -> tuple[Assumption, ...]:
        """Check each path names a numeric field that takes its range's values, and mark
        whole-number fields. `by` is the run setting that gave them (`varies`, `params`)."""
        seen: set[tuple[Any, ...]] = set()
        checked = []
        for a in assumptions:
            where = f"{{{by}}} {literal(a.text)}"
            self.at(((a.path, a.low),), by, where)
            marker = _Marker()
            keys = _find(apply_overrides(self.raw, [(a.path, marker)]), marker, ())
            assert keys is not None
            if keys[0] == "experiment":
                raise SettingError(
                    f"{where}: experiment settings are not assumptions; "
                    "use {replications} and {seed}",
                    setting=by,
                )
            if keys in seen:
                raise SettingError(f"{where}: {literal(a.path)} is given twice", setting=by)
            seen.add(keys)
            current = _lookup(self.scenario.model_dump(mode="python", by_alias=True), keys)
            integer = isinstance(current, int) and not isinstance(current, bool)
            checked.append(replace(a, integer=integer))
        return tuple(checked)

    def check_settings(
        self, settings: Sequence[Setting], by: str, given: str | None = None
    ) -> None:
        """Validate each setting before any simulation; name the first invalid one.
        `given` (a template; default: the setting's name) shows the run setting `by`."""
        shown = given or f"{{{by}}}"
        for i, setting in enumerate(settings):
            self.at(setting, by, f"{shown}: point {i + 1} of {len(settings)}")

    def check_box(self, assumptions: Sequence[Assumption], by: str) -> None:
        """Validate the corners of the box of ranges (all of them when there are few,
        see `corners`)."""
        given = " ".join(f"{{{by}}} {a.text}" for a in assumptions)
        for corner in corners([(a.path, a.low, a.high) for a in assumptions]):
            self.at(corner, by, f"{given}: a corner of the ranges")


def parse_ordering(text: OrderingLike, scenario: Scenario, by: str = "orderings") -> Ordering:
    """`blinken,yellen,raimondo,kerry` (or `blinken→yellen→...`, or a sequence of ids):
    every visitor once, allowed by the constraints.

    `by` names the run setting that gave it, in error messages."""
    if isinstance(text, str):
        ids = tuple(part.strip() for part in re.split(r",|→|->", text))
    else:
        ids = tuple(str(part).strip() for part in text)
        text = ",".join(ids)
    where = f"{{{by}}} {literal(text)}"
    known = [v.id for v in scenario.visitors]
    listing = ",".join(known)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise SettingError(
            f"{where}: unknown visitor {literal(repr(unknown[0]))}; "
            f"the visitors are {', '.join(known)}",
            setting=by,
        )
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise SettingError(
            f"{where}: visitor {literal(repr(twice[0]))} appears more than once", setting=by
        )
    missing = [i for i in known if i not in ids]
    if missing:
        raise SettingError(
            f"{where}: missing {', '.join(repr(m) for m in missing)}; an ordering lists "
            f"every visitor once, e.g. {listing}",
            setting=by,
        )
    if not is_candidate(scenario, ids):
        rules = "; ".join(_rule(c) for c in scenario.constraints)
        raise SettingError(f"{where}: excluded by the scenario's constraints ({rules})", setting=by)
    return ids


def _rule(constraint: Constraint) -> str:
    if constraint.first is not None:
        return f"first: {constraint.first}"
    if constraint.last is not None:
        return f"last: {constraint.last}"
    assert constraint.before is not None
    return f"before: [{', '.join(constraint.before)}]"


def check_metrics(metrics: Sequence[str], scenario: Scenario) -> tuple[str, ...]:
    """The metrics, each checked against the scenario's outcome record; no repeats."""
    allowed = metric_names(scenario)
    for m in metrics:
        if m not in allowed:
            raise SettingError(
                f"{{metrics}} {literal(m)}: unknown metric; allowed: {', '.join(allowed)}",
                setting="metrics",
            )
    return tuple(dict.fromkeys(metrics))
