"""What has been observed: dated events, in days from the scenario's start (DESIGN §9).

An observations file (read by `evidence.load`) becomes one `Observations`: events in
day order and the last day the record covers (`until`). Everything downstream reads
these records: conditioning a run on what happened by a date (`condition`), scoring
the forecast against what happened after (`score`), calibrating the assumptions
(`calibrate`). The records are checked for consistency when they are built
(`evidence.load`); this module only holds them and answers questions about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VisitorKind = Literal["requested", "accepted", "refused", "visited"]
"""What a visitor did or was told, in the order a request goes through."""

VISITOR_KINDS: tuple[VisitorKind, ...] = ("requested", "accepted", "refused", "visited")

EventKind = Literal[
    "gate_opened", "requested", "accepted", "refused", "visited", "incident", "climate"
]

DAY_METRIC = {"requested": "request_day", "accepted": "accept_day", "visited": "day"}
"""The outcome-record metric prefix (`<prefix>.<visitor>`) of a visitor event's day."""


@dataclass(frozen=True)
class GateOpened:
    """An `until` gate opened on `day`."""

    day: float
    gate: str
    line: int = 0  # line in the observations file (0 when built in code)


@dataclass(frozen=True)
class VisitorEvent:
    """A visitor requested, was accepted, was refused or visited on `day`.

    For a visit, `achieved` lists the agenda items it achieved when that is known
    (None: unknown, the model draws them); the day is the day the visit starts.
    """

    day: float
    visitor: str
    kind: VisitorKind
    achieved: tuple[str, ...] | None = None
    line: int = 0


@dataclass(frozen=True)
class Incident:
    """An incident of `severity` (as the scenario's shock severities) on `day`."""

    day: float
    severity: float
    line: int = 0


@dataclass(frozen=True)
class ClimateReading:
    """The relationship climate read `value` (in the scenario's bounds) on `day`."""

    day: float
    value: float
    line: int = 0


Event = GateOpened | VisitorEvent | Incident | ClimateReading


@dataclass(frozen=True)
class Observations:
    """Observed events in day order, complete up to day `until` (inclusive).

    `source` names where they came from (a file path, for messages and provenance);
    `description` is the file's own note on what it records.
    """

    events: tuple[Event, ...]
    until: float
    source: str = "<observations>"
    description: str = ""
    scenario: str | None = None  # the scenario name the file says it observes

    def up_to(self, day: float) -> Observations:
        """What had been observed by the end of `day`: the events on or before it."""
        return Observations(
            events=tuple(e for e in self.events if e.day <= day),
            until=min(self.until, day),
            source=self.source,
            description=self.description,
            scenario=self.scenario,
        )

    def visitor_events(self, visitor: str) -> tuple[VisitorEvent, ...]:
        """`visitor`'s events, in day order."""
        return tuple(e for e in self.events if isinstance(e, VisitorEvent) and e.visitor == visitor)

    def visit_day(self, visitor: str) -> float | None:
        """The day `visitor`'s visit started, if one was observed."""
        for e in self.visitor_events(visitor):
            if e.kind == "visited":
                return e.day
        return None

    def visited(self) -> tuple[str, ...]:
        """Visitors who have visited, in the order of their visits (the realized prefix)."""
        visits = [e for e in self.events if isinstance(e, VisitorEvent) and e.kind == "visited"]
        return tuple(e.visitor for e in sorted(visits, key=lambda e: e.day))

    def gate_opened(self, gate: str) -> float | None:
        """The day `gate` was observed to open, if it was."""
        for e in self.events:
            if isinstance(e, GateOpened) and e.gate == gate:
                return e.day
        return None

    def incidents(self) -> tuple[Incident, ...]:
        """Observed incidents, in day order."""
        return tuple(e for e in self.events if isinstance(e, Incident))

    def climate_readings(self) -> tuple[ClimateReading, ...]:
        """Observed climate readings, in day order."""
        return tuple(e for e in self.events if isinstance(e, ClimateReading))
