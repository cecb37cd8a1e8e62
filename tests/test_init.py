"""`visitsim init` writes a starter scenario that validates and runs; `validate` warns
about objective terms that are the same under every ordering."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from simulator.cli import main
from simulator.scenario import load_scenario
from simulator.scenario.lint import constant_terms
from tests.conftest import make_scenario

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": "80"})


def test_init_writes_a_starter_that_validates_and_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("init", "my-visits")
    assert result.exit_code == 0, result.output
    path = tmp_path / "my-visits.yaml"
    assert result.stdout.splitlines()[0].startswith("wrote my-visits.yaml")
    assert "  visitsim validate my-visits.yaml " in result.stdout
    assert "  visitsim run my-visits.yaml -n 200 " in result.stdout
    scenario = load_scenario(path)
    assert scenario.name == "my_visits"
    assert len(scenario.visitors) == 3
    assert len(scenario.gates) == 1
    assert scenario.host.preference.first_track is not None
    assert constant_terms(scenario) == []
    text = path.read_text()
    assert text.count("#") > 30  # commented
    checked = invoke("validate", path)
    assert checked.exit_code == 0
    assert "warning" not in checked.output
    ran = invoke("run", path, "-n", "5", "--executor", "serial", "-q", "--out", "r")
    assert ran.exit_code == 0, ran.output
    assert "6 orderings, 5 replications each" in ran.stdout


def test_init_quiet_writes_the_file_and_prints_nothing(tmp_path: Path) -> None:
    result = invoke("init", tmp_path / "quiet.yaml", "-q")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert load_scenario(tmp_path / "quiet.yaml").name == "quiet"


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\n")
    result = invoke("init", path)
    assert result.exit_code == 2
    assert result.output == (
        f"error: {path} already exists; give another name, or remove the file first\n"
    )
    assert path.read_text() == "name: mine\n"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


@pytest.mark.parametrize(
    ("name", "message"),
    [("2024", "cannot make a scenario name from '2024.yaml'"), ("no/such/dir/x", "does not exist")],
)
def test_init_bad_names_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("init", name)
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


CONSTANT = """\
name: constant_terms
start: 2024-01-08
horizon_days: 100
visitors:
  - {id: a, name: A, track: economic, preparation: 5, agenda: [{id: x, value: 1, success: 0}]}
  - {id: b, name: B, track: security, preparation: 5, agenda: [{id: y, value: 1, success: 0.5}]}
objective: {agenda_value: 1, final_climate: 2, item.a.x: 1, precedence_cost: -1}
"""


def test_validate_warns_about_terms_that_cannot_vary(tmp_path: Path) -> None:
    path = tmp_path / "constant.yaml"
    path.write_text(CONSTANT)
    result = invoke("validate", path)
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert [w.split()[1] for w in warnings] == [
        "objective.final_climate",
        "objective.item.a.x",
        "objective.precedence_cost",
    ]
    assert all(len(line) <= 80 for line in result.stderr.splitlines())
    document = json.loads(invoke("validate", path, "--format", "json").stdout)
    assert len(document["warnings"]) == 3
    assert "scenario constant_terms is valid" in result.stdout


def test_the_flagship_gets_no_warning() -> None:
    result = invoke("validate", FLAGSHIP)
    assert result.exit_code == 0
    assert "warning" not in result.output
    assert constant_terms(load_scenario(FLAGSHIP)) == []


def terms(**changes: Any) -> list[str]:
    return [w.split()[0] for w in constant_terms(make_scenario(**changes))]


def test_final_climate_is_constant_only_when_nothing_moves_the_climate() -> None:
    objective = {"objective": {"final_climate": 1.0}}
    assert terms(**objective) == ["objective.final_climate"]
    assert terms(**objective, climate={"visit_gain": {"economic": 0.1}}) == []
    assert terms(**objective, climate={"visit_gain": {"economic": 0.0}}) == [
        "objective.final_climate"
    ]
    assert terms(**objective, climate={"item_gain": 0.05}) == []
    assert terms(**objective, shocks={"rate_per_day": 0.01, "climate_hit": 0.3}) == []
    assert terms(**objective, shocks={"rate_per_day": 0.01}) == ["objective.final_climate"]
    random = constant_terms(
        make_scenario(**objective, climate={"initial": {"dist": "uniform", "low": -1, "high": 0}})
    )
    assert "the initial climate, drawn alike for every ordering" in random[0]


def test_items_that_cannot_be_achieved() -> None:
    never = [{"id": "x", "value": 2.0, "success": 0.0}]
    visitors = [
        {"id": v, "name": v.upper(), "track": t, "preparation": 5, "agenda": never}
        for v, t in (("a", "economic"), ("b", "security"))
    ]
    weights = {"agenda_value": 1.0, "items_achieved": 1.0, "item.a.x": 1.0}
    assert terms(visitors=visitors, objective=weights) == [
        "objective.agenda_value",
        "objective.items_achieved",
        "objective.item.a.x",
    ]
    boost = {"agenda_boosts": [{"visitor": "a", "item": "x", "after_visitor": "b", "logit": 3}]}
    assert terms(visitors=visitors, objective=weights, effects=boost) == []
    # A weight of 0 weighs nothing, so there is nothing to warn about.
    assert terms(visitors=visitors, objective={"agenda_value": 0.0, "visits_completed": 1}) == []


def test_precedence_cost_needs_a_non_zero_cost() -> None:
    objective = {"objective": {"precedence_cost": -1.0}}
    assert terms(**objective) == ["objective.precedence_cost"]
    zero = {"precedence_costs": [{"earlier": "a", "later": "b", "cost": 0}]}
    assert terms(**objective, effects=zero) == ["objective.precedence_cost"]
    some = {"precedence_costs": [{"earlier": "a", "later": "b", "cost": 0.5}]}
    assert terms(**objective, effects=some) == []
