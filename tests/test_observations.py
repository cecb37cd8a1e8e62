"""Observations files: what an analyst records of what happened since a scenario's start.

The example file loads; events are given by date or by day; every reference error and
contradiction is one `FILE:LINE: field: problem` message at the offending event (exit
status 2 through the command line, no traceback); YAML 1.1 readings and tags are refused
as in scenarios; the events up to an as-of day go into the scenario's `observed:` block,
which dumps and loads back to the same scenario and gets the same checks when written
by hand.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from simulator.errors import ScenarioError, ScenarioErrors, SettingError
from simulator.evidence import ClimateReading, GateOpened, Incident, Observations, VisitorEvent
from simulator.evidence.load import load_observations, observed_scenario, parse_as_of
from simulator.scenario import Scenario, load_scenario, scenario_to_yaml

ROOT = Path(__file__).resolve().parents[1]
FLAGSHIP = ROOT / "scenarios" / "us_china_2023.yaml"
EXAMPLE = ROOT / "scenarios" / "observations" / "example.yaml"


@pytest.fixture(scope="module")
def flagship() -> Scenario:
    return load_scenario(FLAGSHIP)


def write(tmp_path: Path, text: str, name: str = "observed.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def event(kind: str, when: str, **fields: str) -> str:
    """One event of an events: list, as YAML lines (`when` is `day: N` or `date: D`)."""
    lines = [f"  - {when}", f"    event: {kind}"]
    lines += [f"    {key}: {value}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def refusal(tmp_path: Path, text: str, scenario: Scenario) -> str:
    """The message of the one problem in an observations file `text`."""
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_observations(path, scenario)
    return str(caught.value).replace(str(path), "FILE")


def validate(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["validate", *map(str, args)])


# --- the example and the format ------------------------------------------------------


def test_the_example_loads_with_every_kind_of_event(flagship: Scenario) -> None:
    observed = load_observations(EXAMPLE, flagship)
    assert observed.scenario == "us_china_2023"
    assert observed.until == 59  # until: 2023-07-15
    assert [e.day for e in observed.events] == sorted(e.day for e in observed.events)
    kinds = {type(e) for e in observed.events}
    assert kinds == {GateOpened, VisitorEvent, Incident, ClimateReading}
    assert observed.visited() == ("kerry", "yellen")
    assert observed.gate_opened("debt_ceiling") == 16  # 2023-06-02
    kerry = observed.visitor_events("kerry")
    assert [e.kind for e in kerry] == ["requested", "accepted", "visited"]
    assert kerry[-1].achieved == ("climate_cooperation",)
    assert observed.visitor_events("yellen")[-1].achieved == ()  # known: nothing achieved
    assert observed.visitor_events("blinken")[0].line == 30  # the line the event starts on


def test_the_example_says_its_events_are_made_up() -> None:
    header = EXAMPLE.read_text(encoding="utf-8").split("\n\n")[0]
    assert "MADE UP" in header
    assert "not the real 2023 events" in header


def test_a_date_and_its_day_number_are_the_same_event(tmp_path: Path, flagship: Scenario) -> None:
    by_date = write(tmp_path, "events:\n" + event("incident", "date: 2023-06-16", severity="0.3"))
    by_day = write(tmp_path, "events:\n" + event("incident", "day: 30", severity="0.3"), "d.yaml")
    dated, numbered = load_observations(by_date, flagship), load_observations(by_day, flagship)
    assert dated.events == numbered.events == (Incident(30.0, 0.3, line=2),)
    assert dated.until == numbered.until == 30  # no until: the last event's day


def test_until_may_be_a_date_or_a_day(tmp_path: Path, flagship: Scenario) -> None:
    for until in ("2023-06-26", "40"):
        path = write(tmp_path, f"until: {until}\nevents: []\n")
        assert load_observations(path, flagship) == Observations((), until=40.0, source=str(path))


def test_up_to_keeps_the_events_of_that_day_and_before(flagship: Scenario) -> None:
    observed = load_observations(EXAMPLE, flagship)
    by_day28 = observed.up_to(28)
    assert by_day28.until == 28
    assert [e.day for e in by_day28.events] == [5, 9, 12, 16, 18, 20, 23, 26, 28]
    assert by_day28.visited() == ("kerry",)
    assert observed.up_to(100).until == observed.until  # never beyond what was recorded
    assert observed.up_to(4).events == ()


# --- each reference error and contradiction, at its line -----------------------------

KERRY = {"visitor": "kerry"}
CASES = {
    "unknown visitor": (
        event("requested", "day: 3", visitor="pompeo"),
        "FILE:4: events[0].visitor: unknown visitor 'pompeo'; known: blinken, kerry, "
        "raimondo, yellen",
    ),
    "unknown gate": (
        event("gate_opened", "day: 3", gate="summit"),
        "FILE:4: events[0].gate: 'summit' is an unknown gate; only until gates are observed "
        "to open: debt_ceiling",
    ),
    "window gate": (
        event("gate_opened", "day: 3", gate="g7"),
        "FILE:4: events[0].gate: 'g7' is a window gate (fixed days); only until gates are "
        "observed to open: debt_ceiling",
    ),
    "another visitor's agenda item": (
        event("visited", "day: 30", visitor="kerry", achieved="[climate_cooperation, fentanyl]"),
        "FILE:5: events[0].achieved[1]: unknown agenda item 'fentanyl' of visitor 'kerry'; "
        "known: climate_cooperation",
    ),
    "an agenda item twice": (
        event(
            "visited",
            "day: 30",
            visitor="kerry",
            achieved="[climate_cooperation, climate_cooperation]",
        ),
        "FILE:5: events[0].achieved[1]: agenda item 'climate_cooperation' is listed twice",
    ),
    "visit before acceptance": (
        event("accepted", "day: 30", **KERRY) + event("visited", "date: 2023-06-11", **KERRY),
        "FILE:5: events[1].date: kerry visited on day 25 (2023-06-11), before its acceptance "
        "(the first on record is on day 30 (2023-06-16))",
    ),
    "acceptance before request": (
        event("requested", "day: 30", **KERRY) + event("accepted", "day: 25", **KERRY),
        "FILE:5: events[1].day: kerry was accepted on day 25 (2023-06-11), before any request "
        "(the first on record is on day 30 (2023-06-16))",
    ),
    "refusal before request": (
        event("refused", "day: 25", **KERRY) + event("requested", "day: 30", **KERRY),
        "FILE:2: events[0].day: kerry was refused on day 25 (2023-06-11), before any request "
        "(the first on record is on day 30 (2023-06-16))",
    ),
    "two visits": (
        event("visited", "day: 30", **KERRY) + event("visited", "day: 45", **KERRY),
        "FILE:7: events[1].visitor: a second visit by 'kerry' (the first is on day 30 "
        "(2023-06-16)); a visitor visits once",
    ),
    "two openings": (
        event("gate_opened", "day: 30", gate="debt_ceiling")
        + event("gate_opened", "day: 45", gate="debt_ceiling"),
        "FILE:7: events[1].gate: gate 'debt_ceiling' opens a second time (the first is on "
        "day 30 (2023-06-16)); a gate opens once",
    ),
    "day after the horizon": (
        event("incident", "day: 201", severity="0.2"),
        "FILE:2: events[0].day: day 201 (2023-12-04) is after the scenario's horizon, "
        "day 200 (2023-12-03)",
    ),
    "negative day": (
        event("incident", "day: -1", severity="0.2"),
        "FILE:2: events[0].day: day -1 (2023-05-16) is before the scenario's start, 2023-05-17",
    ),
    "date before the start": (
        event("incident", "date: 2023-05-01", severity="0.2"),
        "FILE:2: events[0].date: day -16 (2023-05-01) is before the scenario's start, 2023-05-17",
    ),
    "negative severity": (
        event("incident", "day: 3", severity="-0.2"),
        "FILE:4: events[0].severity: out of range (got -0.2); allowed: 0 to 1, the scale of "
        "the scenario's incident severities",
    ),
    "climate outside the bounds": (
        event("climate", "day: 3", value="1.5"),
        "FILE:4: events[0].value: out of range (got 1.5); allowed: -1 to 1, the scenario's "
        "climate bounds",
    ),
    "a field of another kind": (
        event("climate", "day: 3", value="0.5", visitor="kerry"),
        "FILE:5: events[0].visitor: does not belong to a climate event, which takes value",
    ),
    "achieved on a request": (
        event("requested", "day: 3", visitor="kerry", achieved="[]"),
        "FILE:5: events[0].achieved: does not belong to a requested event, which takes visitor",
    ),
    "the field a kind needs": (
        event("gate_opened", "day: 3"),
        "FILE:2: events[0]: missing required field: a gate_opened event needs gate",
    ),
    "both a date and a day": (
        event("incident", "day: 3", date="2023-05-20", severity="0.1"),
        "FILE:2: events[0].day: give the event's date or its day, not both",
    ),
    "an unknown kind": (
        event("visit", "day: 3", **KERRY),
        "FILE:3: events[0].event: not an allowed choice (got 'visit'); allowed: 'gate_opened', "
        "'requested', 'accepted', 'refused', 'visited', 'incident' or 'climate'",
    ),
    "an impossible date": (
        event("incident", "date: 2023-02-30", severity="0.1"),
        "FILE:2: events[0].date: not a date (got '2023-02-30': day is out of range for "
        "month); allowed: a date like 2023-06-01",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_problem_is_one_message_at_the_offending_event(
    case: str, tmp_path: Path, flagship: Scenario
) -> None:
    events, message = CASES[case]
    assert refusal(tmp_path, "events:\n" + events, flagship) == message


def test_an_event_after_until_is_refused(tmp_path: Path, flagship: Scenario) -> None:
    text = "until: 2023-06-06\nevents:\n" + event("incident", "day: 30", severity="0.2")
    assert refusal(tmp_path, text, flagship) == (
        "FILE:3: events[0].day: day 30 (2023-06-16) is after day 20 (2023-06-06), the last day "
        "the record covers; move until or the event"
    )


def test_the_scenario_name_must_match(tmp_path: Path, flagship: Scenario) -> None:
    assert refusal(tmp_path, "scenario: other\nevents: []\n", flagship) == (
        "FILE:1: scenario: these observations are of scenario 'other', but the scenario is "
        "'us_china_2023'"
    )


def test_a_visit_without_a_recorded_acceptance_is_fine(tmp_path: Path, flagship: Scenario) -> None:
    path = write(tmp_path, "events:\n" + event("visited", "day: 30", **KERRY))
    assert load_observations(path, flagship).visited() == ("kerry",)


def test_a_refusal_then_an_acceptance_then_a_visit_is_fine(
    tmp_path: Path, flagship: Scenario
) -> None:
    text = "events:\n" + "".join(
        event(kind, f"day: {day}", **KERRY)
        for kind, day in (
            ("requested", 3),
            ("refused", 8),
            ("requested", 20),
            ("accepted", 25),
            ("visited", 40),
        )
    )
    assert load_observations(write(tmp_path, text), flagship).visit_day("kerry") == 40


def test_through_the_command_line_a_problem_exits_2_without_a_traceback(
    tmp_path: Path,
) -> None:
    for case in ("visit before acceptance", "window gate", "negative severity"):
        events, message = CASES[case]
        path = write(tmp_path, "events:\n" + events)
        result = validate(FLAGSHIP, "--observed", path)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert result.stderr.splitlines() == [f"error: {message.replace('FILE', str(path))}"]


def test_validate_summarises_the_observations_in_one_line() -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["validate", str(FLAGSHIP), "--observed", str(EXAMPLE)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "observations: 12 events from 2023-05-22 to 2023-07-03 (days 5 to 47), complete to "
        "day 59 (2023-07-15): 1 gate_opened, 4 requested, 2 accepted, 1 refused, 2 visited, "
        "1 incident, 1 climate"
    )


# --- read as scenarios are read ------------------------------------------------------


VISIT = {"day": "30", "event": "visited", "visitor": "kerry", "achieved": "[]"}


@pytest.mark.parametrize(
    ("key", "written", "message"),
    [
        ("achieved", "yes", "events[0].achieved: wrong type (got 'yes'); allowed: a list"),
        ("day", "1:30", "events[0].day: wrong type (got '1:30'); allowed: a number"),
        (
            "day",
            "!!float 3",
            "events[0].day: unsupported YAML tag !!float; write the value without a tag",
        ),
        (
            "day",
            "!local 3",
            "events[0].day: unsupported YAML tag !local; write the value without a tag",
        ),
        (
            "visitor",
            "!!str kerry",
            "events[0].visitor: unsupported YAML tag !!str; write the value without a tag",
        ),
        ("day", ".nan", "events[0].day: not a finite number (got NaN); allowed: a finite number"),
    ],
)
def test_yaml_11_readings_and_tags_are_refused_as_in_scenarios(
    tmp_path: Path, flagship: Scenario, key: str, written: str, message: str
) -> None:
    fields = VISIT | {key: written}
    text = "events:\n" + event(fields.pop("event"), f"day: {fields.pop('day')}", **fields)
    line = 2 if key == "day" else 4 + list(fields).index(key)  # after `- day:`, `event:`
    assert refusal(tmp_path, text, flagship) == f"FILE:{line}: {message}"


def test_a_date_is_text_not_a_number_of_seconds(tmp_path: Path, flagship: Scenario) -> None:
    text = "events:\n" + event("incident", "date: 1684281600", severity="0.1")
    assert refusal(tmp_path, text, flagship) == (
        "FILE:2: events[0].date: not a date (got 1684281600: not YYYY-MM-DD); allowed: a date "
        "like 2023-06-01"
    )


def test_a_misspelt_key_is_named(tmp_path: Path, flagship: Scenario) -> None:
    text = "events:\n  - day: 3\n    evnt: incident\n    severity: 0.1\n"
    assert refusal(tmp_path, text, flagship) == (
        "FILE:3: events[0].evnt: unknown key 'evnt'; did you mean 'event'?"
    )


def test_what_is_not_an_observations_file_is_refused(tmp_path: Path, flagship: Scenario) -> None:
    assert refusal(tmp_path, "", flagship) == (
        "FILE: file is empty; an observations file is a mapping with an events: list"
    )
    assert refusal(tmp_path, "- 1\n", flagship) == (
        "FILE:1: not an observations file: the top level must be a mapping with keys such as "
        "scenario, until and events"
    )
    assert refusal(tmp_path, "until: 3\nevents: x\n", flagship) == (
        "FILE:2: events: wrong type (got 'x'); allowed: a list"
    )
    with pytest.raises(ScenarioError, match="it is a directory, not a file"):
        load_observations(tmp_path, flagship)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path: Path, flagship: Scenario) -> None:
    assert refusal(tmp_path, "events: []\n" + "#" * (1 << 20), flagship) == (
        "FILE: file is larger than 1 MiB; an observations file is far smaller"
    )


def test_an_alias_bomb_is_refused_without_expanding_it(tmp_path: Path, flagship: Scenario) -> None:
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    message = refusal(tmp_path, "\n".join([*bomb, "events: []"]) + "\n", flagship)
    assert "values after expanding aliases" in message


# --- into the scenario: the observed: block ------------------------------------------


def test_observed_scenario_round_trips_through_dump_and_load(
    tmp_path: Path, flagship: Scenario
) -> None:
    observed = load_observations(EXAMPLE, flagship)
    as_of = parse_as_of("2023-06-20", flagship)
    scenario = observed_scenario(flagship, observed, as_of)
    assert scenario.observed is not None
    assert scenario.observed.as_of == 34
    assert scenario.observed.source == str(EXAMPLE)
    strip = [dataclasses.replace(e, line=0) for e in observed.up_to(34).events]
    assert list(scenario.observed.observations().events) == strip
    resolved = write(tmp_path, scenario_to_yaml(scenario), "resolved.yaml")
    again = load_scenario(resolved)
    assert again == scenario
    assert scenario_to_yaml(again) == scenario_to_yaml(scenario)
    assert scenario.model_copy(update={"observed": None}) == flagship


def test_observed_scenario_refuses_an_as_of_beyond_the_record(flagship: Scenario) -> None:
    observed = load_observations(EXAMPLE, flagship)
    with pytest.raises(SettingError) as caught:
        observed_scenario(flagship, observed, 70)
    assert caught.value.setting == "as_of"
    assert caught.value.render({"as_of": "--as-of"}).startswith(
        "--as-of day 70 (2023-07-26) is after day 59 (2023-07-15), the last day "
    )
    with pytest.raises(SettingError, match="after the scenario's horizon"):
        observed_scenario(flagship, dataclasses.replace(observed, until=300), 250)


def test_observed_scenario_checks_observations_built_in_code(flagship: Scenario) -> None:
    built = Observations((VisitorEvent(3, "pompeo", "requested", line=7),), 10, "notes.yaml")
    with pytest.raises(ScenarioError, match=r"^notes.yaml:7: unknown visitor 'pompeo'"):
        observed_scenario(flagship, built, 5)
    other = Observations((), 10, "notes.yaml", scenario="other")
    with pytest.raises(ScenarioError, match=r"^notes.yaml: these observations are of scenario"):
        observed_scenario(flagship, other, 5)


@pytest.mark.parametrize(
    ("text", "day"), [("2023-05-17", 0.0), ("2023-06-20", 34.0), ("34", 34.0), ("12.5", 12.5)]
)
def test_as_of_is_a_date_or_a_day(flagship: Scenario, text: str, day: float) -> None:
    assert parse_as_of(text, flagship) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "soon",
            "--as-of must be a date (YYYY-MM-DD) or a day number from the scenario's "
            "start (got 'soon')",
        ),
        ("2023-02-30", "--as-of must be a date"),
        (
            "{x}",
            "--as-of must be a date (YYYY-MM-DD) or a day number from the scenario's "
            "start (got '{x}')",
        ),
        (
            "2023-05-16",
            "--as-of day -1 (2023-05-16) is outside the scenario's period, "
            "2023-05-17 to 2023-12-03 (days 0 to 200)",
        ),
        ("201", "--as-of day 201 (2023-12-04) is outside the scenario's period"),
        ("-3", "--as-of day -3 (2023-05-14) is outside the scenario's period"),
    ],
)
def test_a_bad_as_of_is_a_setting_error(flagship: Scenario, text: str, message: str) -> None:
    with pytest.raises(SettingError) as caught:
        parse_as_of(text, flagship)
    assert caught.value.setting == "as_of"
    assert caught.value.render({"as_of": "--as-of"}).startswith(message)


BLOCK = """\
observed:
  as_of: 30
  events:
    - day: 5
      event: requested
      visitor: kerry
