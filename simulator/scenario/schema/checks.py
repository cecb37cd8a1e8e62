"""Checks across the parts of a scenario: sizes that could overflow, references to ids
that exist, ids used once, constraints some ordering satisfies, and preconditions that
cannot deadlock.

Each problem is a `FieldError` carrying the location of the field that holds the bad
value, so that the loader points the user at that line.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...errors import FieldError
from .fields import MAX_EXPECTED_SHOCKS, MAX_MAGNITUDE
from .gates import UntilGate
from .metrics import objective_metrics

if TYPE_CHECKING:
    from .plan import Constraint
    from .scenario import Scenario
    from .visitors import Visitor

Loc = tuple[str | int, ...]
"""Where a field is, as keys and list indices from the scenario."""


def check_limits(scenario: Scenario) -> None:
    """Reject numbers summed into the utility or the climate that could overflow, and
    an incident rate that would exhaust memory before anything is simulated."""
    summed: list[tuple[float, Loc]] = [
        *((w, ("objective", k)) for k, w in scenario.objective.items()),
        *(
            (item.value, ("visitors", i, "agenda", j, "value"))
            for i, v in enumerate(scenario.visitors)
            for j, item in enumerate(v.agenda)
        ),
        *(
            (p.cost, ("effects", "precedence_costs", i, "cost"))
            for i, p in enumerate(scenario.effects.precedence_costs)
        ),
        *((b, ("climate", "bounds", i)) for i, b in enumerate(scenario.climate.bounds)),
        *((g, ("climate", "visit_gain", t)) for t, g in scenario.climate.visit_gain.items()),
        (scenario.climate.item_gain, ("climate", "item_gain")),
        (scenario.shocks.climate_hit, ("shocks", "climate_hit")),
    ]
    for value, loc in summed:
        if abs(value) > MAX_MAGNITUDE:
            raise FieldError(
                f"out of range (got {value:g}); allowed: between {-MAX_MAGNITUDE:g} and "
                f"{MAX_MAGNITUDE:g} (larger numbers can overflow the utility)",
                loc,
            )
    rate, horizon = scenario.shocks.rate_per_day, scenario.horizon_days
    expected = rate * horizon
    if expected > MAX_EXPECTED_SHOCKS:
        raise FieldError(
            f"too many incidents: {rate:g} a day over {horizon:g} days is {expected:,.0f} "
            f"expected; allowed: at most {MAX_EXPECTED_SHOCKS:,} over the horizon (at most "
            f"{MAX_EXPECTED_SHOCKS / horizon:.4g} a day)",
            ("shocks", "rate_per_day"),
        )


def check_references(scenario: Scenario) -> None:
    """Reject repeated ids and names of visitors, tracks, gates, agenda items and
    metrics that the scenario does not define, at the first field that has one."""
    check_unique([v.id for v in scenario.visitors], "visitor", "visitors")
    check_unique([g.id for g in scenario.gates], "gate", "gates")
    visitors = {v.id: v for v in scenario.visitors}
    tracks = {v.track for v in scenario.visitors}
    gates = {g.id for g in scenario.gates}
    for i, v in enumerate(scenario.visitors):
        for j, g in enumerate(v.gates):
            _known(g, gates, "gate", ("visitors", i, "gates", j))
    for i, gate in enumerate(scenario.gates):
        for j, t in enumerate(gate.tracks):
            _known(t, tracks, "track", ("gates", i, "tracks", j))
    _check_preconditions(scenario, tracks)
    _check_no_deadlock(scenario.visitors)
    _check_tracks(scenario, tracks)
    _check_effects(scenario, visitors, tracks)
    for i, c in enumerate(scenario.constraints):
        for key in ("first", "last"):
            name = getattr(c, key)
            if name is not None:
                _known(name, visitors, "visitor", ("constraints", i, key))
        if c.before is not None:
            for j, name in enumerate(c.before):
                _known(name, visitors, "visitor", ("constraints", i, "before", j))
    allowed = objective_metrics(scenario)
    for key in scenario.objective:
        _known(key, allowed, "metric", ("objective", key))
    _check_satisfiable(scenario.constraints, len(scenario.visitors))


def _check_preconditions(scenario: Scenario, tracks: set[str]) -> None:
    """Every precondition names an until gate, another visitor or a track that exists."""
    visitors = {v.id for v in scenario.visitors}
    until = {g.id for g in scenario.gates if isinstance(g, UntilGate)}
    for i, v in enumerate(scenario.visitors):
        for phase in ("ask", "travel"):
            for j, c in enumerate(getattr(v.preconditions, phase)):
                loc = ("visitors", i, "preconditions", phase, j)
                if c.gate is not None:
                    _known(c.gate, until, "until gate", (*loc, "gate"))
                for key in ("visited", "accepted"):
                    name = getattr(c, key)
                    if name is not None:
                        _known(name, visitors, "visitor", (*loc, key))
                        if name == v.id:
                            raise FieldError(
                                f"visitor {v.id!r} cannot wait for itself", (*loc, key)
                            )
                if c.track_visited is not None:
                    _known(c.track_visited, tracks, "track", (*loc, "track_visited"))


def _check_tracks(scenario: Scenario, tracks: set[str]) -> None:
    """The host's bonuses and preference and the climate's gains name known tracks."""
    for t in scenario.host.track_bonus:
        _known(t, tracks, "track", ("host", "track_bonus", t))
    first_track = scenario.host.preference.first_track
    if first_track is not None:
        _known(first_track, tracks, "track", ("host", "preference", "first_track"))
    for t in scenario.climate.visit_gain:
        _known(t, tracks, "track", ("climate", "visit_gain", t))


def _check_effects(scenario: Scenario, visitors: dict[str, Visitor], tracks: set[str]) -> None:
    """Agenda boosts and precedence costs name known visitors, items and tracks."""
    for i, b in enumerate(scenario.effects.agenda_boosts):
        loc = ("effects", "agenda_boosts", i)
        _known(b.visitor, visitors, "visitor", (*loc, "visitor"))
        items = {item.id for item in visitors[b.visitor].agenda}
        _known(b.item, items, f"agenda item of visitor {b.visitor!r}:", (*loc, "item"))
        if b.after_visitor is not None:
            _known(b.after_visitor, visitors, "visitor", (*loc, "after_visitor"))
        if b.after_track is not None:
            _known(b.after_track, tracks, "track", (*loc, "after_track"))
    for i, p in enumerate(scenario.effects.precedence_costs):
        loc = ("effects", "precedence_costs", i)
        _known(p.earlier, visitors, "visitor", (*loc, "earlier"))
        _known(p.later, visitors, "visitor", (*loc, "later"))


def check_unique(ids: list[str], what: str, field: str) -> None:
    """Reject a repeated id, pointing at its second occurrence in `field`."""
    seen: set[str] = set()
    for index, i in enumerate(ids):
        if i in seen:
            raise FieldError(
                f"{what} id {i!r} is used twice; ids must be unique", (field, index, "id"), (i,)
            )
        seen.add(i)


def _check_satisfiable(constraints: tuple[Constraint, ...], visitors: int) -> None:
    """Reject constraints that rule out every ordering, at the first one that does.

    Some ordering satisfies them exactly when at most one visitor is `first` and one
    `last` (not the same one, unless alone), the `before` pairs have no circle, nothing
    must come before the first visitor and nothing after the last.
    """
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    follows: dict[str, set[str]] = {}  # visitor -> those that must come before it
    for i, c in enumerate(constraints):
        problem = ""
        if c.first is not None:
            first.setdefault(c.first, i)
        if c.last is not None:
            last.setdefault(c.last, i)
        if c.before is not None:
            follows.setdefault(c.before[1], set()).add(c.before[0])
        if len(first) > 1 or len(last) > 1:
            which = "first" if len(first) > 1 else "last"
            names = first if which == "first" else last
            problem = f"{' and '.join(map(repr, names))} cannot both be {which}"
        elif visitors > 1 and first.keys() & last.keys():
            problem = f"{next(iter(first))!r} cannot be both first and last"
        elif any(follows.get(f) for f in first):
            problem = f"nothing can come before {next(iter(first))!r}, which is first"
        elif any(name in ahead for ahead in follows.values() for name in last):
            problem = f"nothing can come after {next(iter(last))!r}, which is last"
        elif _has_circle(follows):
            problem = "the before pairs go round in a circle"
        if problem:
            raise FieldError(
                f"no ordering satisfies the constraints up to this one: {problem}",
                ("constraints", i),
            )


def _has_circle(follows: dict[str, set[str]]) -> bool:
    """Whether `a must follow b` relations contain a circle."""
    done: set[str] = set()

    def visit(node: str, path: set[str]) -> bool:
        if node in path:
            return True
        if node in done:
            return False
        found = any(visit(other, path | {node}) for other in follows.get(node, ()))
        done.add(node)
        return found

    return any(visit(node, set()) for node in follows)


_STAGES = ("ask", "accepted", "travel", "visited")
"""A visitor's stages, each reached only after the one before it."""


