"""Scenario loading: YAML with line numbers, `extends:`, `--set`, and clear errors."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from simulator.errors import InputError, ScenarioError, ScenarioErrors
from simulator.scenario import (
    Location,
    apply_overrides,
    load_scenario,
    parse_override,
    resolve_raw,
    scenario_hash,
    scenario_to_yaml,
    validate_raw,
)
from simulator.scenario.schema import Fixed, Triangular

CLI_NAMES = {"overrides": "--set"}

TINY = """\
name: tiny
start: 2023-05-17
horizon_days: 100
visitors:
  - {id: a, name: A, track: economic, preparation: 5}
  - {id: b, name: B, track: security, gates: [g],
     preparation: {dist: triangular, low: 1, mode: 2, high: 3}}
gates:
  - {id: g, kind: window, start_day: 2, end_day: 5}
objective: {agenda_value: 1.0, visits_completed: 0.5}
"""

# Block style, so that every field sits on its own line.
BLOCK = """\
name: block
start: 2023-05-17
horizon_days: 100
visitors:
  - id: a
    name: A
    track: economic
    preparation: 5
    agenda:
      - id: talks
        value: 1
        success: 0.5
  - id: b
    name: B
    track: security
    preparation:
      dist: triangular
      low: 1
      mode: 2
      high: 3
    gates:
      - g
gates:
  - id: g
    kind: window
    start_day: 2
    end_day: 5
objective:
  agenda_value: 1.0
  visits_completed: 0.5
"""

RICH = """\
name: rich
description: "Every kind of field, for the round trip."
start: 2023-05-17
horizon_days: 200
visitors:
  - id: blinken
    name: Secretary of State
    role: diplomacy
    track: security
    preparation: {dist: normal, mean: 20, sd: 5, low: 0}
    agenda:
      - {id: talks, value: 3, success: 0.6, quote: "restore channels"}
  - id: yellen
    name: Treasury Secretary
    track: economic
    invited: true
    preparation: {dist: exponential, mean: 10}
    visit_days: {dist: uniform, low: 1, high: 3}
    gates: [debt_ceiling]
gates:
  - id: debt_ceiling
    kind: until
    opens: {dist: lognormal, median: 20, sigma: 0.5}
    deadline: 30
    crisis: {probability: 0.1, extension: {dist: beta, a: 2, b: 3, low: 0, high: 30}}
    tracks: [economic]
  - {id: g7, kind: window, start_day: 2, end_day: 5}
host:
  track_bonus: {economic: 0.5}
  preference: {first_track: economic, bonus: 1.0, penalty: 0.5}
climate:
  initial: {dist: uniform, low: -0.5, high: 0}
  visit_gain: {economic: 0.1}
shocks: {rate_per_day: 0.01, severity: {dist: beta, a: 2, b: 5}}
effects:
  agenda_boosts: [{visitor: blinken, item: talks, after_track: economic, logit: 0.5}]
  precedence_costs: [{earlier: yellen, later: blinken, cost: 1}]
policy: {mode: opportunistic}
constraints: [{before: [blinken, yellen]}, {first: blinken}]
objective: {agenda_value: 1, item.blinken.talks: 0.5}
experiment: {replications: 100, seed: 7}
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def error_of(path: Path, overrides: tuple[str, ...] = ()) -> str:
    """The message a bad scenario (or override) produces, as the command line shows it
    (an override is named by its option, `--set`)."""
    with pytest.raises(InputError) as info:
        load_scenario(path, overrides)
    return info.value.render(CLI_NAMES)


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


# --- valid scenarios ----------------------------------------------------------------


def test_valid_scenario_loads(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "tiny.yaml", TINY))
    assert scenario.name == "tiny"
    assert scenario.start == dt.date(2023, 5, 17)
    assert [v.id for v in scenario.visitors] == ["a", "b"]
    assert scenario.visitor("a").preparation == Fixed(value=5)
    assert scenario.visitor("b").preparation == Triangular(dist="triangular", low=1, mode=2, high=3)
    assert scenario.objective == {"agenda_value": 1.0, "visits_completed": 0.5}


