"""Checked inputs of the tuning commands: assumption ranges, orderings and metrics.

An *assumption* is a numeric scenario field named by a dotted path, as for `--set`.
`Base` resolves the scenario file once and re-validates the raw data at each setting
of the assumptions (`apply_overrides` + `validate_raw`): the same messages as the
loader, prefixed by which option and which point made the scenario invalid. Everything
here raises `InputError` (exit status 2) before any simulation starts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, ScenarioError, ScenarioErrors
from ..scenario import (
    Constraint,
    LineMap,
    Scenario,
    apply_overrides,
    is_candidate,
    metric_names,
    resolve_raw,
    validate_raw,
)
from ..types import Ordering, OrderingLike

Setting = tuple[tuple[str, float], ...]
"""Values of assumptions: (dotted path, value) pairs, applied as overrides."""

MAX_POINTS = 1000
"""Most grid points of one --vary axis: each is a full ranking of every ordering."""

CORNER_LIMIT = 10
"""Check every corner of the box of ranges up to this many assumptions."""


@dataclass(frozen=True)
class Assumption:
    """A numeric scenario field and the range it is varied over.

    `points` is the grid size of a sweep (None for sampled ranges); `integer` marks a
    whole-number field (such as `host.max_attempts`), whose values are rounded.
    """

    path: str
    low: float
    high: float
    points: int | None = None
    integer: bool = False

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


def _number(text: str, option: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{option}: {what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{option}: {what} must be a finite number (got {text})")
    return value


def _split(text: str, option: str, form: str) -> tuple[str, list[str]]:
    path, sep, spec = text.partition("=")
    if not sep or not path.strip():
        raise InputError(f"{option} {text}: expected {form}")
    return path.strip(), spec.split(":")


def parse_vary(text: str) -> Assumption:
    """`PATH=START:STOP:N`, with START < STOP and N >= 2 grid points."""
    option = f"--vary {text}"
    path, parts = _split(text, "--vary", "PATH=START:STOP:N, e.g. host.preference.bonus=0:2:9")
    if len(parts) != 3:
        raise InputError(f"{option}: expected START:STOP:N after '=', e.g. 0:2:9")
    start = _number(parts[0], option, "START")
    stop = _number(parts[1], option, "STOP")
    try:
        points = int(parts[2])
    except ValueError:
        raise InputError(f"{option}: N {parts[2]!r} is not a whole number") from None
    if not 2 <= points <= MAX_POINTS:
        raise InputError(
            f"{option}: N must be between 2 and {MAX_POINTS:,} grid points (got {points})"
        )
    if not start < stop:
        raise InputError(f"{option}: START must be less than STOP (got {start:g} and {stop:g})")
    return Assumption(path, start, stop, points)


def parse_param(text: str) -> Assumption:
    """`PATH=LOW:HIGH`, with LOW < HIGH."""
    option = f"--param {text}"
    path, parts = _split(text, "--param", "PATH=LOW:HIGH, e.g. host.preference.bonus=0:2")
    if len(parts) != 2:
        raise InputError(f"{option}: expected LOW:HIGH after '=', e.g. 0:2")
    low = _number(parts[0], option, "LOW")
    high = _number(parts[1], option, "HIGH")
    if not low < high:
        raise InputError(f"{option}: LOW must be less than HIGH (got {low:g} and {high:g})")
    return Assumption(path, low, high)


def describe(error: ScenarioError | ScenarioErrors) -> str:
    """A validation failure as `field: problem` lines, without the file and line."""
    errors = error.errors if isinstance(error, ScenarioErrors) else [error]
    return "; ".join(f"{e.field}: {e.detail}" if e.field else e.detail for e in errors)


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

    @classmethod
    def load(cls, path: str | Path, overrides: Sequence[str] = ()) -> Base:
        raw, lines = resolve_raw(path, overrides)
        return cls(Path(path), raw, lines, validate_raw(raw, lines))

    def __repr__(self) -> str:
        return f"<Base {self.scenario.name} from {self.source}>"

    def at(self, setting: Setting, where: str) -> Scenario:
        """The scenario with `setting` applied; `where` names it in an error message."""
        try:
            return validate_raw(apply_overrides(self.raw, setting), self.lines)
        except (ScenarioError, ScenarioErrors) as error:
            values = ", ".join(f"{path} = {value:g}" for path, value in setting)
            raise InputError(
                f"{where}: at {values} the scenario is invalid: {describe(error)}"
            ) from None

    def check(self, assumptions: Sequence[Assumption], option: str) -> tuple[Assumption, ...]:
        """Check each path names a numeric field that takes its range's values, and mark
        whole-number fields. `option` is the option's name for messages (`--vary`)."""
        seen: set[tuple[Any, ...]] = set()
        checked = []
        for a in assumptions:
            where = f"{option} {a.text}"
            self.at(((a.path, a.low),), where)
            marker = _Marker()
            keys = _find(apply_overrides(self.raw, [(a.path, marker)]), marker, ())
            assert keys is not None
            if keys[0] == "experiment":
                raise InputError(
                    f"{where}: experiment settings are not assumptions; "
                    "use --replications and --seed"
                )
            if keys in seen:
                raise InputError(f"{where}: {a.path} is given twice")
            seen.add(keys)
            current = _lookup(self.scenario.model_dump(mode="python", by_alias=True), keys)
            integer = isinstance(current, int) and not isinstance(current, bool)
            checked.append(Assumption(a.path, a.low, a.high, a.points, integer))
        return tuple(checked)

    def check_settings(self, settings: Sequence[Setting], option: str) -> None:
        """Validate each setting before any simulation; name the first invalid one."""
        for i, setting in enumerate(settings):
            self.at(setting, f"{option}: point {i + 1} of {len(settings)}")

    def check_box(self, assumptions: Sequence[Assumption], option: str) -> None:
        """Validate the corners of the box of ranges (all of them when there are few).

        Scenario constraints are bounds and inequalities between fields, so a box whose
        corners are valid is valid throughout.
        """
        d = len(assumptions)
        if d > CORNER_LIMIT:
            corners = [
                tuple((a.path, a.low if k != i else a.high) for k, a in enumerate(assumptions))
                for i in range(d)
            ]
        else:
            corners = [
                tuple(
                    (a.path, a.high if (mask >> k) & 1 else a.low)
                    for k, a in enumerate(assumptions)
                )
                for mask in range(1 << d)
            ]
        for corner in corners:
            self.at(corner, f"{option}: a corner of the ranges")


