"""What has been observed: the `observed:` block of a scenario and the observations file
(DESIGN §9).

`visitsim run --observed FILE --as-of DATE` reads an observations file
(`ObservationsFile`, events dated or numbered by day) and writes its events up to DATE
into the resolved scenario's `observed:` block (`Observed`, events by day), so a
conditioned run is reproduced and resumed from its resolved scenario like any other.
Days count from the scenario's `start`. Both are checked against the scenario by the
same function (`observed_checks`), so a block written by hand gets the same messages.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, get_args

from pydantic import BeforeValidator, Field, ValidationInfo, model_validator

from ...errors import FieldError
from ...evidence.observations import (
    VISITOR_KINDS,
    ClimateReading,
    Event,
    EventKind,
    GateOpened,
    Incident,
    Observations,
    VisitorEvent,
)
from ..display import show
from .fields import Identifier, NonNegative, Prose, Real, StrictModel
from .observed_checks import check_file

EVENT_KINDS: tuple[str, ...] = get_args(EventKind)

KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "gate_opened": ("gate",),
    "requested": ("visitor",),
    "accepted": ("visitor",),
    "refused": ("visitor",),
    "visited": ("visitor", "achieved"),
    "incident": ("severity",),
    "climate": ("value",),
}
"""What each kind of event says besides its day: the first field is required."""

_ABOUT = ("gate", "visitor", "achieved", "severity", "value")

MAX_EVENTS = 10_000


def _date(value: Any) -> Any:
    """A date written as YYYY-MM-DD text (not a number of seconds, as pydantic allows)."""
    if isinstance(value, dt.date):
        return value
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError("not YYYY-MM-DD")
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(
            f"not a date (got {show(value)}: {exc}); allowed: a date like 2023-06-01"
        ) from None


def _day_or_date(value: Any) -> Any:
    """A day number as a float, or a date."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and len(value) == 10:
        return _date(value)
    raise ValueError(
        f"not a date or a day (got {show(value)}); allowed: a date like 2023-06-01 or a day "
        "number from the scenario's start"
    )


IsoDate = Annotated[dt.date, BeforeValidator(_date)]
DayOrDate = Annotated[dt.date | float, BeforeValidator(_day_or_date)]


def _given(event: ObservedEvent | FileEvent) -> dict[str, Any]:
    """What an event says besides its day and kind, by field (None: not given)."""
    return {key: getattr(event, key) for key in _ABOUT}


def _check_kind(event: str, given: dict[str, Any]) -> None:
    """The fields an event gives belong to its kind, and the one it needs is there."""
    allowed = KIND_FIELDS[event]
    for key, value in given.items():
        if value is not None and key not in allowed:
            raise FieldError(
                f"does not belong to a {event} event, which takes {' and '.join(allowed)}",
                (key,),
            )
    if given[allowed[0]] is None:
        raise FieldError(f"missing required field: a {event} event needs {allowed[0]}", ())


def _record(event: str, day: float, given: dict[str, Any], line: int) -> Event:
    """An event as an evidence record."""
    if event == "gate_opened":
        return GateOpened(day, given["gate"], line)
    if event == "incident":
        return Incident(day, given["severity"], line)
    if event == "climate":
        return ClimateReading(day, given["value"], line)
    kind = VISITOR_KINDS[VISITOR_KINDS.index(event)]
    return VisitorEvent(day, given["visitor"], kind, given["achieved"], line)


class ObservedEvent(StrictModel):
    """One observed event of a scenario's `observed:` block: its day, its kind and what
    it is about (only the fields of its kind)."""

    day: Real
    event: EventKind
    gate: Identifier | None = Field(default=None, description="gate_opened: the until gate.")
    visitor: Identifier | None = Field(
        default=None, description="requested, accepted, refused, visited: the visitor."
    )
    achieved: tuple[Identifier, ...] | None = Field(
        default=None, description="visited: the agenda items achieved, if known."
    )
    severity: Real | None = Field(default=None, description="incident: its severity in [0, 1].")
    value: Real | None = Field(default=None, description="climate: the reading.")

    @model_validator(mode="after")
    def _fields_of_kind(self) -> ObservedEvent:
        _check_kind(self.event, _given(self))
        return self

    def record(self, line: int = 0) -> Event:
        """This event as an evidence record."""
        return _record(self.event, self.day, _given(self), line)

    @classmethod
    def of(cls, event: Event) -> ObservedEvent:
        """The block entry that records `event`."""
        if isinstance(event, GateOpened):
            return cls(day=event.day, event="gate_opened", gate=event.gate)
        if isinstance(event, Incident):
            return cls(day=event.day, event="incident", severity=event.severity)
        if isinstance(event, ClimateReading):
            return cls(day=event.day, event="climate", value=event.value)
        return cls(day=event.day, event=event.kind, visitor=event.visitor, achieved=event.achieved)


