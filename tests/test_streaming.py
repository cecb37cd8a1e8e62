"""Streamed statistics (fixed design without kept replications) and the knockout
tournament behind `--design adaptive` for many orderings."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simulator import api, experiment
from simulator.executors import ProcessExecutor, SerialExecutor
from simulator.experiment import AdaptiveSettings, design, run_fixed
from simulator.experiment.ranking import bootstrap_weights, rank_orderings, utility_stream
from simulator.output.ranking_text import KNOCKOUT_MEANS, ranking_legend
from simulator.output.runfiles import RunFiles
from simulator.scenario import load_scenario
from simulator.stats.moments import MetricMoments
from simulator.streams import stream

from .test_cli import invoke

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "us_china_2023.yaml"
TABLES = ("ranking.csv", "rank_probabilities.csv")


def test_metric_moments_match_numpy_whatever_the_blocks() -> None:
    rng = np.random.default_rng(1)
    records = rng.normal(3.0, 2.0, size=(4, 500, 3))
    records[rng.random(records.shape) < 0.2] = np.nan  # visits that never happened
    records[2, :, 1] = np.nan  # a metric that never has a value
    moments = MetricMoments(4, 3)
    edges = [0, 1, 37, 100, 101, 350, 500]
    for low, high in itertools.pairwise(edges):
        moments.add(records[:, low:high])
    np.testing.assert_array_equal(moments.count, (~np.isnan(records)).sum(axis=1))
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        mean = np.nanmean(records, axis=1)
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):
        sd = np.nanstd(records, axis=1, ddof=1)
    np.testing.assert_allclose(moments.mean[~np.isnan(mean)], mean[~np.isnan(mean)], rtol=1e-12)
    np.testing.assert_allclose(moments.sd(), sd, rtol=1e-12)
    assert np.isnan(moments.sd()[2, 1])


def test_a_streamed_ranking_is_the_in_memory_ranking() -> None:
    rng = np.random.default_rng(2)
    shared = rng.normal(size=730)
    utility = np.array([[0.2], [0.0], [0.1]]) + shared + 0.5 * rng.normal(size=(3, 730))
    orderings = (("a",), ("b",), ("c",))
    streamed = utility_stream(3, 730, seed=5)
    for low, high in ((0, 100), (100, 200), (200, 300), (300, 400), (400, 730)):
        streamed.add(low, utility[:, low:high])
    online = streamed.ranking(orderings)
    held = rank_orderings(orderings, utility, seed=5)
    for name in ("mean", "sd", "ci_low", "ci_high", "p_best", "sucra", "mcb_low", "mcb_high"):
        np.testing.assert_allclose(getattr(online, name), getattr(held, name), rtol=1e-12)
    assert online.order == held.order == (0, 2, 1)
    np.testing.assert_allclose(online.mean, utility.mean(axis=1), rtol=1e-12)
    with pytest.raises(ValueError, match="in order"):
        streamed.add(0, utility[:, :10])


def test_a_fixed_run_keeps_only_what_fits_and_ranks_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = load_scenario(FLAGSHIP)
    full = run_fixed(scenario, replications=250, seed=3)
    monkeypatch.setattr(design, "KEEP_CELLS", 24 * len(full.metrics) * 120)
    streamed = run_fixed(scenario, replications=250, seed=3, keep=None)
    assert full.complete
    assert not streamed.complete
    assert streamed.kept == 120
    assert streamed.replications == 250
    np.testing.assert_array_equal(streamed.records, full.records[:, :120])
    assert full.stream is not None
    assert streamed.stream is not None
    first, second = full.stream.ranking(full.orderings), streamed.stream.ranking(full.orderings)
    for name in ("mean", "ci_low", "p_best", "sucra", "mcb_high"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    np.testing.assert_array_equal(full.metric_moments().m2, streamed.metric_moments().m2)


def test_without_kept_replications_the_tables_are_the_same_and_no_table_is_written(
    tmp_path: Path,
) -> None:
    kept = invoke("run", FLAGSHIP, "-n", "150", "--out", tmp_path / "a", "-q", "--format", "json")
    lean = invoke(
        "run", FLAGSHIP, "-n", "150", "--out", tmp_path / "b", "-q", "--format", "json",
        "--no-keep-replications",
    )  # fmt: skip
    assert kept.exit_code == 0, kept.output
    assert lean.exit_code == 0, lean.output
    first = Path(json.loads(kept.output)["results"])
    second = Path(json.loads(lean.output)["results"])
    for name in TABLES:
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert (first / "replications.csv.gz").is_file()
    assert not (second / "replications.csv.gz").exists()
    a, b = (json.loads((d / "summary.json").read_text()) for d in (first, second))
    assert a["orderings"] == b["orderings"]  # the quantiles too: all 150 fit in memory
    assert (a["design"]["keep_replications"], b["design"]["keep_replications"]) == (True, False)
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert "presentation_error" not in manifest
    assert (second / "figures" / "utility.png").is_file()
    assert not (second / "figures" / "ecdf.png").exists()
    compared = invoke("compare", first, second)
    assert compared.exit_code == 2
    assert "did not keep its replications" in compared.output
    assert "--keep-replications" in compared.output
    assert invoke("reproduce", second).exit_code == 0


def test_keep_options_belong_to_the_fixed_design(tmp_path: Path) -> None:
    result = invoke(
        "run", FLAGSHIP, "--design", "adaptive", "--no-keep-replications", "--out", tmp_path
    )
    assert result.exit_code == 2
    assert "apply to the fixed design" in result.output


def _knockout(tmp_path: Path, executor: SerialExecutor | ProcessExecutor) -> api.Run:
    return api.run_scenario(
        load_scenario(FLAGSHIP),
        adaptive=AdaptiveSettings(delta=0.3, n0=10, batch=20),
        executor=executor,
        out=tmp_path,
    )


def test_many_orderings_play_a_knockout_tournament_identically_on_any_executor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.run, "KNOCKOUT_ABOVE", 8)  # 24 orderings: groups of 16, 2 rounds
    serial = _knockout(tmp_path / "serial", SerialExecutor())
    parallel = _knockout(tmp_path / "process", ProcessExecutor(2))
    for name in ("ranking.csv", "summary.json"):
        assert (serial.directory / name).read_bytes() == (parallel.directory / name).read_bytes()
    design = serial.design
    assert design["rounds"] == 2
    # Two rounds: 24 orderings in groups of 16 and 8, then 2; the first plays the most.
    assert sum(design["alpha_rounds"]) == pytest.approx(0.05)
    assert design["alpha_rounds"][0] > 0.04
    assert design["alpha_rounds"][1] < 0.01
    assert len(design["h2_rounds"]) == 2
    assert design["guaranteed"]
    assert "knockout tournament" in design["procedure"]
    run = RunFiles.read(serial.directory)
    assert len(run.ranking) == 24
    assert not run.kept_replications
    assert list(run.ranking[0].ordering) == design["selected"]
    # Only the final round's orderings have P(best); it sums to one among them.
    final = [row for row in run.ranking if row.p_best is not None]
    assert len(final) == len(design["final_round"]) == 2
    assert sum(row.p_best or 0.0 for row in final) == pytest.approx(1.0)
    # Each ordering counts every world it was simulated in once, whatever the rounds.
    assert design["replications_total"] >= sum(row.replications for row in run.ranking)
    assert all(row.replications >= 10 for row in run.ranking)
    manifest = json.loads((serial.directory / "manifest.json").read_text())
    assert "presentation_error" not in manifest
    # Both the terminal and the page warn that an eliminated ordering's mean flatters it.
    assert KNOCKOUT_MEANS in ranking_legend(serial.ranking, design)
    assert "the rounds it won, which flatter it" in (serial.directory / "report.html").read_text()
    assert KNOCKOUT_MEANS not in ranking_legend(serial.ranking, design | {"rounds": None})


def test_the_tournament_finds_the_best_the_fixed_design_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.run, "KNOCKOUT_ABOVE", 8)
    scenario = load_scenario(FLAGSHIP)
    fixed = run_fixed(scenario, replications=2000, seed=7)
    assert fixed.stream is not None
    ranking = fixed.stream.ranking(fixed.orderings)
    chosen = api.run_scenario(
        scenario, adaptive=AdaptiveSettings(delta=0.3, n0=10, batch=20), seed=8, out=tmp_path
    )
    best = ranking.mean[ranking.order[0]]
    picked = ranking.mean[fixed.orderings.index(tuple(chosen.design["selected"]))]
    assert best - picked <= 0.3


def test_bootstrap_weights_are_poisson_one_and_keyed_by_block() -> None:
    weights = bootstrap_weights(seed=1, block=3, samples=20_000)
    assert weights.shape == (20_000, 100)
    values, counts = np.unique(weights, return_counts=True)
    expected = stats.poisson.pmf(values, 1.0) * weights.size
    assert (
        stats.chisquare(counts[:6], expected[:6] * counts[:6].sum() / expected[:6].sum()).pvalue
        > 1e-3
    )
    np.testing.assert_array_equal(weights, bootstrap_weights(seed=1, block=3, samples=20_000))
    # The table lookup is the inverse CDF exactly: the number of CDF values <= u.
    uniforms = stream(1, "stats:bootstrap", 3).random((20_000, 100))
    cdf = stats.poisson.cdf(np.arange(32), 1.0)
    np.testing.assert_array_equal(weights, np.searchsorted(cdf, uniforms, side="right"))
    assert not np.array_equal(weights[:10], bootstrap_weights(seed=1, block=4, samples=10))


def test_replications_are_kept_by_default_only_under_the_line() -> None:
    line = experiment.KEEP_CELLS
    assert experiment.keeps_every_replication(24, line // (24 * 20), 20, None)
    assert not experiment.keeps_every_replication(24, line // (24 * 20) + 1, 20, None)
    assert experiment.keeps_every_replication(24, 10**6, 20, True)
    assert not experiment.keeps_every_replication(24, 10, 20, False)
    assert experiment.kept_replications(24, 10**6, 20, None) == line // (24 * 20)
    assert experiment.kept_replications(24, 10, 20, False) == 10  # all fit: quantiles exact


def test_kn_keeps_every_utility_but_other_records_only_under_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(FLAGSHIP)
    settings = AdaptiveSettings(delta=0.3, n0=10, batch=20)
    whole = api.run_scenario(scenario, adaptive=settings, out=tmp_path / "whole")
    metrics = len(whole.result.metrics)
    monkeypatch.setattr(design, "KEEP_CELLS", 24 * metrics * 50)  # the first 50
    lean = api.run_scenario(scenario, adaptive=settings, out=tmp_path / "lean")
    assert lean.result.kept == 50
    assert lean.result.replications > 50
    np.testing.assert_array_equal(lean.result.utility, whole.result.utility)
    assert (lean.directory / "ranking.csv").read_bytes() == (
        whole.directory / "ranking.csv"
    ).read_bytes()
    assert (whole.directory / "replications.csv.gz").is_file()
    assert not (lean.directory / "replications.csv.gz").exists()
    summary = json.loads((lean.directory / "summary.json").read_text())
    assert summary["quantiles_from"] == 50
