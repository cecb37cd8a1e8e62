"""Sweeps and tipping points, on a scenario whose best ordering flips at a known value.

In `tests/scenarios/two_visitors.yaml`, a,b pays precedence cost
effects.precedence_costs.0.cost and b,a pays effects.precedence_costs.1.cost (1.0), in
every replication and nothing else differs: a,b is best exactly while the first cost
is below the second.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from simulator.cli import main
from simulator.errors import InputError
from simulator.executors import SerialExecutor
from simulator.experiment import run_fixed
from simulator.tuning import Base, parse_vary, run_sweep
from simulator.tuning.evaluate import evaluate_settings

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
COST_AB = "effects.precedence_costs.0.cost"
COST_BA = "effects.precedence_costs.1.cost"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_tipping_point_found_within_tolerance() -> None:
    sweep = run_sweep(
        Base.load(SCENARIO),
        [parse_vary(f"{COST_AB}=0:3:5")],
        replications=20,
        tolerances=(0.01,),
        executor=SerialExecutor(),
    )
    [tip] = sweep.tipping_points
    assert tip.below <= 1.0 < tip.above
    assert tip.above - tip.below <= 0.01
    assert abs(tip.at - 1.0) <= 0.01
    assert sweep.orderings[tip.before] == ("a", "b")
    assert sweep.orderings[tip.after] == ("b", "a")
    # The lead of b,a at the upper end is exactly how far above 1 it is, and certain.
    assert tip.lead_above.mean == pytest.approx(tip.above - 1.0, abs=1e-9)
    assert tip.lead_above.significant
    assert (tip.plausible_low, tip.plausible_high) == (tip.below, tip.above)
    grid = [p for p in sweep.points if p.grid]
    assert [p.values[0] for p in grid] == [0.0, 0.75, 1.5, 2.25, 3.0]
    assert [sweep.orderings[p.best] for p in grid] == [("a", "b")] * 2 + [("b", "a")] * 3
    assert grid[0].margin.mean == pytest.approx(1.0, abs=1e-9)


def test_common_random_numbers_across_points() -> None:
    """The same replication faces the same world at every point: utility moves by
    exactly the change of the swept cost, and equals a plain run's."""
    base = Base.load(SCENARIO)
    low, high = evaluate_settings(
        [base.at(((COST_AB, 0.25),), "test"), base.at(((COST_AB, 0.75),), "test")],
        replications=150,
        seed=11,
    )
    np.testing.assert_allclose(low.utility[0] - high.utility[0], 0.5, atol=1e-12)
    np.testing.assert_array_equal(low.utility[1], high.utility[1])
    plain = run_fixed(base.at(((COST_AB, 0.25),), "test"), replications=150, seed=11)
    np.testing.assert_array_equal(plain.metric("utility"), low.utility)


def test_two_dimensional_sweep_flips_on_the_diagonal() -> None:
    sweep = run_sweep(
        Base.load(SCENARIO),
        [parse_vary(f"{COST_AB}=0:2:3"), parse_vary(f"{COST_BA}=0.5:1.5:3")],
        replications=10,
        tolerances=(0.05,),
        executor=SerialExecutor(),
    )
    assert len([p for p in sweep.points if p.grid]) == 9
    assert sweep.tipping_points
    for tip in sweep.tipping_points:
        other = tip.values[1 - tip.axis]
        assert tip.below <= other <= tip.above  # at equal costs the tie goes to a,b
        assert tip.above - tip.below <= 0.05


