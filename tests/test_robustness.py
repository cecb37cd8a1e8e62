"""Robustness across sampled assumptions: regret, worst case and share best.

In `tests/scenarios/two_visitors.yaml` a,b leads b,a by exactly
1 - effects.precedence_costs.0.cost in every replication, so over costs in [0, 0.9]
a,b is best in every setting and its regret is exactly zero.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from simulator.cli import main
from simulator.executors import SerialExecutor
from simulator.tuning import Base, parse_param, run_robustness
from simulator.tuning.robustness import latin_hypercube, summarise

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
COST = "effects.precedence_costs.0.cost"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def test_regret_is_zero_for_an_ordering_best_everywhere() -> None:
    r = run_robustness(
        Base.load(SCENARIO),
        [parse_param(f"{COST}=0:0.9"), parse_param("shocks.postpone_days=0:60")],
        samples=8,
        replications=10,
        executor=SerialExecutor(),
    )
    a_b, b_a = r.orderings.index(("a", "b")), r.orderings.index(("b", "a"))
    assert r.order[0] == a_b
    assert np.all(r.regret[:, a_b] == 0.0)
    assert r.regret_mean[a_b] == r.regret_p90[a_b] == r.regret_max[a_b] == 0.0
    assert r.share_best[a_b] == 1.0
    assert r.share_best[b_a] == 0.0
    costs = np.array([dict(s)[COST] for s in r.settings])
    np.testing.assert_allclose(r.regret[:, b_a], 1.0 - costs, atol=1e-9)
    assert r.worst[b_a] == r.means[:, b_a].min()


def test_summaries_by_hand() -> None:
    means = np.array([[1.0, 2.0, 2.0], [3.0, 1.0, 0.0]])
    s = summarise(means)
    np.testing.assert_array_equal(s["regret"], [[1.0, 0.0, 0.0], [0.0, 2.0, 3.0]])
    np.testing.assert_array_equal(s["regret_mean"], [0.5, 1.0, 1.5])
    np.testing.assert_array_equal(s["regret_max"], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(s["worst"], [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(s["mean_utility"], [2.0, 1.5, 1.0])
    np.testing.assert_array_equal(s["share_best"], [0.5, 0.25, 0.25])  # a tie splits
    np.testing.assert_allclose(s["regret_p90"], [0.9, 1.8, 2.7])


def test_latin_hypercube_stratifies_each_range() -> None:
    base = Base.load(SCENARIO)
    params = base.check(
        [parse_param(f"{COST}=0:1"), parse_param("host.retry_delay=1:3")], "--param"
    )
    settings = latin_hypercube(params, 10, seed=4)
    for j, p in enumerate(params):
        values = np.array([s[j][1] for s in settings])
        assert sorted(np.floor((values - p.low) / (p.high - p.low) * 10).astype(int)) == list(
            range(10)
        )
    assert latin_hypercube(params, 10, seed=4) == settings


def test_cli_robustness_json_and_table(tmp_path: Path) -> None:
    result = invoke(
        "robustness", SCENARIO, "--param", f"{COST}=0:2", "--samples", "6", "-n", "10",
        "--executor", "serial", "--out", tmp_path, "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert len(document["settings"]) == 6
    assert {tuple(o["ordering"]) for o in document["orderings"]} == {("a", "b"), ("b", "a")}
    assert sum(o["share_best"] for o in document["orderings"]) == pytest.approx(1.0)
    folder = Path(document["results"])
    for name in ("robustness.csv", "robustness_settings.csv", "robustness.json"):
        assert (folder / name).is_file()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    table = invoke(
        "robustness", SCENARIO, "--param", f"{COST}=0:0.5", "--samples", "3", "-n", "10",
        "--executor", "serial", "--out", tmp_path,
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "Lowest mean regret across 3 settings: a→b" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", f"{COST}=1:1"], "LOW must be less than HIGH"),
        (["--param", "host.acceptance=0.5:1.5"], "a corner of the ranges"),
        (["--param", f"{COST}=0:1", "--samples", "1"], "between 2 and 10,000"),
        (["--param", "visitors.q.preparation=0:1"], "no item 'q'"),
    ],
)
def test_cli_robustness_bad_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("robustness", SCENARIO, *args, "--executor", "serial", "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not tmp_path.exists() or not list(tmp_path.iterdir())