def test_yaml_merge_keys_and_str_paths(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "m.yaml",
        """\
        common: &common {track: economic, preparation: 5}
        visitors:
          - {<<: *common, id: a, preparation: 7}
        """,
    )
    raw, lines = resolve_raw(str(path))
    assert raw["visitors"][0] == {"track": "economic", "preparation": 7, "id": "a"}
    assert lines.locate(("visitors", 0, "track")) == Location(str(path), 1)


# --- one message per kind of mistake ------------------------------------------------


def test_malformed_yaml(tmp_path: Path) -> None:
    path = write(
        tmp_path, "bad.yaml", edit(BLOCK, "    track: security\n", "    track: [security\n")
    )
    assert error_of(path) == (
        f"{path}:16: invalid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence at line 15)"
    )


def test_malformed_yaml_reports_the_exact_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "name: tiny\nstart: 2023-05-17\nhorizon_days: 100: 3\n")
    assert error_of(path).startswith(f"{path}:3: invalid YAML: mapping values are not allowed")


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "    preparation: 5", "    prepration: 5"))
    # One message: the misspelling explains the missing `preparation`.
    assert error_of(path) == (
        f"{path}:8: visitors.a.prepration: unknown key 'prepration'; did you mean 'preparation'?"
    )


def test_unknown_key_inside_a_distribution(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "      mode: 2", "      mod: 2"))
    message = error_of(path)
    assert (
        f"{path}:19: visitors.b.preparation.mod: unknown key 'mod'; did you mean 'mode'?" in message
    )


def test_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "horizon_days: 100", "horizon_days: soon"))
    assert error_of(path) == (f"{path}:3: horizon_days: wrong type (got 'soon'); allowed: a number")


def test_wrong_type_for_a_distribution(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "    preparation: 5", "    preparation: soon"))
    assert error_of(path) == (
        f"{path}:8: visitors.a.preparation: wrong type (got 'soon'); allowed: a number, or a "
        "mapping with dist: fixed, uniform, triangular, normal, lognormal, exponential, beta"
    )


def test_out_of_range_value(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "success: 0.5", "success: 1.5"))
    assert error_of(path) == (
        f"{path}:12: visitors.a.agenda.talks.success: out of range (got 1.5); allowed: <= 1"
    )


def test_bad_distribution_tag(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "dist: triangular", "dist: triangle"))
    assert error_of(path) == (
        f"{path}:17: visitors.b.preparation.dist: unknown dist 'triangle'; did you mean "
        "'triangular'? allowed: fixed, uniform, triangular, normal, lognormal, exponential, beta"
    )


def test_triangular_low_above_high(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "      low: 1", "      low: 4"))
    assert error_of(path) == (
        f"{path}:16: visitors.b.preparation: needs low <= mode <= high and low < high "
        "(got low=4.0, mode=2.0, high=3.0)"
    )


def test_unknown_gate_kind(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "kind: window", "kind: summit"))
    assert error_of(path) == (
        f"{path}:25: gates.g.kind: unknown kind 'summit'; allowed: window, until"
    )


