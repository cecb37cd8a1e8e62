"""What calibration matches and scoring judges: observed event days, and the same days in
simulated records.

A *target* is one day the model simulates and the observations say something about: a
visitor's first request, first acceptance or visit (the outcome record's
`request_day`, `accept_day` and `day`), or the opening of an `until` gate (drawn in the
world). An event observed by `until` gives its day; one not observed by then is
*censored*: it had not happened by `until`, so both sides are read as min(day, until)
and a simulation in which it happens later (or never) matches it exactly. An event
whose later stage was observed without it (a visit, but no acceptance on record) is
left out: the record is silent about its day, not saying that it did not happen.
Refusals, incidents and climate readings are not targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..scenario import Scenario, UntilGate, metric_names
from ..types import FloatArray
from .observations import DAY_METRIC, GateOpened, Observations, VisitorEvent

STAGES = ("requested", "accepted", "visited")
"""The visitor events calibration matches, in the order a visit goes through them."""


@dataclass(frozen=True)
class Target:
    """One event's day: observed (`happened`) or censored at the record's end."""

    kind: str  # requested, accepted, visited or gate_opened
    subject: str  # the visitor's or the gate's id
    observed: float  # min(day, until)
    happened: bool

    @property
    def name(self) -> str:
        """`<kind>.<subject>`, as the files name it."""
        return f"{self.kind}.{self.subject}"


def _where(observations: Observations, line: int) -> str:
    return f"{observations.source}:{line}" if line else observations.source


def _check_subjects(observations: Observations, scenario: Scenario) -> None:
    visitors = {v.id for v in scenario.visitors}
    gates = {g.id for g in scenario.gates if isinstance(g, UntilGate)}
    for e in observations.events:
        if isinstance(e, VisitorEvent) and e.visitor not in visitors:
            raise InputError(
                f"{_where(observations, e.line)}: unknown visitor {e.visitor!r}; the "
                f"visitors of {scenario.name} are {', '.join(sorted(visitors))}"
            )
        if isinstance(e, GateOpened) and e.gate not in gates:
            listed = ", ".join(sorted(gates)) or "none"
            raise InputError(
                f"{_where(observations, e.line)}: {e.gate!r} is not an until gate of "
                f"{scenario.name} (its until gates: {listed})"
            )


def calibration_targets(observations: Observations, scenario: Scenario) -> tuple[Target, ...]:
    """The targets of `observations` for `scenario` (`event_targets`). Raises InputError
    when no request, acceptance, visit or gate opening was observed: there is nothing
    to calibrate on."""
    informative = [
        e
        for e in observations.events
        if isinstance(e, GateOpened) or (isinstance(e, VisitorEvent) and e.kind in STAGES)
    ]
    if not informative:
        _check_subjects(observations, scenario)
        raise InputError(
            f"{observations.source}: no event to calibrate on: the observations (up to day "
            f"{observations.until:g}) hold no request, acceptance, visit or gate opening"
        )
    return event_targets(observations, scenario)


def event_targets(observations: Observations, scenario: Scenario) -> tuple[Target, ...]:
    """Every event of `scenario` the observations settle: every visitor's stages, then
    every `until` gate, in scenario order; observed, or censored at the record's end."""
    _check_subjects(observations, scenario)
    until = observations.until
    targets: list[Target] = []
    for v in scenario.visitors:
        days = {
            kind: min(e.day for e in observations.visitor_events(v.id) if e.kind == kind)
            for kind in STAGES
            if any(e.kind == kind for e in observations.visitor_events(v.id))
        }
        for position, kind in enumerate(STAGES):
            if kind in days:
                targets.append(Target(kind, v.id, min(days[kind], until), True))
            elif not any(later in days for later in STAGES[position + 1 :]):
                targets.append(Target(kind, v.id, until, False))
    for g in scenario.gates:
        if isinstance(g, UntilGate):
            day = observations.gate_opened(g.id)
            happened = day is not None
            targets.append(
                Target("gate_opened", g.id, until if day is None else min(day, until), happened)
            )
    return tuple(targets)


def target_columns(targets: tuple[Target, ...], scenario: Scenario) -> tuple[int, ...]:
    """Each target's column in a simulated row: the outcome record's metrics, then the
    opening day of every gate (NaN for windows)."""
    names = metric_names(scenario)
    gates = [g.id for g in scenario.gates]
    return tuple(
        len(names) + gates.index(t.subject)
        if t.kind == "gate_opened"
        else names.index(f"{DAY_METRIC[t.kind]}.{t.subject}")
        for t in targets
    )


def censored_days(rows: FloatArray, columns: tuple[int, ...], until: float) -> FloatArray:
    """The targets' days in simulated rows (..., columns), read as min(day, until): an
    event that never happened (NaN) counts as not by `until`."""
    days = rows[..., list(columns)]
    return np.minimum(np.where(np.isnan(days), np.inf, days), until)
