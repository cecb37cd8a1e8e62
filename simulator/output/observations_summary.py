"""What the validation of an observations file reports: how many events of each kind,
and the period they cover, as a plain-data document and as one line of text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..evidence.observations import (
    ClimateReading,
    Event,
    GateOpened,
    Incident,
    Observations,
    VisitorEvent,
)
from ..scenario import Scenario
from ..scenario.schema.observed import EVENT_KINDS
from ..scenario.schema.observed_checks import when
from .terminal import wrap


def _kind(event: Event) -> str:
    if isinstance(event, VisitorEvent):
        return event.kind
    kinds = {GateOpened: "gate_opened", Incident: "incident", ClimateReading: "climate"}
    return kinds[type(event)]


def observations_summary(observations: Observations, scenario: Scenario) -> dict[str, Any]:
    """What `validate --observed` reports for valid observations: events by kind (in the
    order a request goes through), the days of the first and last event and `until`."""
    kinds = [_kind(e) for e in observations.events]
    days = [e.day for e in observations.events]
    return {
        "source": observations.source,
        "events": len(kinds),
        "by_kind": {k: kinds.count(k) for k in EVENT_KINDS if k in kinds},
        "first_day": min(days, default=None),
        "last_day": max(days, default=None),
        "until": observations.until,
        "start": scenario.start.isoformat(),
    }


def observations_summary_text(summary: dict[str, Any], width: int = 80) -> str:
    """The summary as one line (wrapped at `width`): how many events, the dates of the
    first and last, the day the record is complete to, and the events by kind."""
    start = dt.date.fromisoformat(summary["start"])
    count = summary["events"]
    text = f"observations: {count} event{'' if count == 1 else 's'}"
    if count:
        first, last = summary["first_day"], summary["last_day"]
        text += f" from {_date(first, start)} to {_date(last, start)} (days {first:g} to {last:g})"
    text += f", complete to {when(summary['until'], start)}"
    if count:
        text += ": " + ", ".join(f"{n} {k}" for k, n in summary["by_kind"].items())
    return "\n".join(wrap(text, width, "  "))


def _date(day: float, start: dt.date) -> str:
    return (start + dt.timedelta(days=int(day // 1))).isoformat()