def parse_ordering(text: OrderingLike, scenario: Scenario, option: str = "--ordering") -> Ordering:
    """`blinken,yellen,raimondo,kerry` (or `blinken→yellen→...`, or a sequence of ids):
    every visitor once, allowed by the constraints.

    `option` names the option (or argument) that gave it, in error messages."""
    if isinstance(text, str):
        ids = tuple(part.strip() for part in re.split(r",|→|->", text))
    else:
        ids = tuple(str(part).strip() for part in text)
        text = ",".join(ids)
    where = f"{option} {text}"
    known = [v.id for v in scenario.visitors]
    listing = ",".join(known)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise InputError(
            f"{where}: unknown visitor {unknown[0]!r}; the visitors are {', '.join(known)}"
        )
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise InputError(f"{where}: visitor {twice[0]!r} appears more than once")
    missing = [i for i in known if i not in ids]
    if missing:
        raise InputError(
            f"{where}: missing {', '.join(repr(m) for m in missing)}; an ordering lists "
            f"every visitor once, e.g. {listing}"
        )
    if not is_candidate(scenario, ids):
        rules = "; ".join(_rule(c) for c in scenario.constraints)
        raise InputError(f"{where}: excluded by the scenario's constraints ({rules})")
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
            raise InputError(f"--metric {m}: unknown metric; allowed: {', '.join(allowed)}")
    return tuple(dict.fromkeys(metrics))
