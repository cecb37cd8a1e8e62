"""Sensitivity: an assumption with no effect scores zero, one that drives everything ranks first.

In `tests/scenarios/two_visitors.yaml` the selected ordering a,b leads b,a by exactly
1 - effects.precedence_costs.0.cost in every replication, and shocks.postpone_days
does nothing (there are no shocks).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from simulator.api import run_scenario
from simulator.cli import main
from simulator.executors import SerialExecutor
from simulator.scenario import load_scenario
from simulator.tuning import Base, parse_param, run_sensitivity
from simulator.tuning.sensitivity import STEP, morris_design, saltelli_design

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
DRIVER = "effects.precedence_costs.0.cost=0:2"
INERT = "shocks.postpone_days=0:60"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def sensitivity(method: str, samples: int):  # type: ignore[no-untyped-def]
    return run_sensitivity(
        Base.load(SCENARIO),
        [parse_param(INERT), parse_param(DRIVER)],
        method=method,
        samples=samples,
        replications=10,
        executor=SerialExecutor(),
    )


def test_morris_known_answers() -> None:
    s = sensitivity("morris", 6)
    assert s.orderings[s.selected] == ("a", "b")
    margin = s.outputs[0]
    assert margin.output == "margin"
    assert margin.base == pytest.approx(0.5, abs=1e-9)  # cost 0.5 in the file
    assert margin.ranked() == [1, 0]
    assert margin.mu_star is not None
    assert margin.mu is not None
    assert margin.sigma is not None
    # margin = 1 - cost: -2 per full range [0, 2], the same in every trajectory.
    np.testing.assert_allclose(margin.mu_star, [0.0, 2.0], atol=1e-9)
    np.testing.assert_allclose(margin.mu, [0.0, -2.0], atol=1e-9)
    np.testing.assert_allclose(margin.sigma, [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(margin.swing_low, [0.5, 1.0], atol=1e-9)
    np.testing.assert_allclose(margin.swing_high, [0.5, -1.0], atol=1e-9)
    assert s.settings == 1 + 2 * 2 + 6 * 3
    assert [o.output for o in s.outputs] == ["margin", "mean:a,b", "mean:b,a"]
    assert s.outputs[2].mu_star is not None
    np.testing.assert_allclose(s.outputs[2].mu_star, 0.0, atol=1e-12)


def test_sobol_known_answers() -> None:
    s = sensitivity("sobol", 16)
    margin = s.outputs[0]
    assert margin.ranked() == [1, 0]
    assert margin.first is not None
    assert margin.total is not None
    assert margin.total[0] == 0.0
    assert abs(margin.first[0]) < 1e-12
    assert margin.total[1] > 0.5
    assert margin.first[1] > 0.5
    assert margin.total_ci is not None
    assert margin.total_ci[0].tolist() == [0.0, 0.0]
    assert s.settings == 1 + 2 * 2 + 16 * 4
    # An output that never changes (b,a's mean utility) gets zero indices, no warning.
    assert s.outputs[2].total is not None
    assert s.outputs[2].total.tolist() == [0.0, 0.0]


def test_designs() -> None:
    points, moved = morris_design(3, 5, seed=1)
    assert points.shape == (5, 4, 3)
    assert ((points >= 0) & (points <= 1 + 1e-12)).all()
    steps = np.diff(points, axis=1)
    for t in range(5):
        assert sorted(moved[t]) == [0, 1, 2]
        for step, i in enumerate(moved[t]):
            assert abs(abs(steps[t, step, i]) - STEP) < 1e-12
            assert np.count_nonzero(steps[t, step]) == 1
    a, b, ab = saltelli_design(2, 8, seed=1)
    assert a.shape == b.shape == (8, 2)
    np.testing.assert_array_equal(ab[0][:, 0], b[:, 0])
    np.testing.assert_array_equal(ab[0][:, 1], a[:, 1])
    again = saltelli_design(2, 8, seed=1)
    np.testing.assert_array_equal(again[0], a)


def test_cli_sensitivity_json_and_files(tmp_path: Path) -> None:
    for method, samples in (("morris", "4"), ("sobol", "8")):
        result = invoke(
            "sensitivity", SCENARIO, "--param", DRIVER, "--param", INERT, "--method", method,
            "--samples", samples, "-n", "10", "--executor", "serial", "--out", tmp_path,
            "--format", "json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        document = json.loads(result.stdout)
        assert document["selected"] == ["a", "b"]
        first = next(r for r in document["indices"] if r["output"] == "margin")
        assert first["parameter"] == "effects.precedence_costs.0.cost"
        folder = Path(document["results"])
        assert (folder / "figures" / "tornado.png").stat().st_size > 0
        assert (folder / "sensitivity.csv").is_file()
        assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    table = invoke(
        "sensitivity", SCENARIO, "--param", DRIVER, "--param", INERT, "--samples", "2",
        "-n", "10", "--executor", "serial", "--out", tmp_path,
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "Selected ordering: a→b, the ordering `visitsim run` recommends" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "effects.precedence_costs.0.cost=2:1"], "LOW must be less than HIGH"),
        (["--param", "effects.precedence_costs.0.cost=1"], "expected LOW:HIGH"),
        (["--param", "name=0:1"], "name: wrong type"),
        (["--param", DRIVER, "--method", "sobol", "--samples", "6"], "power of 2"),
        (["--param", DRIVER, "--samples", "1"], "between 2 and 10,000"),
        (["--param", DRIVER, "--top", "0"], "--top"),
        (["--param", "climate.initial.low=-0.9:0.5"], "a corner of the ranges"),
    ],
)
def test_cli_sensitivity_bad_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("sensitivity", SCENARIO, *args, "--executor", "serial", "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_named_ordering_is_tracked() -> None:
    s = run_sensitivity(
        Base.load(SCENARIO),
        [parse_param(DRIVER)],
        samples=3,
        ordering=("b", "a"),
        replications=10,
        executor=SerialExecutor(),
    )
    assert s.orderings[s.selected] == ("b", "a")
    margin = s.outputs[0]
    assert margin.base == pytest.approx(-0.5, abs=1e-9)  # b,a trails a,b by 1 - 0.5
    assert margin.mu is not None
    np.testing.assert_allclose(margin.mu, [2.0], atol=1e-9)


def test_by_default_the_ordering_run_recommends_is_analysed(tmp_path: Path) -> None:
    """With agenda items in the objective, a,b - b,a is 1 - cost plus noise. At cost 1.2
    the first 10 replications favour a,b, all 50 (the scenario's, which `run` uses)
    favour b,a: the command's own 10 must not decide which ordering is analysed."""
    overrides = ["objective.items_achieved=4", "effects.precedence_costs.0.cost=1.2"]
    sets = [arg for o in overrides for arg in ("--set", o)]
    args = ["sensitivity", SCENARIO, *sets, "--param", INERT, "--samples", "2", "-n", "10"]
    result = invoke(*args, "--executor", "serial", "--out", tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    done = run_scenario(load_scenario(SCENARIO, overrides), out=tmp_path / "run")
    assert done.result.replications == 50
    assert document["selected"] == list(done.ranking.best) == ["b", "a"]
    assert document["selected_by"] == {
        "rule": "run",
        "replications": 50,
        "seed": 7,
        "text": "the ordering `visitsim run` recommends at 50 replications, seed 7",
    }
    margin = next(r for r in document["indices"] if r["output"] == "margin")
    assert margin["base"] < 0  # at 10 replications a,b comes out ahead
    table = invoke(*args, "--executor", "serial", "--out", tmp_path)
    assert table.exit_code == 0, table.output
    assert (
        "Selected ordering: b→a, the ordering `visitsim run` recommends at 50 replications, "
        "seed 7;" in " ".join(table.stdout.split())
    )
    given = invoke(*args, "--ordering", "a,b", "--out", tmp_path, "--format", "json")
    selected_by = json.loads(given.stdout)["selected_by"]["text"]
    assert selected_by == "given by the user (the ordering setting)"
