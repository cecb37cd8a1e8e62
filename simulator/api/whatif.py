"""What if an assumption moves? Re-rank the orderings on the same worlds, at once.

A `WhatIf` session holds one scenario file and the assumptions an analyst may move
(its `uncertain:` block, or `params`). `rank` re-ranks every ordering at a setting of
them on the common worlds of the session's seed, so what changes between two settings
is the assumption, not the noise; `flips` locates the tipping points along one
assumption with the others held where they are, and `nearest_flips` the ones on either
side of its current value, cheaply enough to follow every move (`simulator.app.tipping`
runs it in the background); `save_variant` writes the setting as a scenario file that
`extends:` the base. Every value goes through the scenario's own
validation, so a bad one gets the message `--set` would give.

Drawing a world block costs about 1% of simulating its orderings (6 ms against 0.9 s
on the flagship), so what is cached is the whole view of each setting: moving back to
a setting already seen costs nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import ScenarioError, ScenarioErrors, SettingError, literal
from ..executors import Executor, kept
from ..experiment import ExperimentResult, rank_orderings, run_fixed
from ..output import files
from ..output.calendar import Calendar, calendar_from_summary
from ..output.tables import summary_document
from ..scenario import (
    Scenario,
    apply_overrides,
    candidate_orderings,
    load_scenario,
    parse_override,
    validate_raw,
)
from ..scenario.assumptions import describe
from ..scenario.overrides import assign, target
from ..stats.ranking import Ranking
from ..tuning import Base, Sweep, given_or_declared, parse_param, run_sweep
from ..tuning.evaluate import evaluate_settings
from ..tuning.inputs import Setting
from ..types import Ordering
from .settings import SWEEP_REPLICATIONS

CACHED_VIEWS = 64
"""Settings whose views a session keeps (each holds its records: about 1 MB for the
flagship at 200 replications per ordering)."""
FLIP_REPLICATIONS = SWEEP_REPLICATIONS
"""Most replications per ordering at each value a page's nearest-flips search tries.
Up to it, the page's own: then the search's best at the current value is the ranking's
(at fewer, near-ties between the leaders come out otherwise, and the flips found are
away from an ordering the page does not recommend). Beyond it, searches stay affordable
after every move, and the page says at how many it searched."""
FLIP_POINTS = 5
"""Evenly spaced values a nearest-flips search may try across a range (and the current
value), before three bisections locate a flip to an eighth of their spacing."""
HALVINGS = 3


@dataclass(frozen=True)
class Control:
    """One assumption the analyst may move: its range, its value in the scenario file and
    why it is uncertain."""

    path: str
    low: float
    high: float
    value: float
    integer: bool
    reason: str | None


@dataclass(frozen=True)
class View:
    """The orderings ranked at one setting: the simulation's records, the ranking, the
    calendar of the best ordering, and the seconds it took (0 when cached)."""

    setting: Setting
    result: ExperimentResult
    ranking: Ranking
    calendar: Calendar
    seconds: float

    @property
    def best(self) -> Ordering:
        """The best ordering by mean utility."""
        return self.ranking.best


@dataclass(frozen=True)
class Flip:
    """Where the best ordering changes as one assumption moves away from its current
    value: `to` is best at `outer`; `inner`, nearer the current value, is the farthest
    value tried at which the current best still is; `at` is the flip's estimate."""

    at: float
    inner: float
    outer: float
    to: Ordering


@dataclass(frozen=True)
class NearestFlips:
    """The flips of one assumption nearest its `current` value, below and above it
    (None: none in [`low`, `high`]), with the others held; `best` is the best ordering at
    the current value and `tried` counts the values simulated to find them."""

    path: str
    low: float
    high: float
    current: float
    best: Ordering
    below: Flip | None
    above: Flip | None
    tried: int


BestAt = Callable[[Setting], Ordering]
"""The best ordering at a setting of every control."""


def best_ordering(scenario: Scenario, replications: int, seed: int) -> Ordering:
    """The candidate ordering with the highest mean utility over `replications` on the
    worlds of `seed`, simulated here, serially (as a sweep's point ranks them)."""
    evaluation = evaluate_settings([scenario], replications=replications, seed=seed)[0]
    return candidate_orderings(scenario)[evaluation.best]


