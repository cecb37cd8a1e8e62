"""Figures drawn from a run directory's files: valid, stable PNGs and honest gate bands."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import matplotlib.image
import numpy as np
import pytest

from simulator.api import run_scenario
from simulator.errors import InputError, SettingError
from simulator.output import tuning_figures
from simulator.output.figures import FIGURES, ecdf_figure, utility_figure, write_figures
from simulator.output.gates import opening_quantiles
from simulator.output.plotting import color
from simulator.output.runfiles import RunFiles
from simulator.scenario import Scenario, UntilGate, load_scenario
from simulator.tuning.compare import compare_orderings

from .conftest import make_scenario

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

GATES: list[dict[str, Any]] = [
    {"id": "summit", "kind": "window", "start_day": 2, "end_day": 6, "tracks": ["economic"]},
    {
        "id": "deal",
        "kind": "until",
        "opens": {"dist": "triangular", "low": 5, "mode": 10, "high": 30},
        "deadline": 12,
        "crisis": {"probability": 0.2, "extension": 10},
        "tracks": ["security"],
        "quote": "the teams are tied up until the deal",
    },
]


def gated_scenario() -> Scenario:
    """The tiny scenario with a window, an uncertain gate and a quoted precedence cost."""
    return make_scenario(
        gates=GATES,
        effects={
            "precedence_costs": [
                {"earlier": "c", "later": "b", "cost": 1.0, "quote": "b should go first"}
            ]
        },
        objective={"agenda_value": 1.0, "visits_completed": 0.1, "precedence_cost": -1.0},
    )


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    return run_scenario(gated_scenario(), replications=40, seed=5, out=out).directory


def test_every_figure_is_a_valid_png(run_dir: Path) -> None:
    written = write_figures(RunFiles.read(run_dir))
    assert written == [f"figures/{spec.name}" for spec in FIGURES]
    for name in written:
        data = (run_dir / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        image = matplotlib.image.imread(run_dir / name)
        assert image.ndim == 3
        assert image.shape[0] > 200
        assert image.shape[1] >= 8 * 150  # slide resolution: 8 inches or more at 150 dpi
        assert float(image[..., :3].std()) > 0.01  # not a blank canvas


def test_figures_are_byte_identical_when_redrawn(run_dir: Path) -> None:
    first = {n: (run_dir / n).read_bytes() for n in write_figures(RunFiles.read(run_dir))}
    second = {n: (run_dir / n).read_bytes() for n in write_figures(RunFiles.read(run_dir))}
    assert first == second


def test_orderings_keep_their_ranking_colour_in_every_figure(run_dir: Path) -> None:
    run = RunFiles.read(run_dir)
    utility = utility_figure(run, top=3)
    labels = utility.axes[0].get_yticklabels()
    assert labels[0].get_text().startswith("1. ")
    assert [t.get_color() for t in labels] == [color(i) for i in range(3)]
    ecdf = ecdf_figure(run, top=3)
    assert ecdf is not None
    lines = ecdf.axes[0].get_lines()
    assert [line.get_color() for line in lines] == [color(i) for i in range(3)]
    assert "40 replications per ordering" in (utility.get_suptitle() or "")


def test_overlapping_ecdf_curves_differ_in_line_style_and_marker(run_dir: Path) -> None:
    ecdf = ecdf_figure(RunFiles.read(run_dir), top=5)
    assert ecdf is not None
    lines = ecdf.axes[0].get_lines()
    assert len(lines) == 5
    assert len({line.get_linestyle() for line in lines}) >= 4
    assert len({line.get_marker() for line in lines}) == 5
    # Curves that coincide (tied orderings) put their markers at different places.
    assert len({str(line.get_markevery()) for line in lines}) == 5


def test_a_constant_metric_is_marked_not_drawn(run_dir: Path) -> None:
    # The tiny scenario has no climate dynamics: final_climate is 0 in every replication.
    ecdf = ecdf_figure(RunFiles.read(run_dir), top=3)
    assert ecdf is not None
    climate = ecdf.axes[1]
    assert climate.get_lines() == []
    assert any("constant: 0 in every replication" in t.get_text() for t in climate.texts)


def test_the_utility_figure_plots_the_rankings_differences_to_the_best(run_dir: Path) -> None:
    run = RunFiles.read(run_dir)
    figure = utility_figure(run, top=5)
    evidence = figure.axes[1]
    assert "difference to the best" in evidence.get_xlabel()
    rows = run.ranking[:5]
    # One error bar per ordering, at ranking.csv's diff_best and its interval.
    bars = [c for c in evidence.containers if c.lines[0] is not None]
    assert len(bars) == len(rows)
    for bar, row in zip(bars, rows, strict=True):
        x = bar.lines[0].get_xdata()
        assert float(x[0]) == row.diff_best
        (segments,) = bar.lines[2]
        low, high = segments.get_segments()[0][:, 0]
        assert (low, high) == pytest.approx((row.diff_best_low, row.diff_best_high), abs=1e-12)
    assert any(r.diff_best_high is not None and r.diff_best_high < 0 for r in rows)


def test_without_rank_probabilities_the_heatmap_is_skipped(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "rank_probabilities.csv").unlink()
    assert "figures/rank_probabilities.png" not in write_figures(RunFiles.read(copy))


def gate(**changes: Any) -> UntilGate:
    return UntilGate.model_validate({"id": "g", "kind": "until", **changes})


def test_opening_quantiles_without_a_crisis_are_the_distribution_quantiles() -> None:
    g = gate(opens={"dist": "triangular", "low": 7, "mode": 16, "high": 35})
    median, q95 = opening_quantiles(g, (0.5, 0.95))
    assert median == pytest.approx(35 - math.sqrt(0.5 * 28 * 19))  # mode left of the median
    assert q95 == pytest.approx(35 - math.sqrt(0.05 * 28 * 19))


def test_opening_quantiles_mix_in_the_crisis_extension() -> None:
    # Opens on day 10; with probability 0.3 a breached deadline (15) adds 5 to 15 days.
    g = gate(
        opens=10,
        deadline=15,
        crisis={"probability": 0.3, "extension": {"dist": "uniform", "low": 5, "high": 15}},
    )
    median, q80, q95 = opening_quantiles(g, (0.5, 0.8, 0.95))
    assert median == 10.0
    # P(open <= x) = 0.7 + 0.3 * (x - 20) / 10 for x in [20, 30].
    assert q80 == pytest.approx(20 + 10 / 3, abs=0.1)
    assert q95 == pytest.approx(20 + 25 / 3, abs=0.1)
    certain = gate(opens=10, deadline=15, crisis={"probability": 1.0, "extension": 5})
    assert list(opening_quantiles(certain, (0.05, 0.95))) == [20.0, 20.0]


def test_missing_run_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such results directory"):
        RunFiles.read(tmp_path / "nowhere")
    with pytest.raises(InputError, match=r"not a results directory \(no manifest.json\)"):
        RunFiles.read(tmp_path)


def test_a_failed_run_has_no_results_to_draw(tmp_path: Path) -> None:
    manifest = {"status": "failed", "error": "KeyboardInterrupt: "}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match=r"did not complete \(status 'failed'.*no summary\.json"):
        RunFiles.read(tmp_path)


def test_a_corrupt_result_file_names_the_file(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "summary.json").write_text('{"design": \n')
    with pytest.raises(InputError, match=r"summary.json:2: not valid JSON"):
        write_figures(RunFiles.read(copy))
    (copy / "summary.json").write_bytes((run_dir / "summary.json").read_bytes())
    (copy / "ranking.csv").write_text("rank,ordering\n1,a\n")
    with pytest.raises(InputError, match=r"ranking.csv: no rows, or missing column\(s\)"):
        write_figures(RunFiles.read(copy))


def test_top_must_be_positive(run_dir: Path) -> None:
    with pytest.raises(SettingError, match=r"^top must be between 1 and 100") as error:
        write_figures(RunFiles.read(run_dir), top=0)
    assert error.value.setting == "top"


def test_replications_are_read_back_exactly(run_dir: Path) -> None:
    run = RunFiles.read(run_dir)
    best = run.ranking[0]
    utility = run.replications([best.ordering], ("utility",))[best.ordering][:, 0]
    assert utility.shape == (40,)
    assert float(np.mean(utility)) == pytest.approx(best.mean, rel=1e-12)


def test_compare_marks_a_metric_both_orderings_share_as_constant() -> None:
    scenario = load_scenario(Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml")
    metrics = ("visits_completed", "precedence_cost")
    done = compare_orderings(scenario, ("a", "b"), ("b", "a"), metrics, replications=10, seed=1)
    flat = tuning_figures.ecdf_figure(scenario, done, "visits_completed").axes[0]
    assert flat.get_lines() == []
    assert [t.get_text() for t in flat.texts] == [
        "constant: 2 in every replication\nof both orderings; nothing to compare"
    ]
    # Each ordering constant, but not the same: a real difference, drawn.
    apart = tuning_figures.ecdf_figure(scenario, done, "precedence_cost").axes[0]
    lines = apart.get_lines()
    assert len(lines) == 2
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert lines[0].get_marker() != lines[1].get_marker()
