"""A scenario compiled for the model: flat, index-addressed, built once per scenario.

The agents (`agents.py`) read only this and a replication's draws. Declared
preconditions are compiled here too: the calendar ones whose day the world fixes
(a hard `not_before`, a hard `gate`) are folded into one day per visitor and phase, the
rest become `Cond`s that the agents wait for as SimPy events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

from ..evidence.condition import Past, conditioning
from ..scenario import (
    Condition,
    Scenario,
    UntilGate,
    Visitor,
    WindowGate,
    defers,
    metric_names,
    soft_conditions,
)
from ..types import Ordering

ASK, TRAVEL = 0, 1
"""The two phases that have preconditions: before a request, before travel."""


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1.0 - 1e-9)
    return math.log(p / (1.0 - p))


Boost = tuple[int | None, str | None, float]  # (after visitor, after track, logit)


class ItemSpec(NamedTuple):
    """One agenda item: its number among all visitors' items, base logit, climate weight,
    value, and the boosts that apply once a given visitor or track has visited."""

    number: int
    logit: float
    climate_weight: float
    value: float
    boosts: tuple[Boost, ...]


class Cond(NamedTuple):
    """A precondition the agents wait for as an event.

    `kind` is a `schema.CONDITION_KINDS` name; `target` is a gate or visitor index, a
    track, a level or a day; `waiver` indexes the world's `waiver_after` (-1: hard).
    """

    kind: str
    target: int | float | str
    waiver: int
    text: str


class Earliest(NamedTuple):
    """The hard calendar preconditions of one visitor and phase: not before `day`, nor
    before any of the `gates` (indices of until gates) opens."""

    day: float
    gates: tuple[int, ...]


@dataclass(frozen=True)
class Spec:
    """A scenario compiled into index-addressed arrays for the model's hot path."""

    horizon: float
    ids: tuple[str, ...]
    tracks: tuple[str, ...]
    track_sizes: tuple[tuple[str, int], ...]  # each track and its number of visitors
    earliest: tuple[tuple[Earliest, ...], tuple[Earliest, ...]]  # [phase][visitor]
    conditions: tuple[tuple[tuple[Cond, ...], ...], tuple[tuple[Cond, ...], ...]]
    windows: tuple[tuple[tuple[float, float], ...], ...]  # per visitor: blocking windows
    windows_end: tuple[float, ...]  # per visitor: end of the last blocking window, or -inf
    accept_logit: tuple[float, ...]  # base + track bonus + invitation bonus
    climate_weight: float
    first_track: str | None
    preference: tuple[float, ...]  # per visitor, until a first-track visit: bonus or -penalty
    max_attempts: int
    spacing: float
    agenda: tuple[tuple[ItemSpec, ...], ...]  # per visitor
    item_count: int
    precedence: tuple[tuple[tuple[int, float], ...], ...]  # per earlier visitor: (later, cost)
    discount: float
    visit_gain: tuple[float, ...]
    item_gain: float
    climate_bounds: tuple[float, float]
    climate_hit: float
    postpone_days: float
    cancel_threshold: float
    policy: str
    min_gap: float
    patience: float
    weights: tuple[tuple[int, float], ...]  # (record index, weight) of the objective
    metrics: tuple[str, ...]
    past: tuple[Past | None, ...] = ()  # per visitor, in a conditioned run: what it had done
    readings: tuple[tuple[float, float], ...] = ()  # observed (day, climate) readings
    as_of: float | None = None  # in a conditioned run: the day the observed past ends

    def index(self, ordering: Ordering) -> tuple[int, ...]:
        """Visitor indices of an ordering given by ids."""
        return tuple(self.ids.index(v) for v in ordering)


def _blocks(gate: UntilGate | WindowGate, visitor: Visitor) -> bool:
    return gate.id in visitor.gates or visitor.track in gate.tracks


def _cond(scenario: Scenario, condition: Condition) -> tuple[str, int | float | str, str]:
    """(kind, target, trace text) of a declared condition."""
    ids = [v.id for v in scenario.visitors]
    kind = condition.kind
    if kind == "gate":
        gate = [g.id for g in scenario.gates].index(str(condition.gate))
        return kind, gate, f"gate {condition.gate} to open"
    if kind in ("visited", "accepted"):
        name = str(getattr(condition, kind))
        text = f"{name}'s visit to be over" if kind == "visited" else f"{name} to be accepted"
        return kind, ids.index(name), text
    if kind == "track_visited":
        track = str(condition.track_visited)
        return kind, track, f"{_article(track)} {track} visit"
    if kind == "climate_at_least":
        level = float(condition.climate_at_least or 0.0)
        return kind, level, f"the climate to reach {level:+.2f}"
    return kind, float(condition.not_before or 0.0), f"day {condition.not_before:g}"


