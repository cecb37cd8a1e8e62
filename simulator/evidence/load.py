"""Reading an observations file, and writing observations into a scenario (DESIGN §9).

An observations file is read as a scenario file is (`scenario.read`: YAML 1.2, no tags,
size limits, regular files only) and validated against its scenario
(`ObservationsFile`, checked by `observed_checks`); every problem is one
`file:line: field: problem` message. `observed_scenario` puts the events up to an as-of
day into the scenario's `observed:` block, which then dumps and loads like any part of
a scenario.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

from pydantic import ValidationError

from ..errors import FieldError, ScenarioError, ScenarioErrors, SettingError, literal
from ..scenario.display import printable
from ..scenario.messages import nan_errors, validation_errors
from ..scenario.origins import LineMap, flatten
from ..scenario.read import Unreadable, parse, read_text
from ..scenario.schema import Scenario
from ..scenario.schema.observed import ObservationsFile, Observed, ObservedEvent
from ..scenario.schema.observed_checks import check_day, check_events, when
from .observations import Observations

_TOP_KEYS = frozenset(ObservationsFile.model_fields)
_DAY = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def load_observations(path: Path, scenario: Scenario) -> Observations:
    """Read and check the observations file at `path` against `scenario`.

    Raises ScenarioError (or ScenarioErrors, several at once) naming the file and line
    of each problem: unreadable file, bad YAML, unknown keys or names, contradictions.
    """
    label = printable(str(path))
    try:
        parsed = parse(read_text(Path(path), "an observations file"), label)
    except Unreadable as exc:
        raise ScenarioError(f"cannot read observations: {exc}", file=label) from None
    if parsed is None:
        raise ScenarioError(
            "file is empty; an observations file is a mapping with an events: list", file=label
        )
    data, origin = parsed
    if not isinstance(data, dict) or not _TOP_KEYS.intersection(data):
        raise ScenarioError(
            "not an observations file: the top level must be a mapping with keys such as "
            "scenario, until and events",
            file=label,
            line=origin.at.line,
        )
    lines = LineMap(dict(flatten(origin)))
    problems = nan_errors(data, lines)
    if not problems:
        try:
            written = ObservationsFile.model_validate(data, context={"scenario": scenario})
        except ValidationError as exc:
            problems = validation_errors(exc, data, lines, ObservationsFile)
        else:
            at = [lines.locate(("events", i)).line or 0 for i in range(len(written.events))]
            return written.observations(scenario.start, label, at)
    raise problems[0] if len(problems) == 1 else ScenarioErrors(problems)


def observed_scenario(scenario: Scenario, observations: Observations, as_of: float) -> Scenario:
    """`scenario` with its `observed:` block holding the observations up to day `as_of`.

    Raises SettingError when `as_of` is outside the scenario's period or after the last
    day the observations cover, and ScenarioError (at the event's line) when they are of
    another scenario or an event contradicts the scenario or another event.
    """
    start = scenario.start
    if observations.scenario not in (None, scenario.name):
        raise ScenarioError(
            f"these observations are of scenario {observations.scenario!r}, but the scenario "
            f"is {scenario.name!r}",
            file=observations.source,
        )
    try:
        check_day(as_of, scenario, None, ())
    except FieldError as exc:
        raise SettingError(f"{{as_of}} {literal(str(exc))}", setting="as_of") from None
    if as_of > observations.until:
        raise SettingError(
            f"{{as_of}} {when(as_of, start)} is after {when(observations.until, start)}, the "
            f"last day {literal(observations.source)} covers; if nothing else happened until "
            "then, set its until: to that day",
            setting="as_of",
        )
    kept = observations.up_to(as_of)
    try:
        check_events(
            kept.events,
            scenario,
            as_of,
            [("events", i) for i in range(len(kept.events))],
            ["day"] * len(kept.events),
        )
    except FieldError as exc:
        line = kept.events[int(exc.loc[1])].line or None
        raise ScenarioError(str(exc), file=observations.source, line=line) from None
    block = Observed(
        as_of=as_of,
        source=observations.source,
        description=observations.description,
        events=tuple(ObservedEvent.of(e) for e in kept.events),
    )
    return scenario.model_copy(update={"observed": block})


def parse_as_of(text: str, scenario: Scenario) -> float:
    """The day `text` names: a date (YYYY-MM-DD) or a day number from the scenario's
    start, within the scenario's period. Raises SettingError (setting `as_of`)."""
    text = text.strip()
    start = scenario.start
    if _DAY.fullmatch(text):
        day = float(text)
    else:
        try:
            date = dt.date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            date = None
        if date is None:
            raise SettingError(
                f"{{as_of}} must be a date (YYYY-MM-DD) or a day number from the scenario's "
                f"start (got {literal(printable(repr(text)))})",
                setting="as_of",
            )
        day = float((date - start).days)
    end = start + dt.timedelta(days=math.floor(scenario.horizon_days))
    if not 0 <= day <= scenario.horizon_days:
        raise SettingError(
            f"{{as_of}} {when(day, start)} is outside the scenario's period, "
            f"{start.isoformat()} to {end.isoformat()} (days 0 to "
            f"{scenario.horizon_days:g})",
            setting="as_of",
        )
    return day