class Observed(StrictModel):
    """Observed events, complete up to day `as_of`: the run starts from that state."""

    as_of: NonNegative
    source: Prose = Field(default="", description="Where the events came from (a file).")
    description: Prose = Field(default="", description="What the record is.")
    events: tuple[ObservedEvent, ...] = Field(default=(), max_length=MAX_EVENTS)

    def observations(self) -> Observations:
        """The events up to `as_of`, as evidence records in day order."""
        events = sorted((e.record() for e in self.events), key=lambda e: e.day)
        return Observations(
            tuple(events), until=self.as_of, source=self.source, description=self.description
        ).up_to(self.as_of)


class FileEvent(StrictModel):
    """One event of an observations file: dated (`date`) or numbered (`day`), its kind
    and only the fields of its kind."""

    date: IsoDate | None = None
    day: Real | None = None
    event: EventKind
    gate: Identifier | None = None
    visitor: Identifier | None = None
    achieved: tuple[Identifier, ...] | None = None
    severity: Real | None = None
    value: Real | None = None

    @model_validator(mode="after")
    def _fields_of_kind(self) -> FileEvent:
        if self.date is not None and self.day is not None:
            raise FieldError("give the event's date or its day, not both", ("day",))
        if self.date is None and self.day is None:
            raise FieldError(
                "missing required field: give the event's date (date: YYYY-MM-DD) or its "
                "day from the scenario's start (day: N)",
                (),
            )
        _check_kind(self.event, _given(self))
        return self

    @property
    def day_key(self) -> str:
        """The key the event's day is written with: `date` or `day`."""
        return "day" if self.date is None else "date"

    def day_from(self, start: dt.date) -> float:
        """The event's day, counted from `start`."""
        if self.date is not None:
            return day_from(self.date, start)
        return float(self.day or 0.0)  # the validator makes sure one of them is given

    def record(self, start: dt.date, line: int = 0) -> Event:
        """This event as an evidence record, its day counted from `start`."""
        return _record(self.event, self.day_from(start), _given(self), line)


def day_from(when: dt.date | float, start: dt.date) -> float:
    """A day number as it is, or the day a date falls on counted from `start`."""
    return float((when - start).days) if isinstance(when, dt.date) else when


class ObservationsFile(StrictModel):
    """An observations file: what has happened since a scenario's start.

    Validated with the scenario as context (`context={"scenario": scenario}`), against
    which its names, days and values are checked.
    """

    scenario: Identifier | None = Field(default=None, description="The scenario it observes.")
    description: Prose = ""
    until: DayOrDate | None = Field(
        default=None, description="Complete up to this date or day (default: the last event)."
    )
    events: tuple[FileEvent, ...] = Field(max_length=MAX_EVENTS)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> ObservationsFile:
        scenario = (info.context or {}).get("scenario")
        if scenario is not None:
            check_file(self, scenario)
        return self

    def until_day(self, start: dt.date) -> float:
        """The last day the record covers: `until`, else the last event's day (else 0)."""
        if self.until is not None:
            return day_from(self.until, start)
        return max((e.day_from(start) for e in self.events), default=0.0)

    def observations(self, start: dt.date, source: str, lines: list[int]) -> Observations:
        """The events as records in day order (the file's order on one day), each with
        its line in `lines`."""
        records = [e.record(start, line) for e, line in zip(self.events, lines, strict=True)]
        return Observations(
            tuple(sorted(records, key=lambda e: e.day)),
            until=self.until_day(start),
            source=source,
            description=self.description,
            scenario=self.scenario,
        )