def nearest_flips(
    control: Control,
    setting: Setting,
    best_at: BestAt,
    points: int = FLIP_POINTS,
    halvings: int = HALVINGS,
) -> NearestFlips:
    """The flips of `control` nearest its value in `setting`, the others held: walking
    out from the current value over `points` evenly spaced values of the range, the
    first value on each side with another best ordering is bracketed, then the bracket
    is halved `halvings` times. Cheap (at most 1 + points + 2 x halvings settings, and
    a setting is simulated once however often it is asked for), so it can follow every
    move; a flip and back between two tried values is not seen."""
    values = dict(setting)
    current = values[control.path]

    def value(x: float) -> float:
        return float(round(x)) if control.integer else float(x)

    tried: dict[float, Ordering] = {}

    def best(x: float) -> Ordering:
        if x not in tried:
            tried[x] = best_at(tuple((p, x if p == control.path else v) for p, v in setting))
        return tried[x]

    here = best(current)
    grid = list(dict.fromkeys(value(x) for x in np.linspace(control.low, control.high, points)))

    def walk(steps: list[float]) -> Flip | None:
        inner = current
        for x in steps:
            to = best(x)
            if to == here:
                inner = x
                continue
            outer = x
            for _ in range(halvings):
                mid = value((inner + outer) / 2)
                if mid in (inner, outer):
                    break
                if best(mid) == here:
                    inner = mid
                else:
                    outer, to = mid, best(mid)
            at = outer if control.integer else (inner + outer) / 2
            return Flip(at, inner, outer, to)
        return None

    below = walk([x for x in reversed(grid) if x < current])
    above = walk([x for x in grid if x > current])
    return NearestFlips(
        control.path, control.low, control.high, current, here, below, above, len(tried)
    )


