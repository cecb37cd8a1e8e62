"""The adaptive design end to end: KN on the simulation, its files and its guarantee."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError
from simulator.executors import SerialExecutor
from simulator.experiment import AdaptiveSettings, run_adaptive, run_fixed
from simulator.scenario import load_scenario

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"


def test_adaptive_run_writes_elimination_columns_and_the_guarantee(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(FLAGSHIP),
            "--design",
            "adaptive",
            "--delta",
            "0.4",
            "--executor",
            "serial",
            "--out",
            str(tmp_path),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    design = document["design"]
    assert design["design"] == "adaptive"
    assert design["delta"] == 0.4
    assert (
        "exceeds every other's by at least δ = 0.4, the procedure selects it"
        in (document["recommendation"])
    )
    assert design["compared_on"] == design["n0"] == 20  # some go at the first check
    run_dir = Path(document["results"])
    rows = list(csv.DictReader((run_dir / "ranking.csv").read_text().splitlines()))
    assert rows[0]["ordering"].split(",") == design["selected"]
    assert rows[0]["eliminated_at"] == ""
    assert all(r["eliminated_at"] != "" for r in rows[1:])
    for r in rows[1:]:
        assert int(r["replications"]) >= int(r["eliminated_at"]) >= 20
    total = sum(int(r["replications"]) for r in rows)
    assert total == design["replications_total"] < design["rinott_total"]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["design"]["guaranteed"] is True


def test_adaptive_selection_is_within_delta_of_the_large_fixed_design_best() -> None:
    scenario = load_scenario(FLAGSHIP)
    delta = 0.25
    adaptive = run_adaptive(scenario, AdaptiveSettings(delta=delta), executor=SerialExecutor())
    fixed = run_fixed(scenario, replications=3000, seed=12345)
    means = fixed.metric("utility").mean(axis=1)
    selected = adaptive.selection.selected
    assert means.max() - means[selected] <= delta
    assert adaptive.result.counts.sum() < 3000 * len(fixed.orderings) / 3


def test_same_seed_gives_the_same_adaptive_run() -> None:
    scenario = load_scenario(FLAGSHIP)
    settings = AdaptiveSettings(delta=0.5, batch=30)
    first = run_adaptive(scenario, settings, executor=SerialExecutor())
    second = run_adaptive(scenario, settings, executor=SerialExecutor())
    np.testing.assert_array_equal(first.result.counts, second.result.counts)
    np.testing.assert_array_equal(first.selection.eliminated_at, second.selection.eliminated_at)


def test_default_delta_comes_from_an_independent_pilot() -> None:
    scenario = load_scenario(FLAGSHIP)
    outcome = run_adaptive(
        scenario, AdaptiveSettings(n0=10, max_replications=40), executor=SerialExecutor()
    )
    assert outcome.delta > 0
    assert "pilot" in outcome.delta_source
    assert not outcome.selection.guaranteed or len(outcome.selection.survivors) == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (AdaptiveSettings(delta=-1.0), r"^delta must"),
        (AdaptiveSettings(alpha=0.99), r"^alpha must"),
        (AdaptiveSettings(alpha=0.0), r"^alpha must"),
        (AdaptiveSettings(n0=1), r"^n0 must"),
        (AdaptiveSettings(batch=0), r"^batch must"),
        (AdaptiveSettings(max_replications=5), r"^max_replications must"),
    ],
)
def test_bad_adaptive_settings_are_input_errors(settings: AdaptiveSettings, message: str) -> None:
    with pytest.raises(InputError, match=message):
        run_adaptive(load_scenario(FLAGSHIP), settings)


def test_bad_adaptive_options_exit_2_without_creating_a_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["run", str(FLAGSHIP), "--design", "adaptive", "--alpha", "2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--alpha" in result.stderr
    assert not any(tmp_path.iterdir())