def test_same_seed_gives_identical_files(tmp_path: Path) -> None:
    texts = []
    for out in ("one", "two"):
        result = invoke(
            "sweep", SCENARIO, "--vary", f"{COST_AB}=0:2:3", "-n", "20", "--executor", "serial",
            "--out", tmp_path / out, "--format", "json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        folder = Path(json.loads(result.stdout)["results"])
        texts.append(
            {name: (folder / name).read_bytes() for name in ("sweep.csv", "tipping_points.json")}
        )
    assert texts[0] == texts[1]


def test_cli_sweep_json_and_files(tmp_path: Path) -> None:
    result = invoke(
        "sweep", SCENARIO, "--vary", f"{COST_AB}=0:3:5", "--tolerance", "0.01", "-n", "20",
        "--executor", "serial", "--out", tmp_path, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    [tip] = document["tipping_points"]
    assert tip["after"] == ["b", "a"]
    assert abs(tip["at"] - 1.0) <= 0.01
    assert "becomes b→a (was a→b)" in tip["statement"]
    folder = Path(document["results"])
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    header = (folder / "sweep.csv").read_text().splitlines()[0]
    assert header == f"point,kind,{COST_AB},rank,ordering,mean_utility,ci_low,ci_high,p_best"
    assert json.loads((folder / "tipping_points.json").read_text())["tipping_points"]
    assert (folder / "sweep_points.csv").is_file()
    assert (folder / "figures" / "sweep.png").stat().st_size > 0
    two = invoke(
        "sweep", SCENARIO, "--vary", f"{COST_AB}=0:2:3", "--vary", f"{COST_BA}=0.5:1.5:2",
        "-n", "10", "--executor", "serial", "--out", tmp_path, "--format", "json",
    )  # fmt: skip
    assert two.exit_code == 0, two.output
    document = json.loads(two.stdout)
    assert "Above" in document["tipping_points"][0]["statement"]
    folder = Path(document["results"])
    assert (folder / "figures" / "sweep_map.png").stat().st_size > 0


def test_the_tipping_sentence_json_and_table_agree_where_the_lead_is_significant(
    tmp_path: Path,
) -> None:
    """With agenda items in the objective, a,b - b,a is 1 - cost plus the same noise at
    every cost, so the flip is at 1 + the noise's mean (a,b's margin at cost 0) and
    either ordering leads significantly only more than the CI's half-width from it."""
    result = invoke(
        "sweep", SCENARIO, "--set", "objective.items_achieved=4", "--vary", f"{COST_AB}=0:2:11",
        "--tolerance", "0.05", "-n", "30", "--executor", "serial", "--out", tmp_path,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    [tip] = document["tipping_points"]
    first = document["points"][0]["margin"]
    flip, half = first["mean"], (first["ci_high"] - first["ci_low"]) / 2
    assert half > 0.2  # noisy enough that grid points near the flip are not significant
    assert tip["below"] <= flip < tip["above"] <= tip["below"] + 0.05
    low, high = tip["before_leads_significantly_at"], tip["after_leads_significantly_at"]
    assert "not_distinguishable_from" not in tip
    assert low < flip - half < low + 0.2
    assert high - 0.2 < flip + half < high
    # The table (sweep_points.csv: with two orderings, best over the other) says the same.
    folder = Path(document["results"])
    with (folder / "sweep_points.csv").open() as handle:
        rows = {float(r[COST_AB]): r for r in csv.DictReader(handle) if r["kind"] == "grid"}
    assert rows[low]["best"] == "a,b"
    assert float(rows[low]["margin_ci_low"]) > 0
    assert rows[high]["best"] == "b,a"
    assert float(rows[high]["margin_ci_low"]) > 0
    between = [r for x, r in rows.items() if low < x < high]
    assert len(between) == 3
    assert all(float(r["margin_ci_low"]) <= 0 for r in between)
    statement = tip["statement"]
    assert f"a→b still leads significantly at {low:.4g} and b→a leads significantly at " in (
        statement
    )
    assert f"{high:.4g}; between those values neither leads significantly" in statement
    assert "not significantly different" not in statement


def test_whole_number_fields_sweep_whole_numbers() -> None:
    [axis] = Base.load(SCENARIO).check([parse_vary("host.max_attempts=1:5:3")], "--vary")
    assert axis.integer
    assert axis.grid() == (1.0, 3.0, 5.0)
    [axis] = Base.load(SCENARIO).check([parse_vary(f"{COST_AB}=1:5:3")], "--vary")
    assert not axis.integer


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("nonsense", "expected PATH=START:STOP:N"),
        (f"{COST_AB}=0:1", "expected START:STOP:N"),
        (f"{COST_AB}=0:1:1", "N must be between 2 and 1,000 grid points"),
        (f"{COST_AB}=1:0:3", "START must be less than STOP"),
        (f"{COST_AB}=a:1:3", "START 'a' is not a number"),
        (f"{COST_AB}=0:1:x", "is not a whole number"),
        ("name=0:1:3", "name: wrong type"),
        ("host.preference=0:1:3", "host.preference: wrong type"),
        ("host.nothing=0:1:3", "unknown key 'nothing'"),
        ("visitors.z.preparation=0:1:3", "no item 'z'"),
        ("host.acceptance=0:2:5", "point 4 of 5"),
        ("experiment.seed=0:2:3", "not assumptions"),
    ],
)
def test_cli_sweep_bad_input_exits_2(tmp_path: Path, vary: str, message: str) -> None:
    result = invoke("sweep", SCENARIO, "--vary", vary, "--executor", "serial", "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


def test_cli_sweep_bad_options_exit_2(tmp_path: Path) -> None:
    three = [
        item
        for i in range(3)
        for item in ("--vary", f"effects.precedence_costs.{i % 2}.cost=0:1:2")
    ]
    cases = [
        (three, "one or two --vary"),
        (["--vary", f"{COST_AB}=0:1:2", "--vary", f"{COST_AB}=0:2:2"], "given twice"),
        (["--vary", f"{COST_AB}=0:1:2", "--tolerance", "0"], "--tolerance must be a positive"),
        (["--vary", f"{COST_AB}=0:1:2", "--tolerance", "1", "--tolerance", "1"], "once per --vary"),
        (["--vary", f"{COST_AB}=0:1:2", "--seed", "-1"], "--seed"),
    ]
    for args, message in cases:
        result = invoke("sweep", SCENARIO, *args, "--executor", "serial", "--out", tmp_path)
        assert result.exit_code == 2, result.output
        assert message in result.stderr, result.stderr


def test_invalid_point_names_the_setting() -> None:
    base = Base.load(FLAGSHIP)
    with pytest.raises(InputError, match=r"visitors\.blinken\.preparation: needs low <= mode"):
        base.check_settings([(("visitors.blinken.preparation.low", 20.0),)], "varies")
