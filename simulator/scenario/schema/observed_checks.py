"""Checks of observed events against their scenario: the names they use exist, their
days fall in the scenario's period and the record's, their values in the scenario's
ranges, and they do not contradict each other.

One function (`check_events`) checks the events of a scenario's `observed:` block and
of an observations file alike; each problem is a `FieldError` at the field of the
offending event, so that the loader reports its file and line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...errors import FieldError
from ...evidence.observations import ClimateReading, Event, GateOpened, Incident, VisitorEvent
from .gates import UntilGate

if TYPE_CHECKING:
    from .observed import ObservationsFile, Observed
    from .scenario import Scenario

Loc = tuple[str | int, ...]

_LATEST_DATE = 3_000_000
"""Days from the start beyond which a day is not shown as a date (it has none)."""


def when(day: float, start: dt.date) -> str:
    """`day 30 (2023-06-16)`: a day and the date it falls on."""
    if abs(day) > _LATEST_DATE:
        return f"day {day:g}"
    date = start + dt.timedelta(days=int(day // 1))
    return f"day {day:g} ({date.isoformat()})"


def check_block(observed: Observed, scenario: Scenario) -> None:
    """A scenario's `observed:` block: its as-of day in the scenario's period, and its
    events checked against the scenario, none after the as-of day."""
    loc: Loc = ("observed",)
    check_day(observed.as_of, scenario, None, (*loc, "as_of"))
    records = [e.record() for e in observed.events]
    locs = [(*loc, "events", i) for i in range(len(records))]
    check_events(records, scenario, observed.as_of, locs, ["day"] * len(records), "as_of")


def check_file(written: ObservationsFile, scenario: Scenario) -> None:
    """An observations file: the scenario it names, its `until` and its events."""
    if written.scenario is not None and written.scenario != scenario.name:
        raise FieldError(
            f"these observations are of scenario {written.scenario!r}, but the scenario is "
            f"{scenario.name!r}",
            ("scenario",),
            (written.scenario,),
        )
    until = None
    if written.until is not None:
        until = written.until_day(scenario.start)
        check_day(until, scenario, None, ("until",))
    records = [e.record(scenario.start) for e in written.events]
    locs = [("events", i) for i in range(len(records))]
    check_events(records, scenario, until, locs, [e.day_key for e in written.events])


def check_day(
    day: float, scenario: Scenario, until: float | None, loc: Loc, until_key: str = "until"
) -> None:
    """`day` lies in the scenario's period [0, horizon] and not after `until` (the
    field `until_key` holds it)."""
    start, horizon = scenario.start, scenario.horizon_days
    if day < 0:
        problem = f"is before the scenario's start, {start.isoformat()}"
    elif day > horizon:
        problem = f"is after the scenario's horizon, {when(horizon, start)}"
    elif until is not None and day > until:
        problem = (
            f"is after {when(until, start)}, the last day the record covers; move "
            f"{until_key} or the event"
        )
    else:
        return
    raise FieldError(f"{when(day, start)} {problem}", loc)


def check_events(
    records: Sequence[Event],
    scenario: Scenario,
    until: float | None,
    locs: Sequence[Loc],
    day_keys: Sequence[str],
    until_key: str = "until",
) -> None:
    """Observed events checked against the scenario and each other, each problem at the
    event's field (`locs[i]`; its day written as `day_keys[i]`; `until` written as
    `until_key`).

    Refused: a day outside the scenario's period or after `until`; a visitor, an until
    gate or an agenda item of that visitor the scenario does not define; a severity
    outside [0, 1] or a climate reading outside the climate's bounds; a second visit
    of a visitor or a second opening of a gate; a visit before the visitor's first
    recorded acceptance, and an answer before its first recorded request. What is not
    recorded is not assumed: a visit with no acceptance on record is fine.
    """
    first: dict[tuple[str, str], float] = {}  # (name, kind) -> earliest day
    for record, loc, day_key in zip(records, locs, day_keys, strict=True):
        check_day(record.day, scenario, until, (*loc, day_key), until_key)
        _check_names(record, scenario, loc)
        _check_value(record, scenario, loc)
        _check_once(record, first, scenario.start, loc)
        about = _key(record)
        first[about] = min(first.get(about, record.day), record.day)
    for record, loc, day_key in zip(records, locs, day_keys, strict=True):
        if isinstance(record, VisitorEvent):
            _check_order(record, first, scenario.start, (*loc, day_key))
    for record, loc, day_key in zip(records, locs, day_keys, strict=True):
        if isinstance(record, VisitorEvent):
            _check_after_visit(record, first, scenario.start, (*loc, day_key))
    _check_constraints(records, locs, scenario)


def _check_after_visit(
    record: VisitorEvent, first: dict[tuple[str, str], float], start: dt.date, loc: Loc
) -> None:
    """Nothing happens to a visitor's request after its visit: the visit ends its turn."""
    visit = first.get((record.visitor, "visited"))
    if record.kind != "visited" and visit is not None and record.day > visit:
        raise FieldError(
            f"{record.visitor} {record.kind} on {when(record.day, start)}, after its visit "
            f"on {when(visit, start)}; a visitor asks and is answered before it visits",
            loc,
            (record.visitor,),
        )