Stage = tuple[str, str]  # (visitor id, one of _STAGES)
Edge = tuple[Stage, Loc]  # what a stage waits for, and the field saying so


def _waits(visitors: Iterable[Visitor]) -> dict[Stage, list[Edge]]:
    """What each visitor's stage waits for: its stage before, and the stages of others
    that its hard `visited`/`accepted` preconditions name."""
    waits: dict[Stage, list[Edge]] = {}
    for i, v in enumerate(visitors):
        for before, after in itertools.pairwise(_STAGES):
            waits.setdefault((v.id, after), []).append(((v.id, before), ()))
        for phase in ("ask", "travel"):
            for j, c in enumerate(getattr(v.preconditions, phase)):
                for key in ("visited", "accepted"):
                    other = getattr(c, key)
                    if other is not None and c.waiver is None:
                        loc = ("visitors", i, "preconditions", phase, j, key)
                        waits.setdefault((v.id, phase), []).append(((other, key), loc))
    return waits


def _check_no_deadlock(visitors: Iterable[Visitor]) -> None:
    """Reject hard `visited`/`accepted` preconditions that wait for each other in a
    circle (a asks after b's visit, b asks after a's): none of them could ever visit.

    A stage waits for the visitor's stage before it and for the stages its hard
    conditions name; a cycle among these waits is a certain deadlock.
    """
    waits = _waits(visitors)
    done: set[Stage] = set()

    def follow(stage: Stage, path: list[tuple[Stage, Edge]]) -> None:
        if stage in done:
            return
        for step, (seen, _) in enumerate(path):
            if seen == stage:
                circle = [(s, e) for s, e in path[step:] if e[1]]
                said = "; ".join(
                    f"{s[0]} {'asks' if s[1] == 'ask' else 'travels'} only once {e[0][0]} "
                    f"{'has visited' if e[0][1] == 'visited' else 'is accepted'}"
                    for s, e in circle
                )
                raise FieldError(
                    f"hard preconditions wait for each other in a circle ({said}), so none "
                    "of these visits can ever happen; give one of them a waiver or drop it",
                    circle[0][1][1],
                )
        for edge in waits.get(stage, []):
            follow(edge[0], [*path, (stage, edge)])
        done.add(stage)

    for stage in list(waits):
        follow(stage, [])


def _known(name: str, allowed: Iterable[str], what: str, loc: Loc) -> None:
    names = sorted(allowed)
    if name not in names:
        raise FieldError(
            f"unknown {what} {name!r}; known: {', '.join(map(str, names)) or '(none)'}",
            loc,
            (name,),
        )