def test_unknown_visitor_in_a_constraint(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", BLOCK + "constraints:\n  - first: a\n  - first: zed\n")
    assert error_of(path) == (
        f"{path}:33: constraints[1].first: unknown visitor 'zed'; known: a, b"
    )


def test_unknown_visitor_in_an_effect(tmp_path: Path) -> None:
    text = BLOCK + "effects:\n  precedence_costs:\n    - {earlier: a, later: zed, cost: 1}\n"
    path = write(tmp_path, "s.yaml", text)
    assert error_of(path) == (
        f"{path}:33: effects.precedence_costs[0].later: unknown visitor 'zed'; known: a, b"
    )


def test_unknown_gate(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", edit(BLOCK, "      - g\n", "      - g\n      - h\n"))
    assert error_of(path) == f"{path}:23: visitors.b.gates[1]: unknown gate 'h'; known: g"


def test_unknown_objective_metric(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.yaml",
        edit(BLOCK, "  visits_completed: 0.5", "  visits_completed: 0.5\n  happiness: 2"),
    )
    message = error_of(path)
    assert message.startswith(
        f"{path}:31: objective.happiness: unknown metric 'happiness'; "
        "known: agenda_value, days_to_first_visit"
    )
    assert "item.a.talks" in message


def test_unknown_name_in_a_mapping_key(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", BLOCK + "host:\n  track_bonus:\n    Economic: 1\n")
    assert error_of(path) == (
        f"{path}:33: host.track_bonus.Economic: not a valid name (got 'Economic'); "
        "allowed: a lowercase letter, then lowercase letters, digits or _"
    )


def test_literal_choice(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", BLOCK + "policy:\n  mode: strikt\n")
    assert error_of(path) == (
        f"{path}:32: policy.mode: not an allowed choice (got 'strikt'); "
        "allowed: 'pipelined', 'sequential' or 'opportunistic'"
    )


def test_all_errors_are_reported_sorted_by_line(tmp_path: Path) -> None:
    text = edit(BLOCK, "end_day: 5", "end_day: -1")
    text = edit(text, "horizon_days: 100", "horizon_days: 0")
    text = edit(text, "success: 0.5", "success: 2")
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(write(tmp_path, "s.yaml", text))
    assert [(e.line, e.field) for e in info.value.errors] == [
        (3, "horizon_days"),
        (12, "visitors.a.agenda.talks.success"),
        (27, "gates.g.end_day"),
    ]
    assert str(info.value).count("\n") == 2


# --- files that cannot be a scenario ------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "file is empty"),
        ("# only a comment\n\n", "file is empty"),
        (
            "- a\n- b\n",
            "the top level must be a mapping with keys such as name and visitors (got a list)",
        ),
        ("just text\n", "the top level must be a mapping"),
    ],
)
def test_not_a_scenario(tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path, "s.yaml", content)
    message = error_of(path)
    assert message.startswith(str(path))
    assert expected in message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.yaml") == (
        f"{tmp_path / 'nope.yaml'}: cannot read scenario: file not found"
    )
    assert error_of(tmp_path) == f"{tmp_path}: cannot read scenario: it is a directory, not a file"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: tiny\ndescription: caf\xe9\n")
    assert error_of(path) == f"{path}:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "big.yaml", "description: '" + "x" * (1 << 20) + "'\n")
    assert "file is larger than 1 MiB" in error_of(path)


def test_control_character(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: tiny\ndescription: a\x01b\n")
    assert error_of(path) == (
        f"{path}:2: invalid YAML: unacceptable character #x0001: special characters are not allowed"
    )


def test_keys_must_be_text(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", BLOCK + "host:\n  track_bonus:\n    1: 2\n")
    assert error_of(path) == (
        f"{path}:33: host.track_bonus: keys must be text (got 1); quote the key"
    )


def test_duplicate_key(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", BLOCK + "horizon_days: 50\n")
    assert error_of(path) == f"{path}:31: horizon_days: duplicate key (first written at line 3)"


def test_unsafe_tag_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: !!python/object/apply:os.system ['true']\n")
    hint = "write the value without a tag"
    assert error_of(path) == (
        f"{path}:1: name: unsupported YAML tag !!python/object/apply:os.system; {hint}"
    )
    path = write(tmp_path, "s.yaml", "name: !!python/name:os.system\n")
    assert error_of(path) == f"{path}:1: name: unsupported YAML tag !!python/name:os.system; {hint}"


def test_alias_bomb_is_rejected_fast(tmp_path: Path) -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    message = error_of(path)  # expanded, it would hold 9^9 values
    # a..e expand to 74,732 values; f (line 6) brings the total past 100,000.
    assert message.startswith(f"{path}:6: f: more than 100,000 values after expanding aliases")


def test_self_referencing_alias(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "name: tiny\nloop: &x [1, *x]\n")
    assert error_of(path) == f"{path}:2: nested more than 50 levels deep (through aliases)"


def test_nesting_depth_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.yaml", "name: tiny\ndescription: " + "[" * 60 + "]" * 60 + "\n")
    assert error_of(path) == f"{path}:2: invalid YAML: nested more than 50 levels deep"
    path = write(tmp_path, "deeper.yaml", "x: " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert error_of(path) == f"{path}:1: invalid YAML: nested more than 50 levels deep"


def test_nesting_depth_limit_through_aliases(tmp_path: Path) -> None:
    deep = "[" * 40 + "]" * 40
    path = write(tmp_path, "s.yaml", f"a: &a {deep}\nb: {'[' * 20}*a{']' * 20}\n")
    assert error_of(path) == f"{path}:2: b: nested more than 50 levels deep"


# --- extends ------------------------------------------------------------------------


def test_extends_merges_lists_by_id(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", TINY)
    variant = write(
        tmp_path,
        "variant.yaml",
        """\
        extends: base.yaml
        name: variant
        visitors:
          - id: b
            preparation: {mode: 2.5}
          - {id: c, name: C, track: climate, preparation: 1}
        objective: {final_climate: 2}
        """,
    )
    scenario = load_scenario(variant)
    assert scenario.name == "variant"
    assert [v.id for v in scenario.visitors] == ["a", "b", "c"]
    assert scenario.visitor("a").preparation == Fixed(value=5)
    assert scenario.visitor("b").preparation == Triangular(
        dist="triangular", low=1, mode=2.5, high=3
    )
    assert scenario.visitor("b").gates == ("g",)
    assert scenario.objective == {"agenda_value": 1, "visits_completed": 0.5, "final_climate": 2}


def test_extends_replaces_other_lists_and_honours_null(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", TINY + "constraints: [{first: a}]\nhost: {name: H}\n")
    variant = write(
        tmp_path,
        "variant.yaml",
        """\
        extends: base.yaml
        visitors: [{id: b, gates: []}]
        gates: []
        constraints: [{last: a}]
        host: {name: null}
        """,
    )
    raw, _ = resolve_raw(variant)
    assert "extends" not in raw
    assert raw["visitors"][1]["gates"] == []
    assert raw["gates"] == []
    assert raw["constraints"] == [{"last": "a"}]
    assert raw["host"] == {"name": None}


def test_extends_errors_point_at_the_file_that_wrote_the_value(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", edit(BLOCK, "success: 0.5", "success: 1.5"))
    variant = write(
        tmp_path,
        "variant.yaml",
        """\
        extends: base.yaml
        visitors:
          - id: b
            preparation:
              mode: 7
        """,
    )
    message = error_of(variant)
    assert f"{base}:12: visitors.a.agenda.talks.success: out of range" in message
    assert f"{variant}:4: visitors.b.preparation: needs low <= mode <= high" in message


def test_extends_cycle(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    b = write(tmp_path, "b.yaml", "# the base\nextends: a.yaml\n")
    assert error_of(a) == f"{b}:2: extends: extends cycle: {a} -> {b} -> {a}"


def test_extends_missing_file(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", "name: child\nextends: nowhere.yaml\n")
    assert error_of(child) == (
        f"{child}:2: extends: cannot read {tmp_path / 'nowhere.yaml'}: file not found"
    )


def test_extends_depth_limit(tmp_path: Path) -> None:
    for i in range(12):
        write(tmp_path, f"f{i}.yaml", f"extends: f{i + 1}.yaml\n")
    message = error_of(tmp_path / "f0.yaml")
    assert message.startswith(f"{tmp_path / 'f9.yaml'}:1: extends: more than 10 files")


def test_extends_must_name_a_file(tmp_path: Path) -> None:
    child = write(tmp_path, "child.yaml", "name: child\nextends: [a.yaml]\n")
    assert error_of(child) == (
        f'{child}:2: extends: must be the name of a scenario file (got ["a.yaml"])'
    )


# --- overrides ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "value"),
    [
        ("host.acceptance=0.6", "host.acceptance", 0.6),
        ("a.b=true", "a.b", True),
        ("a=[x, y]", "a", ["x", "y"]),
        ("a={dist: fixed, value: 3}", "a", {"dist": "fixed", "value": 3}),
        ("start=2023-06-01", "start", "2023-06-01"),  # the schema reads the date
        ("name = two words", "name", "two words"),
        ("a=b=c", "a", "b=c"),
        ("a=", "a", None),
    ],
)
def test_parse_override(text: str, path: str, value: object) -> None:
    assert parse_override(text) == (path, value)


def test_override_by_id_and_by_index(tmp_path: Path) -> None:
    path = write(tmp_path, "tiny.yaml", TINY)
    scenario = load_scenario(
        path,
        (
            "visitors.b.preparation.mode=2.5",
            "gates.0.end_day=9",
            "visitors[0].preparation={dist: fixed, value: 3}",
            "objective.final_climate=0.9",
            "visitors.a.gates=[g]",
        ),
    )
    assert scenario.visitor("b").preparation == Triangular(
        dist="triangular", low=1, mode=2.5, high=3
    )
    assert scenario.gates[0].end_day == 9
    assert scenario.visitor("a").preparation == Fixed(value=3)
    assert scenario.visitor("a").gates == ("g",)
    assert scenario.objective["final_climate"] == 0.9


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        (
            "visitors.zed.preparation=3",
            "--set visitors.zed.preparation=3: visitors.zed: no item 'zed'; available: ids a, b "
            "or indices 0 to 1",
        ),
        (
            "visitors.7=3",
            "--set visitors.7=3: visitors.7: no item '7'; available: ids a, b or indices 0 to 1",
        ),
        (
            "host.preference.bonus=1",
            "--set host.preference.bonus=1: host: no key 'host'; available: gates, horizon_days, "
            "name, objective, start, visitors (a mapping the scenario does not have must be set "
            "whole: host={...})",
        ),
        (
            "visitors.a.name.first=x",
            "--set visitors.a.name.first=x: visitors.a.name.first: visitors.a.name is text, "
            "which has no parts",
        ),
        (
            "horizon_days",
            "--set horizon_days: expected PATH=VALUE, for example host.acceptance=0.6",
        ),
        ("=3", "--set =3: expected PATH=VALUE"),
        ("visitors..a=3", "--set visitors..a=3: empty segment in the path 'visitors..a'"),
        ("name=[unclosed", "--set name=[unclosed: invalid YAML: "),
    ],
)
def test_bad_override_path(tmp_path: Path, override: str, expected: str) -> None:
    message = error_of(write(tmp_path, "tiny.yaml", TINY), (override,))
    assert message.startswith(expected)


def test_bad_override_value_is_blamed_on_the_override(tmp_path: Path) -> None:
    path = write(tmp_path, "tiny.yaml", TINY)
    assert error_of(path, ("horizon_days=soon",)) == (
        "--set horizon_days=soon: horizon_days: wrong type (got 'soon'); allowed: a number"
    )
    assert error_of(path, ("visitors.b.preparation.low=2.5",)) == (
        "--set visitors.b.preparation.low=2.5: visitors.b.preparation: needs low <= mode <= "
        "high and low < high (got low=2.5, mode=2.0, high=3.0)"
    )
    assert error_of(path, ("visitors.a.preparation={dist: fixed}",)) == (
        "--set visitors.a.preparation={dist: fixed}: visitors.a.preparation.value: "
        "missing required field"
    )


def test_the_python_api_names_an_override_without_the_command_line_option(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "tiny.yaml", TINY)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, ("horizon_days=soon",))
    assert str(info.value) == (
        "override horizon_days=soon: horizon_days: wrong type (got 'soon'); allowed: a number"
    )
    assert info.value.render(CLI_NAMES) == f"--set {str(info.value).removeprefix('override ')}"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, (("visitors.b.preparation.low", 2.5),))
    assert str(info.value).startswith("override visitors.b.preparation.low=2.5: ")


def test_a_new_key_is_left_to_the_schema(tmp_path: Path) -> None:
    path = write(tmp_path, "tiny.yaml", TINY)
    assert error_of(path, ("visitors.a.invted=true",)) == (
        "--set visitors.a.invted=true: visitors.a.invted: unknown key 'invted'; "
        "did you mean 'invited'?"
    )
    assert load_scenario(path, ("visitors.a.invited=true",)).visitor("a").invited


def test_apply_overrides_copies_and_takes_parsed_values(tmp_path: Path) -> None:
    raw, lines = resolve_raw(write(tmp_path, "tiny.yaml", TINY))
    raw["objective"]["item.a.talks"] = 1.0
    changed = apply_overrides(
        raw, [("visitors.b.preparation.high", 4.0), "objective.item.a.talks=2"]
    )
    assert changed["visitors"][1]["preparation"]["high"] == 4.0
    assert changed["objective"]["item.a.talks"] == 2
    assert raw["visitors"][1]["preparation"]["high"] == 3
    assert raw["objective"]["item.a.talks"] == 1.0
    del changed["objective"]["item.a.talks"]
    assert validate_raw(changed, lines).visitor("b").preparation.upper == 4.0


def test_overrides_do_not_leak_through_aliases(tmp_path: Path) -> None:
    text = edit(TINY, "preparation: 5}", "preparation: &p {dist: fixed, value: 5}}")
    text = edit(
        text, "preparation: {dist: triangular, low: 1, mode: 2, high: 3}", "preparation: *p"
    )
    scenario = load_scenario(write(tmp_path, "s.yaml", text), ("visitors.a.preparation.value=7",))
    assert scenario.visitor("a").preparation == Fixed(value=7)
    assert scenario.visitor("b").preparation == Fixed(value=5)


# --- where values came from -----------------------------------------------------------


def test_line_map(tmp_path: Path) -> None:
    base = write(tmp_path, "base.yaml", BLOCK)
    variant = write(
        tmp_path,
        "variant.yaml",
        "extends: base.yaml\nvisitors:\n  - id: b\n    preparation: {mode: 2.5}\n",
    )
    _, lines = resolve_raw(variant, ["horizon_days=50"])
    assert lines.locate(("visitors", 0, "agenda", 0, "success")) == Location(str(base), 12)
    assert lines.locate(("visitors", 1, "preparation", "mode")) == Location(str(variant), 4)
    assert lines.locate(("visitors", 1, "preparation", "low")) == Location(str(base), 18)
    assert lines.locate(("visitors", 1, "no_such_key")) == Location(str(variant), 3)
    assert lines.locate(("horizon_days",)) == Location(None, override="horizon_days=50")


# --- writing ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [TINY, RICH])
def test_round_trip(tmp_path: Path, text: str) -> None:
    scenario = load_scenario(write(tmp_path, "s.yaml", text))
    dumped = scenario_to_yaml(scenario)
    again = load_scenario(write(tmp_path, "resolved.yaml", dumped))
    assert again == scenario
    assert scenario_to_yaml(again) == dumped


def test_resolved_yaml_shows_defaults_aliases_and_dates(tmp_path: Path) -> None:
    dumped = scenario_to_yaml(load_scenario(write(tmp_path, "s.yaml", RICH)))
    assert "start: '2023-05-17'\n" in dumped
    assert "mean: 20.0" in dumped
    assert "high:" not in dumped.partition("dist: normal")[2].partition("dist:")[0]  # left open
    assert "max_attempts: 3" in dumped
    assert dumped.index("name: rich") < dumped.index("visitors:") < dumped.index("objective:")


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml")), ids=lambda p: p.name
)
def test_shipped_scenarios_load_and_round_trip(tmp_path: Path, path: Path) -> None:
    scenario = load_scenario(path)
    assert load_scenario(write(tmp_path, "resolved.yaml", scenario_to_yaml(scenario))) == scenario


def test_scenario_hash(tmp_path: Path) -> None:
    path = write(tmp_path, "tiny.yaml", TINY)
    first = scenario_hash(load_scenario(path))
    assert first == scenario_hash(load_scenario(path))
    assert len(first) == 64
    assert int(first, 16) >= 0
    # The same scenario written differently hashes the same; a changed value does not.
    same = write(tmp_path, "same.yaml", TINY.replace("preparation: 5}", "preparation: 5.0}"))
    assert scenario_hash(load_scenario(same)) == first
    assert scenario_hash(load_scenario(path, ("horizon_days=101",))) != first


def test_errors_are_scenario_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(
            write(tmp_path, "s.yaml", edit(TINY, "horizon_days: 100", "horizon_days: -1"))
        )
    assert (info.value.line, info.value.field) == (3, "horizon_days")
    assert info.value.file == str(tmp_path / "s.yaml")
