"""What had been observed by a date, as part of a scenario (`observed:`, DESIGN §9).

`visitsim run --observed FILE --as-of DATE` reads the observations file and writes its
events up to DATE into the resolved scenario's `observed:` block, so a conditioned run
is reproduced and resumed from its resolved scenario like any other. Days count from
the scenario's `start`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ...evidence.observations import (
    ClimateReading,
    Event,
    GateOpened,
    Incident,
    Observations,
    VisitorEvent,
)
from .fields import Identifier, NonNegative, Prose, Real, StrictModel

EVENT_KINDS = (
    "gate_opened",
    "requested",
    "accepted",
    "refused",
    "visited",
    "incident",
    "climate",
)


class ObservedEvent(StrictModel):
    """One observed event: its day, its kind and what it is about."""

    day: NonNegative
    event: Literal[
        "gate_opened", "requested", "accepted", "refused", "visited", "incident", "climate"
    ]
    gate: Identifier | None = None
    visitor: Identifier | None = None
    achieved: tuple[Identifier, ...] | None = None
    severity: NonNegative | None = None
    value: Real | None = None

    def record(self) -> Event:
        """This event as an evidence record."""
        if self.event == "gate_opened":
            return GateOpened(self.day, str(self.gate))
        if self.event == "incident":
            return Incident(self.day, float(self.severity or 0.0))
        if self.event == "climate":
            return ClimateReading(self.day, float(self.value or 0.0))
        return VisitorEvent(self.day, str(self.visitor), self.event, self.achieved)


class Observed(StrictModel):
    """Observed events, complete up to day `as_of`: the run starts from that state."""

    as_of: NonNegative
    source: Prose = ""
    events: tuple[ObservedEvent, ...] = Field(default=(), max_length=10_000)

    def observations(self) -> Observations:
        """The events up to `as_of`, as evidence records in day order."""
        events = sorted((e.record() for e in self.events), key=lambda e: e.day)
        return Observations(tuple(events), until=self.as_of, source=self.source).up_to(self.as_of)