"""


def test_a_hand_written_observed_block_gets_the_same_checks(tmp_path: Path) -> None:
    header = f"extends: {FLAGSHIP}\n"
    good = write(tmp_path, header + BLOCK, "good.yaml")
    assert load_scenario(good).observed is not None
    cases = {
        "    - day: 3\n      event: accepted\n      visitor: kerry\n": (
            "8: observed.events[1].day: kerry was accepted on day 3 (2023-05-20), before any "
            "request (the first on record is on day 5 (2023-05-22))"
        ),
        "    - day: 40\n      event: incident\n      severity: 0.1\n": (
            "8: observed.events[1].day: day 40 (2023-06-26) is after day 30 (2023-06-16), the "
            "last day the record covers; move as_of or the event"
        ),
        "    - day: 6\n      event: gate_opened\n      gate: g7\n": (
            "10: observed.events[1].gate: 'g7' is a window gate (fixed days); only until gates "
            "are observed to open: debt_ceiling"
        ),
    }
    for extra, message in cases.items():
        path = write(tmp_path, header + BLOCK + extra, "bad.yaml")
        result = validate(path)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert result.stderr == f"error: {path}:{message}\n"


def test_validate_reports_the_observations_in_json() -> None:
    result = validate(FLAGSHIP, "--observed", EXAMPLE, "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)["observations"]
    assert summary["events"] == 12
    assert summary["by_kind"]["visited"] == 2
    assert (summary["first_day"], summary["last_day"], summary["until"]) == (5, 47, 59)


def test_validate_summarises_a_scenarios_own_observed_block(tmp_path: Path) -> None:
    path = write(tmp_path, f"extends: {FLAGSHIP}\n" + BLOCK, "block.yaml")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "observations: 1 event from 2023-05-22 to 2023-05-22 (days 5 to 5), complete to "
        "day 30 (2023-06-16): 1 requested"
    )


def test_an_empty_record_is_summarised(tmp_path: Path) -> None:
    path = write(tmp_path, "until: 10\nevents: []\n")
    result = validate(FLAGSHIP, "--observed", path)
    assert result.exit_code == 0, result.output
    assert (
        result.output.splitlines()[-1] == "observations: 0 events, complete to day 10 (2023-05-27)"
    )


SCALARS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=False).map(repr),
    st.sampled_from(["yes", "null", "[]", "{}", ".inf", "-.inf", "1:30", "2023-02-29", "~"]),
    st.text(alphabet="abc-_019:. ", max_size=12).map(json.dumps),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(
        [
            "date",
            "day",
            "event",
            "gate",
            "visitor",
            "achieved",
            "severity",
            "value",
            "until",
            "scenario",
        ]
    ),
    value=SCALARS,
)
def test_any_value_anywhere_is_read_or_refused_with_a_located_message(
    tmp_path: Path, flagship: Scenario, key: str, value: str
) -> None:
    top = {"until": "100", "scenario": "us_china_2023"}
    fields = {"day": "30", "event": "visited", "visitor": "kerry"}
    (top if key in top else fields)[key] = value
    text = (
        "".join(f"{k}: {v}\n" for k, v in top.items())
        + "events:\n  - "
        + "\n    ".join(f"{k}: {v}" for k, v in fields.items())
        + "\n"
    )
    path = write(tmp_path, text)
    try:
        load_observations(path, flagship)
    except (ScenarioError, ScenarioErrors) as exc:
        lines = str(exc).splitlines()
        assert all(re.match(rf"{re.escape(str(path))}:\d+: ", line) for line in lines), lines
