"""Comparisons of two orderings and of two variants, against answers known by construction.

`tests/scenarios/two_visitors.yaml` is built so that utility(a,b) - utility(b,a) is
1.0 - effects.precedence_costs.0.cost in every replication: identical orderings at
cost 1, and a,b better by exactly 0.5 at the file's cost 0.5.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from simulator.api import run_scenario
from simulator.cli import main
from simulator.executors import SerialExecutor
from simulator.experiment import run_fixed
from simulator.output.compare_files import comparison_sentence
from simulator.stats.compare import (
    Dominance,
    compare_pair,
    dominance,
    paired_difference,
    rank_biserial,
    welch_difference,
)
from simulator.tuning import compare_orderings, compare_variant_results, read_run
from simulator.tuning.inputs import Base

from .conftest import make_scenario

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
COST = "effects.precedence_costs.0.cost"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def compare_two(*overrides: str, metrics: tuple[str, ...] = ("utility",)):  # type: ignore[no-untyped-def]
    scenario = Base.load(SCENARIO, overrides).scenario
    return compare_orderings(
        scenario, ("a", "b"), ("b", "a"), metrics, replications=60, executor=SerialExecutor()
    )


def test_identical_orderings_differ_by_exactly_zero_and_tests_do_not_reject() -> None:
    done = compare_two(f"{COST}=1.0", metrics=("utility", "final_climate"))
    for c in done.comparisons:
        assert c.difference.mean == 0.0
        assert c.difference.ci_low == c.difference.ci_high == 0.0
        assert c.p_a_better == c.p_b_better == 0.0
        assert c.wilcoxon.p_value == 1.0
        assert c.ks is not None
        assert c.ks.statistic == 0.0
        assert c.ks.p_value == 1.0
        assert c.dominance.verdict == "equal"
        assert c.dominance.crossings == ()
        assert c.rank_biserial == 0.0
        assert c.cohen_dz is None
        assert c.quantiles_a == c.quantiles_b
        assert set(c.quantiles_difference) == {0.0}
    assert np.array_equal(done.result.metric("utility")[0], done.result.metric("utility")[1])


def test_a_dominating_ordering_is_detected() -> None:
    [c] = compare_two().comparisons
    assert c.difference.mean == pytest.approx(0.5, abs=1e-12)
    assert c.difference.ci_low == pytest.approx(0.5, abs=1e-12)
    assert c.p_a_better == 1.0
    assert c.p_b_better == 0.0
    assert c.dominance.verdict == "a"
    assert c.wilcoxon.p_value < 1e-6
    assert c.ks is not None
    assert c.ks.statistic == 1.0  # the initial climate spans 0.5, the shift is 0.5
    assert c.rank_biserial == 1.0
    assert c.cohen_dz is None  # the differences are constant up to rounding


def test_lower_is_better_metrics_and_missing_values() -> None:
    [c] = compare_two(metrics=("day.b",)).comparisons
    assert c.lower_is_better
    assert c.p_b_better == 1.0  # b visits first under b,a
    assert c.dominance.verdict == "b"
    a = np.array([1.0, np.nan, 3.0, 4.0])
    b = np.array([2.0, 2.0, np.nan, 5.0])
    pair = compare_pair("day.x", a, b)
    assert (pair.n_a, pair.n_b, pair.difference.n) == (3, 3, 2)
    assert pair.mean_a == pytest.approx(8 / 3)
    assert pair.difference.mean == pytest.approx(-1.0)
    assert pair.p_a_better == 1.0


def test_statistics_against_hand_computed_values() -> None:
    d = paired_difference(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0]))
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) x sd / sqrt(n)
    assert (d.mean, d.ci_low, d.ci_high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    w = welch_difference(np.array([1.0, 2.0, 3.0, np.nan]), np.array([1.0, 1.0, 1.0]))
    assert w.mean == pytest.approx(1.0)
    assert w.n == 3
    assert rank_biserial(np.array([1.0, 2.0, -3.0])) == 0.0
    assert rank_biserial(np.array([0.0, 2.0, 1.0])) == 1.0
    # ECDFs of a and b cross once: a has more mass low, b more high.
    found = dominance(np.array([0.0, 3.0]), np.array([1.0, 2.0]))
    assert found.verdict == "none"
    assert found.crossings == (2.0,)
    assert dominance(np.array([2.0, 3.0]), np.array([1.0, 2.0])).verdict == "a"
    assert dominance(np.array([2.0, 3.0]), np.array([1.0, 2.0]), lower_better=True).verdict == "b"


def noisy_copy(values: np.ndarray) -> np.ndarray:
    """The same values computed another way: equal up to the last bits in some places."""
    return (values + 0.1) - 0.1


def test_rounding_noise_is_a_tie_not_a_finding() -> None:
    a = np.random.default_rng(1).normal(0.0, 0.2, 400)
    b = noisy_copy(a)
    assert np.any(a != b)  # the noise is there ...
    c = compare_pair("final_climate", a, b)
    assert c.identical  # ... and reads as nothing
    assert (c.difference.mean, c.difference.ci_low, c.difference.ci_high) == (0.0, 0.0, 0.0)
    assert c.p_a_better == c.p_b_better == 0.0
    assert c.wilcoxon.p_value == 1.0
    assert c.rank_biserial == 0.0
    assert c.ks is not None
    assert c.ks.statistic == 0.0
    assert c.dominance == Dominance("equal", ())
    assert set(c.quantiles_difference) == {0.0}
    assert "identical on this metric" in comparison_sentence(c)
    assert paired_difference(b, a) == paired_difference(a, a)
    # The tolerance follows the metric's scale: noise on days ~ 100 is a tie too, ...
    days = np.linspace(90.0, 140.0, 50)
    assert compare_pair("day.a", days, (days * 3.0) / 3.0 + 1e-12).identical
    # ... while a real difference, however small against the values, is not.
    c = compare_pair("utility", a, a + 1e-6)
    assert not c.identical
    assert c.p_b_better == 1.0
    assert c.dominance.verdict == "b"
    assert "identical" not in comparison_sentence(c)


def test_orderings_identical_on_a_metric_up_to_rounding_read_as_identical(
    tmp_path: Path,
) -> None:
    # With the visitors on different tracks, a,b and b,a add the same two climate gains
    # in opposite order: the final climate is the same up to rounding in every world.
    sets = ("visitors.b.track=security", "climate.visit_gain.security=0.2")
    done = compare_two(*sets, metrics=("final_climate", "utility"))
    climate = done.result.metric("final_climate")
    assert np.any(climate[0] != climate[1])
    same, utility = done.comparisons
    assert same.identical
    assert same.p_a_better == same.p_b_better == 0.0
    assert same.dominance.crossings == ()
    assert not utility.identical
    args = [arg for s in sets for arg in ("--set", s)]
    result = invoke(
        "compare", SCENARIO, "--ordering", "a,b", "--ordering", "b,a", "--metric",
        "final_climate", "-n", "60", "--executor", "serial", "--out", tmp_path, *args,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "final_climate: A and B are identical on this metric" in result.stdout
    assert "identical" in result.stdout.split("A − B")[1].splitlines()[2]


def test_variants_identical_and_moved() -> None:
    tiny = make_scenario(effects={"discount_per_day": 0.01})
    same = run_fixed(tiny, replications=20, seed=3)
    done = compare_variant_results(same, same, ("utility", "day.a"))
    assert done.paired
    assert done.kendall_tau == pytest.approx(1.0)
    assert done.best_a == done.best_b
    assert all(m.differences[k].mean == 0.0 for m in done.metrics for k in range(6))
    assert np.array_equal(done.rank_a, done.rank_b)
    # A host that refuses everyone but the economic visitor first reshuffles the ranking.
    strict = make_scenario(
        effects={"discount_per_day": 0.01},
        host={"preference": {"first_track": "economic", "bonus": 3.0, "penalty": 5.0}},
    )
    moved = compare_variant_results(same, run_fixed(strict, replications=20, seed=3), ("utility",))
    assert moved.best_b[0] == "a"
    assert moved.kendall_tau < 1.0
    k = moved.moves[0]
    assert abs(moved.rank_b[k] - moved.rank_a[k]) == max(abs(moved.rank_b - moved.rank_a))
    unpaired = compare_variant_results(same, run_fixed(tiny, replications=20, seed=4), ("utility",))
    assert not unpaired.paired


def test_read_run_gives_back_the_records(tmp_path: Path) -> None:
    done = run_scenario(make_scenario(), replications=20, seed=5, out=tmp_path)
    back = read_run(done.directory)
    assert back.orderings == done.result.orderings
    assert back.metrics == done.result.metrics
    assert back.seed == 5
    np.testing.assert_array_equal(back.records, done.result.records)


def test_cli_compare_orderings_json_and_files(tmp_path: Path) -> None:
    result = invoke(
        "compare", SCENARIO, "--ordering", "a,b", "--ordering", "b,a", "--metric", "utility",
        "--metric", "day.a", "-n", "30", "--executor", "serial", "--out", tmp_path,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [m["metric"] for m in document["metrics"]] == ["utility", "day.a"]
    assert document["metrics"][0]["p_a_better"] == 1.0
    assert document["metrics"][0]["dominance"]["verdict"] == "a"
    folder = Path(document["results"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 7
    assert manifest["command"]
    for name in ("comparison.json", "comparison.csv", "quantiles.csv"):
        assert (folder / name).is_file()
    for name in ("ecdf_utility.png", "difference_utility.png", "ecdf_day.a.png"):
        assert (folder / "figures" / name).stat().st_size > 0
    table = invoke(
        "compare", SCENARIO, "--ordering", "a,b", "--ordering", "b,a", "-n", "30",
        "--executor", "serial", "--out", tmp_path,
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "dominates B's" in table.stdout


def test_cli_compare_runs_and_scenario_variants(tmp_path: Path) -> None:
    runs = []
    for extra in ((), ("--set", f"{COST}=1.5")):
        result = invoke(
            "run", SCENARIO, "-n", "20", "--executor", "serial", "--out", tmp_path / "runs",
            "--format", "json", *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        runs.append(json.loads(result.stdout)["results"])
    result = invoke("compare", *runs, "--out", tmp_path, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["paired"]
    assert document["best_a"] == ["a", "b"]
    assert document["best_b"] == ["b", "a"]
    assert document["kendall_tau"] == pytest.approx(-1.0)
    # A - B in the same direction as for two orderings: a,b costs 0.5 in A, 1.5 in B.
    rows = {tuple(o["ordering"]): o["metrics"]["utility"] for o in document["orderings"]}
    assert rows[("a", "b")]["difference"]["mean"] == pytest.approx(1.0)
    assert rows[("b", "a")]["difference"]["mean"] == pytest.approx(0.0, abs=1e-12)
    header = (Path(document["results"]) / "variants.csv").read_text().splitlines()[0]
    assert "difference_a_minus_b" in header
    table = invoke("compare", *runs, "--out", tmp_path)
    assert "A − B [95% CI]" in table.stdout
    assert "B − A" not in table.stdout
    variant = tmp_path / "variant.yaml"
    variant.write_text(f"extends: {SCENARIO}\nname: costly\n", encoding="utf-8")
    result = invoke(
        "compare", SCENARIO, variant, "-n", "20", "--executor", "serial", "--out", tmp_path,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["kendall_tau"] == pytest.approx(1.0)
    utility = document["orderings"][0]["metrics"]["utility"]["difference"]
    assert utility["mean"] == 0.0
    assert (Path(document["results"]) / "variants.csv").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ordering", "a,b"], "exactly two --ordering"),
        (["--ordering", "a,c", "--ordering", "b,a"], "unknown visitor 'c'"),
        (["--ordering", "a,a", "--ordering", "b,a"], "appears more than once"),
        (["--ordering", "a", "--ordering", "b,a"], "missing 'b'"),
        (["--ordering", "a,b", "--ordering", "a,b"], "the same"),
        (["--ordering", "a,b", "--ordering", "b,a", "--metric", "nope"], "allowed: utility"),
        (
            ["--ordering", "a,b", "--ordering", "b,a", "--set", "constraints=[{first: b}]"],
            "excluded by the scenario's constraints (first: b)",
        ),
        (["--ordering", "a,b", "--ordering", "b,a", "-n", "1"], "--replications"),
    ],
)
def test_cli_compare_bad_input_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke("compare", SCENARIO, *args, "--executor", "serial", "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_cli_compare_bad_targets_exit_2(tmp_path: Path) -> None:
    assert "give one scenario" in invoke("compare", SCENARIO, SCENARIO, SCENARIO).stderr
    result = invoke("compare", tmp_path, "--ordering", "a,b", "--ordering", "b,a")
    assert result.exit_code == 2
    assert "is a directory" in result.stderr
    unfinished = tmp_path / "run"
    unfinished.mkdir()
    (unfinished / "manifest.json").write_text('{"status": "running"}', encoding="utf-8")
    result = invoke("compare", unfinished, unfinished)
    assert result.exit_code == 2
    assert "did not complete" in result.stderr