def _check_constraints(records: Sequence[Event], locs: Sequence[Loc], scenario: Scenario) -> None:
    """The visits made, in their order, begin some ordering the scenario's constraints
    allow: a re-planned run ranks only orderings that start with them."""
    visits = sorted(
        (
            (r.day, i)
            for i, r in enumerate(records)
            if isinstance(r, VisitorEvent) and r.kind == "visited"
        ),
    )
    made: list[str] = []
    n = len(scenario.visitors)
    for _, i in visits:
        record = records[i]
        assert isinstance(record, VisitorEvent)
        position = len(made)
        for c in scenario.constraints:
            broken = (
                (c.first is not None and (position == 0) != (record.visitor == c.first))
                or (c.last is not None and record.visitor == c.last and position != n - 1)
                or (
                    c.before is not None
                    and c.before[1] == record.visitor
                    and c.before[0] not in made
                )
            )
            if broken:
                raise FieldError(
                    f"visit {position + 1} by {record.visitor!r} breaks the scenario's "
                    f"constraint {c.model_dump(exclude_none=True)}: no ordering the scenario "
                    "allows starts with the visits made; drop the constraint or check the record",
                    (*locs[i], "visitor"),
                    (record.visitor,),
                )
        made.append(record.visitor)


def _key(record: Event) -> tuple[str, str]:
    """What an event is about and its kind: (visitor, kind), (gate, "gate_opened")..."""
    if isinstance(record, VisitorEvent):
        return record.visitor, record.kind
    if isinstance(record, GateOpened):
        return record.gate, "gate_opened"
    return "", type(record).__name__


def _check_names(record: Event, scenario: Scenario, loc: Loc) -> None:
    """The visitor, gate or agenda items the event names exist (gates: until gates)."""
    if isinstance(record, GateOpened):
        until = sorted(g.id for g in scenario.gates if isinstance(g, UntilGate))
        if record.gate not in until:
            windows = {g.id for g in scenario.gates} - set(until)
            what = "a window gate (fixed days)" if record.gate in windows else "an unknown gate"
            raise FieldError(
                f"{record.gate!r} is {what}; only until gates are observed to open: "
                f"{', '.join(until) or '(none)'}",
                (*loc, "gate"),
                (record.gate,),
            )
    elif isinstance(record, VisitorEvent):
        visitors = {v.id: v for v in scenario.visitors}
        if record.visitor not in visitors:
            raise FieldError(
                f"unknown visitor {record.visitor!r}; known: {', '.join(sorted(visitors))}",
                (*loc, "visitor"),
                (record.visitor,),
            )
        items = [item.id for item in visitors[record.visitor].agenda]
        achieved = record.achieved or ()
        for j, item in enumerate(achieved):
            if item in achieved[:j]:
                raise FieldError(f"agenda item {item!r} is listed twice", (*loc, "achieved", j))
            if item not in items:
                raise FieldError(
                    f"unknown agenda item {item!r} of visitor {record.visitor!r}; known: "
                    f"{', '.join(sorted(items)) or '(none)'}",
                    (*loc, "achieved", j),
                    (item,),
                )


def _check_value(record: Event, scenario: Scenario, loc: Loc) -> None:
    """An incident's severity in [0, 1]; a climate reading in the climate's bounds."""
    if isinstance(record, Incident) and not 0 <= record.severity <= 1:
        raise FieldError(
            f"out of range (got {record.severity:g}); allowed: 0 to 1, the scale of the "
            "scenario's incident severities",
            (*loc, "severity"),
        )
    low, high = scenario.climate.bounds
    if isinstance(record, ClimateReading) and not low <= record.value <= high:
        raise FieldError(
            f"out of range (got {record.value:g}); allowed: {low:g} to {high:g}, the "
            "scenario's climate bounds",
            (*loc, "value"),
        )


def _check_once(
    record: Event, first: dict[tuple[str, str], float], start: dt.date, loc: Loc
) -> None:
    """A visitor visits once and a gate opens once."""
    if isinstance(record, VisitorEvent) and record.kind == "visited":
        earlier = first.get((record.visitor, "visited"))
        if earlier is not None:
            raise FieldError(
                f"a second visit by {record.visitor!r} (the first is on "
                f"{when(earlier, start)}); a visitor visits once",
                (*loc, "visitor"),
                (record.visitor,),
            )
    if isinstance(record, GateOpened):
        earlier = first.get(_key(record))
        if earlier is not None:
            raise FieldError(
                f"gate {record.gate!r} opens a second time (the first is on "
                f"{when(earlier, start)}); a gate opens once",
                (*loc, "gate"),
                (record.gate,),
            )


def _check_order(
    record: VisitorEvent, first: dict[tuple[str, str], float], start: dt.date, loc: Loc
) -> None:
    """No visit before the first acceptance, no answer before the first request (of
    those on record)."""
    needs = {"visited": "accepted", "accepted": "requested", "refused": "requested"}
    before = needs.get(record.kind)
    if before is None:
        return
    earliest = first.get((record.visitor, before))
    if earliest is not None and record.day < earliest:
        what = {"visited": "visited", "accepted": "was accepted", "refused": "was refused"}
        since = "its acceptance" if before == "accepted" else "any request"
        raise FieldError(
            f"{record.visitor} {what[record.kind]} on {when(record.day, start)}, before "
            f"{since} (the first on record is on {when(earliest, start)})",
            loc,
            (record.visitor,),
        )