def _phase(
    scenario: Scenario, visitor: Visitor, phase: str, soft: dict[tuple[str, str], int]
) -> tuple[Earliest, tuple[Cond, ...]]:
    """A visitor's compiled preconditions for one phase, sugar included: the earliest
    day and the until gates that block it are hard ask conditions, and the host's
    deferral is a travel condition."""
    day, gates, conds = 0.0, [], []
    if phase == "ask":
        day = visitor.earliest_day
        gates = [
            g
            for g, gate in enumerate(scenario.gates)
            if isinstance(gate, UntilGate) and _blocks(gate, visitor)
        ]
    for j, condition in enumerate(getattr(visitor.preconditions, phase)):
        waiver = soft.get((visitor.id, f"{phase}:{j}"), -1)
        kind, target, text = _cond(scenario, condition)
        if waiver < 0 and kind == "not_before":
            day = max(day, float(target))
        elif waiver < 0 and kind == "gate":
            gates.append(int(target))
        else:
            conds.append(Cond(kind, target, waiver, text))
    if phase == "travel" and defers(scenario, visitor):
        first = str(scenario.host.preference.first_track)
        waiver = soft.get((visitor.id, "host_preference"), -1)
        text = f"{_article(first)} {first} visit (the host defers)"
        conds.append(Cond("track_visited", first, waiver, text))
    return Earliest(day, tuple(dict.fromkeys(gates))), tuple(conds)


def compile_spec(scenario: Scenario) -> Spec:
    """Flatten a scenario for the model (done once per scenario)."""
    ids = tuple(v.id for v in scenario.visitors)
    host = scenario.host
    preference = host.preference
    soft = {(vid, key): i for i, (vid, key, _) in enumerate(soft_conditions(scenario))}
    phases = {
        phase: [_phase(scenario, v, phase, soft) for v in scenario.visitors]
        for phase in ("ask", "travel")
    }
    past = conditioning(scenario)
    if past is not None:  # nobody asks before the as-of day unless observed to have asked
        phases["ask"] = [
            (Earliest(max(day, past.as_of), gates), conds) for (day, gates), conds in phases["ask"]
        ]

    item_ids = [(v.id, item.id) for v in scenario.visitors for item in v.agenda]
    boosts: list[list[Boost]] = [[] for _ in item_ids]
    for b in scenario.effects.agenda_boosts:
        after = ids.index(b.after_visitor) if b.after_visitor is not None else None
        boosts[item_ids.index((b.visitor, b.item))].append((after, b.after_track, b.logit))
    precedence: list[list[tuple[int, float]]] = [[] for _ in ids]
    for p in scenario.effects.precedence_costs:
        precedence[ids.index(p.earlier)].append((ids.index(p.later), p.cost))
    windows = tuple(
        tuple(
            (gate.start_day, gate.end_day)
            for gate in scenario.gates
            if isinstance(gate, WindowGate) and _blocks(gate, v)
        )
        for v in scenario.visitors
    )
    items = iter(
        ItemSpec(i, _logit(item.success), item.climate_weight, item.value, tuple(boosts[i]))
        for i, item in enumerate(item for v in scenario.visitors for item in v.agenda)
    )
    names = metric_names(scenario)
    return Spec(
        horizon=scenario.horizon_days,
        ids=ids,
        tracks=tuple(v.track for v in scenario.visitors),
        track_sizes=tuple(
            (t, sum(v.track == t for v in scenario.visitors))
            for t in dict.fromkeys(v.track for v in scenario.visitors)
        ),
        earliest=(
            tuple(c for c, _ in phases["ask"]),
            tuple(c for c, _ in phases["travel"]),
        ),
        conditions=(
            tuple(c for _, c in phases["ask"]),
            tuple(c for _, c in phases["travel"]),
        ),
        windows=windows,
        windows_end=tuple(max((end for _, end in w), default=-math.inf) for w in windows),
        accept_logit=tuple(
            _logit(host.acceptance)
            + host.track_bonus.get(v.track, 0.0)
            + (host.invitation_bonus if v.invited else 0.0)
            for v in scenario.visitors
        ),
        climate_weight=host.climate_weight,
        first_track=preference.first_track,
        preference=tuple(
            preference.bonus if v.track == preference.first_track else -preference.penalty
            for v in scenario.visitors
        ),
        max_attempts=host.max_attempts,
        spacing=host.min_spacing_days,
        agenda=tuple(tuple(next(items) for _ in v.agenda) for v in scenario.visitors),
        item_count=len(item_ids),
        precedence=tuple(tuple(p) for p in precedence),
        discount=scenario.effects.discount_per_day,
        visit_gain=tuple(scenario.climate.visit_gain.get(v.track, 0.0) for v in scenario.visitors),
        item_gain=scenario.climate.item_gain,
        climate_bounds=scenario.climate.bounds,
        climate_hit=scenario.shocks.climate_hit,
        postpone_days=scenario.shocks.postpone_days,
        cancel_threshold=scenario.shocks.cancel_threshold,
        policy=scenario.policy.mode,
        min_gap=scenario.policy.min_gap_days,
        patience=scenario.policy.patience_days,
        weights=tuple((names.index(k), w) for k, w in scenario.objective.items()),
        metrics=names,
        past=() if past is None else tuple(past.pasts.get(i) for i in ids),
        as_of=None if past is None else past.as_of,
        readings=()
        if past is None
        else tuple((r.day, r.value) for r in past.observations.climate_readings()),
    )


def _article(word: str) -> str:
    """'an' before a vowel, else 'a' (for trace lines such as "an economic visit")."""
    return "an" if word[:1].lower() in "aeiou" else "a"
