"""The events a forecast is judged on: what the record says of each, and its samples.

An event is a visitor's first request, first acceptance or visit, or an `until` gate's
opening. The record (`Observations`) is complete up to its last day `until`, so an
event it does not list had not happened by then: it is *censored* at `until`. Each
event's forecast is one sample per replication of the outcome record (`request_day.<v>`,
`accept_day.<v>`, `day.<v>`) or of the world (the gate's opening day); NaN where it did
not happen within the horizon. Scoring (`score`) and calibration both read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..scenario import Scenario, UntilGate, metric_names
from ..types import FloatArray
from .observations import DAY_METRIC, Observations

TargetKind = Literal["requested", "accepted", "visited", "gate_opened"]

VISITOR_STAGES: tuple[TargetKind, ...] = ("requested", "accepted", "visited")
"""A visitor's stages, in the order a request goes through them."""

VERB = {
    "requested": "requested",
    "accepted": "accepted",
    "visited": "visited",
    "gate_opened": "opened",
}


@dataclass(frozen=True)
class Target:
    """One event and what the record says of it: the day it happened, or None when it
    had not happened by the end of the record."""

    kind: TargetKind
    subject: str  # the visitor's or the gate's id
    observed: float | None

    @property
    def key(self) -> str:
        """The event's name in files and stream names: `visited.blinken`."""
        return f"{self.kind}.{self.subject}"

    @property
    def label(self) -> str:
        """The event in words: `blinken visited`, `debt_ceiling opened`."""
        return f"{self.subject} {VERB[self.kind]}"

    @property
    def happened(self) -> bool:
        """Whether the record shows it."""
        return self.observed is not None


@dataclass(frozen=True)
class Skipped:
    """An event left out of scoring, and why."""

    key: str
    reason: str


def _first(observations: Observations, visitor: str, kind: str) -> float | None:
    for e in observations.visitor_events(visitor):
        if e.kind == kind:
            return e.day
    return None


def targets(
    scenario: Scenario, observations: Observations, as_of: float | None = None
) -> tuple[tuple[Target, ...], tuple[Skipped, ...]]:
    """Every event the forecast made as of day `as_of` (None: the start) can be judged
    on, in scenario order (visitors' stages, then gates), and those left out.

    An event already seen by `as_of` is known, not forecast: left out. So is a stage
    the record skips although it shows a later one (a visit without its acceptance):
    it happened, but on a day the record does not give.
    """
    chosen: list[Target] = []
    skipped: list[Skipped] = []

    def consider(target: Target) -> None:
        if as_of is not None and target.observed is not None and target.observed <= as_of:
            skipped.append(Skipped(target.key, f"already seen by day {as_of:g}"))
        else:
            chosen.append(target)

    for v in scenario.visitors:
        days = [_first(observations, v.id, kind) for kind in VISITOR_STAGES]
        for stage, kind in enumerate(VISITOR_STAGES):
            later = [d for d in days[stage + 1 :] if d is not None]
            if days[stage] is None and later:
                skipped.append(
                    Skipped(
                        f"{kind}.{v.id}",
                        "the record shows a later stage but not the day of this one",
                    )
                )
                continue
            consider(Target(kind, v.id, days[stage]))
    for gate in scenario.gates:
        if isinstance(gate, UntilGate):
            consider(Target("gate_opened", gate.id, observations.gate_opened(gate.id)))
    return tuple(chosen), tuple(skipped)


def sample_days(
    events: tuple[Target, ...],
    scenario: Scenario,
    records: FloatArray,
    gate_open: FloatArray,
) -> FloatArray:
    """Each event's day in each replication, shape (events, replications), NaN where it
    did not happen within the horizon.

    `records` are one ordering's outcome records, shape (replications, metrics) in
    `metric_names(scenario)` order; `gate_open` the worlds' gate openings, shape
    (replications, gates) in the scenario's gate order.
    """
    names = metric_names(scenario)
    gates = [g.id for g in scenario.gates]
    out = np.empty((len(events), records.shape[0]))
    for i, event in enumerate(events):
        if event.kind == "gate_opened":
            days = gate_open[:, gates.index(event.subject)]
            out[i] = np.where(days <= scenario.horizon_days, days, np.nan)
        else:
            out[i] = records[:, names.index(f"{DAY_METRIC[event.kind]}.{event.subject}")]
    return out


def censored(days: FloatArray, at: float) -> FloatArray:
    """min(day, at), a day that never came (NaN) counting as `at`: what a record that
    ends on day `at` can tell of each day."""
    return np.where(np.isnan(days), at, np.minimum(days, at))
