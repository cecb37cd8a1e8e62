"""The events a forecast is judged on, and the forecast's samples of their days.

The events are the targets the record settles (`targets.event_targets`: each visitor's
first request, first acceptance and visit, each `until` gate's opening; observed, or
censored at the record's end). A forecast made as of a day is judged only on what was
still ahead then. Each event's forecast is one sample per replication: the outcome
record's `request_day.<v>`, `accept_day.<v>` or `day.<v>`, or the world's opening day of
the gate; NaN where it did not happen within the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario import Scenario
from ..types import FloatArray
from .observations import Observations
from .targets import STAGES, Target, event_targets, target_columns


@dataclass(frozen=True)
class Skipped:
    """An event left out of scoring, and why."""

    name: str
    reason: str


def label(target: Target) -> str:
    """The event in words: `blinken visited`, `debt_ceiling opened`."""
    return f"{target.subject} {'opened' if target.kind == 'gate_opened' else target.kind}"


def scored_events(
    scenario: Scenario, observations: Observations, as_of: float | None = None
) -> tuple[tuple[Target, ...], tuple[Skipped, ...]]:
    """The events a forecast made as of day `as_of` (None: the start) is judged on, in
    scenario order, and those left out with why: an event seen by `as_of` is known,
    not forecast; a stage the record skips although it shows a later one (a visit
    without its acceptance) happened on a day the record does not give."""
    settled = event_targets(observations, scenario)
    names = {t.name for t in settled}
    skipped = [
        Skipped(f"{kind}.{v.id}", "the record shows a later stage but not the day of this one")
        for v in scenario.visitors
        for kind in STAGES
        if f"{kind}.{v.id}" not in names
    ]
    chosen: list[Target] = []
    for t in settled:
        if as_of is not None and t.happened and t.observed <= as_of:
            skipped.append(Skipped(t.name, f"already seen by day {as_of:g}"))
        else:
            chosen.append(t)
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
    rows = np.concatenate([records, gate_open], axis=1)
    days: FloatArray = rows[:, list(target_columns(events, scenario))].T
    return days


def censored(days: FloatArray, at: float) -> FloatArray:
    """min(day, at), a day that never came (NaN) counting as `at`: what a record that
    ends on day `at` can tell of each day."""
    return np.where(np.isnan(days), at, np.minimum(days, at))