class WhatIf:
    """A what-if session over one scenario file (see the module's docstring)."""

    def __init__(
        self,
        scenario: Base | str | Path,
        *,
        params: Sequence[str] = (),
        replications: int = SWEEP_REPLICATIONS,
        seed: int | None = None,
        executor: Executor | None = None,
    ) -> None:
        self.base = scenario if isinstance(scenario, Base) else Base.load(scenario)
        given = [parse_param(p) for p in params]
        found = given_or_declared(given, self.base.scenario, "params", "PATH=LOW:HIGH")
        checked = self.base.check(found, "params")
        self.controls = tuple(
            Control(a.path, a.low, a.high, self.base.value(a.path), a.integer, a.reason)
            for a in checked
        )
        self._assumptions = {a.path: a for a in checked}
        self.replications = replications
        self.seed = self.base.scenario.experiment.seed if seed is None else seed
        self.executor = None if executor is None else kept(executor)
        self._views: OrderedDict[tuple[Any, ...], View] = OrderedDict()
        self._flips: dict[tuple[Any, ...], Sweep] = {}

    def close(self) -> None:
        """Stop the session's kept workers (a later ranking starts new ones)."""
        close = getattr(self.executor, "close", None)
        if close is not None:
            close()

    def setting(self, values: Mapping[str, float] | None = None) -> Setting:
        """The setting of every control: `values` where given, else the file's value."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(self._assumptions))
        if unknown:
            known = ", ".join(self._assumptions)
            raise SettingError(
                f"{{params}} {literal(unknown[0])} is not one of this session's assumptions "
                f"({literal(known)})",
                setting="params",
            )
        return tuple(
            (c.path, self._assumptions[c.path].value(values.get(c.path, c.value)))
            for c in self.controls
        )

    def scenario(
        self, values: Mapping[str, float] | None = None, policy: str | None = None
    ) -> Scenario:
        """The scenario at a setting (and `policy`, None: the file's), validated as `--set`
        would validate it."""
        return self._base(policy).at(self.setting(values), "params")

    def _base(self, policy: str | None) -> Base:
        """The scenario file, with its plan followed under `policy` (None: the file's)."""
        if policy is None or policy == self.base.scenario.policy.mode:
            return self.base
        raw = apply_overrides(self.base.raw, [("policy.mode", policy)])
        try:
            scenario = validate_raw(raw, self.base.lines)
        except (ScenarioError, ScenarioErrors) as error:
            raise SettingError(
                f"{{policy}}: {literal(describe(error))}", setting="policy"
            ) from None
        return replace(self.base, raw=raw, scenario=scenario)

    def rank(
        self,
        values: Mapping[str, float] | None = None,
        *,
        policy: str | None = None,
        replications: int | None = None,
        seed: int | None = None,
    ) -> View:
        """Every ordering ranked at a setting, on the common worlds of `seed` (None: the
        session's), with `replications` per ordering (None: the session's)."""
        n = self.replications if replications is None else replications
        seed = self.seed if seed is None else seed
        setting = self.setting(values)
        key = (setting, policy, n, seed)
        cached = self._views.get(key)
        if cached is not None:
            self._views.move_to_end(key)
            return replace(cached, seconds=0.0)
        start = time.perf_counter()
        scenario = self._base(policy).at(setting, "params")
        result = run_fixed(scenario, replications=n, seed=seed, executor=self.executor)
        ranking = rank_orderings(result.orderings, result.records[:, :, 0], seed=seed)
        design = {"design": "fixed", "replications": n}
        summary = summary_document(result, ranking, design, limit=1)  # the best's calendar
        calendar = calendar_from_summary(scenario, summary)
        view = View(setting, result, ranking, calendar, time.perf_counter() - start)
        self._views[key] = view
        while len(self._views) > CACHED_VIEWS:
            self._views.popitem(last=False)
        return view

    def flips(
        self,
        path: str,
        values: Mapping[str, float] | None = None,
        points: int = 9,
        *,
        policy: str | None = None,
        replications: int | None = None,
        seed: int | None = None,
    ) -> Sweep:
        """The tipping points along assumption `path`, over its range in `points` grid
        points, with the other assumptions at their `values` (and `policy`,
        `replications`, `seed` as for `rank`); kept, so asking again costs nothing."""
        setting = self.setting(values)
        if path not in self._assumptions:
            self.setting({path: 0.0})  # the same message as an unknown control
        others = tuple((p, v) for p, v in setting if p != path)
        n = self.replications if replications is None else replications
        seed = self.seed if seed is None else seed
        key = (path, others, points, policy, n, seed)
        found = self._flips.get(key)
        if found is None:
            base = self._base(policy)
            scenario = base.at(others, "params")
            held = replace(base, raw=apply_overrides(base.raw, others), scenario=scenario)
            axis = replace(self._assumptions[path], points=points)
            found = run_sweep(held, [axis], replications=n, seed=seed, executor=self.executor)
            self._flips[key] = found
        return found

    def best_at(
        self, setting: Setting, *, policy: str | None = None, replications: int, seed: int
    ) -> Ordering:
        """The best ordering at `setting` (and `policy`), at `replications` per ordering
        on the worlds of `seed`, simulated here, serially: a `BestAt` for
        `nearest_flips` once the other arguments are bound."""
        return best_ordering(self._base(policy).at(setting, "params"), replications, seed)

    def save_variant(
        self, values: Mapping[str, float], folder: Path, policy: str | None = None
    ) -> Path:
        """Write the setting as a scenario file in `folder` that `extends:` the base with
        only the changed values (and the base's own overrides), dated; check that it
        loads to the scenario the session ranks. Returns its path."""
        setting = self.setting(values)
        changed = [(p, v) for (p, v), c in zip(setting, self.controls, strict=True) if v != c.value]
        overrides = [parse_override(text) for text in self.base.overrides]
        if policy is not None and policy != self.base.scenario.policy.mode:
            overrides.append(("policy.mode", policy))
        folder.mkdir(parents=True, exist_ok=True)
        scenario = self.base.scenario
        now = dt.datetime.now(dt.UTC)
        name = f"{scenario.name}_whatif"[:40]
        target = folder / f"{name}-{now:%Y%m%d-%H%M%S}.yaml"
        tree: dict[str, Any] = {
            "extends": os.path.relpath(self.base.source.resolve(), folder.resolve()),
            "name": name,
        }
        for path, value in [*overrides, *changed]:
            tree = _merge(tree, _nest(self.base.raw, _keys(self.base.raw, path), value))
        lines = [f"  {p} = {v}" for p, v in [*changed, *overrides]] or ["  (no value changed)"]
        header = [
            f"# What-if variant of {scenario.name}, saved {now:%Y-%m-%d %H:%M} UTC.",
            f"# From {self.base.source}; changed:",
            *(f"#{line}" for line in lines),
        ]
        text = "\n".join(header) + "\n" + yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)
        files.write_text(target, text)
        saved = load_scenario(target)
        expected = self.scenario(values, policy).model_copy(update={"name": name})
        if saved != expected:
            target.unlink()
            raise SettingError(
                f"the variant of {{params}} {literal(str(changed))} does not load to the "
                "scenario ranked; nothing was saved",
                setting="params",
            )
        return target


def _keys(raw: dict[str, Any], path: str) -> tuple[Any, ...]:
    """Where dotted `path` lands in raw scenario data (dict keys and list indices)."""
    keys, _, _ = target(raw, (path, 0.0))
    return tuple(keys)


def _has_ids(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, dict) and "id" in item for item in items)


def _nest(node: Any, keys: tuple[Any, ...], value: object) -> Any:
    """The smallest variant fragment that sets `keys` to `value` over raw data `node`:
    mappings by key, lists of items with ids by id (as `extends:` merges them), any
    other list whole."""
    if not keys:
        return value
    key, rest = keys[0], keys[1:]
    if isinstance(node, list):
        if _has_ids(node):
            item = node[key]
            return [{"id": item["id"], **_nest(item, rest, value)}]
        return assign(node, keys, value)
    child = node.get(key) if isinstance(node, dict) else None
    return {key: _nest(child, rest, value)}


def _merge(a: Any, b: Any) -> Any:
    """Two variant fragments as one: mappings key by key, id lists item by item."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for key, value in b.items():
            out[key] = _merge(out[key], value) if key in out else value
        return out
    if isinstance(a, list) and isinstance(b, list) and _has_ids(a) and _has_ids(b):
        items = {item["id"]: item for item in a}
        for item in b:
            items[item["id"]] = _merge(items[item["id"]], item) if item["id"] in items else item
        return list(items.values())
    return b
