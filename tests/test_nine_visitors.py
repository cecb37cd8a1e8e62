"""Nine visitors: 362,880 orderings enumerated as one small array, work returned in
bounded pieces, ranking files that stay readable, and a run that would not fit in
memory refused before it starts."""

from __future__ import annotations

import csv
import gc
import io
import math
from collections.abc import Iterator, Sequence
from itertools import islice, permutations
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError
from simulator.executors import SerialExecutor, WorkItem
from simulator.experiment import BlockTask, RecordStore, design, records, run_fixed
from simulator.experiment.task import split_item
from simulator.output import files, runfiles, tables
from simulator.scenario import Orderings, candidate_orderings, load_scenario, metric_names
from simulator.scenario.constraints import candidate_array, permutation_array
from simulator.stats.ranking import Ranking
from simulator.types import FloatArray

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC = ROOT / "scenarios" / "synthetic"
FLAGSHIP = ROOT / "scenarios" / "us_china_2023.yaml"


def test_nine_visitors_give_362880_orderings_in_a_small_array() -> None:
    scenario = load_scenario(SYNTHETIC / "synthetic_9.yaml")
    plans = candidate_array(scenario)
    assert plans.shape == (math.factorial(9), 9)
    assert plans.dtype == np.int8
    assert plans.nbytes < 4 << 20
    orderings = candidate_orderings(scenario)
    ids = [v.id for v in scenario.visitors]
    for k in (0, 1, 4321, len(plans) - 1):
        assert orderings[k] == tuple(ids[i] for i in plans[k])
    assert orderings[0] == tuple(ids)
    assert orderings[-1] == tuple(reversed(ids))


@pytest.mark.parametrize("n", range(1, 7))
def test_the_permutation_array_is_in_lexicographic_order(n: int) -> None:
    assert permutation_array(n).tolist() == [list(p) for p in permutations(range(n))]


def test_a_large_item_is_cut_into_pieces_of_bounded_size() -> None:
    item = (0, 0, 10, None)
    pieces = split_item(item, 1000, parts=2, most=300)
    assert [len(p[3] or ()) for p in pieces] == [250, 250, 250, 250]
    assert [s for p in pieces for s in p[3] or ()] == list(range(1000))
    assert split_item(item, 1000, parts=1, most=2000) == [item]


def _collect(scenario_file: Path) -> tuple[RecordStore, int]:
    """A store fed two batches (the second of a third of the orderings, overlapping
    the first), and how many pieces of work its executor returned."""
    scenario = load_scenario(scenario_file)
    orderings = candidate_orderings(scenario)
    store = RecordStore(len(orderings), len(metric_names(scenario)), keep=0)
    returned = 0
    with SerialExecutor().session(BlockTask(scenario, orderings, 7)) as run:

        def counted(items: Sequence[WorkItem]) -> Iterator[FloatArray]:
            nonlocal returned
            for records_of_piece in run(items):
                returned += 1
                yield records_of_piece

        store.collect(counted, 0, 3)
        store.collect(counted, 2, 5, list(range(0, len(orderings), 3)))
    return store, returned


def test_pieces_merged_as_they_arrive_give_the_same_statistics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole, items = _collect(SYNTHETIC / "synthetic_5.yaml")
    monkeypatch.setattr(records, "PIECE_VALUES", 3 * 33 * 20)  # 20 of 120 orderings a piece
    pieces, returned = _collect(SYNTHETIC / "synthetic_5.yaml")
    assert (items, returned) == (4, 8)
    assert np.array_equal(whole.counts, pieces.counts)
    for name, values in whole.moments.state().items():
        assert np.array_equal(values, pieces.moments.state()[name]), name


def _ranking(k: int, compact: bool = False) -> Ranking:
    rng = np.random.default_rng(0)  # only the table's layout is under test
    mean = rng.normal(size=k)
    nan = np.full(k, np.nan)
    final = np.where(np.arange(k) < 3, rng.random(k), np.nan)
    orderings = tuple(permutations("abcdefgh"))[:k]
    return Ranking(
        orderings=Orderings.of("abcdefgh", orderings) if compact else orderings,
        replications=np.full(k, 10),
        mean=mean,
        sd=np.ones(k),
        ci_low=mean - 0.1,
        ci_high=mean + 0.1,
        p_best=final,
        sucra=final,
        mcb_low=nan,
        mcb_high=nan,
        diff_best=nan,
        diff_best_low=nan,
        diff_best_high=nan,
        rank_probabilities=None,
        order=tuple(int(i) for i in np.argsort(-mean, kind="stable")),
        confidence=0.95,
        compared_on=10,
    )


@pytest.mark.parametrize("compact", [False, True], ids=["tuples", "array"])
def test_ranking_csv_is_written_in_pieces_as_one_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compact: bool
) -> None:
    ranking = _ranking(2500, compact)
    out = [None if k % 7 else 40 for k in range(2500)]
    rows = tables.ranking_rows(ranking, out)
    texts = [",".join(ranking.orderings[k]) for k in ranking.order]
    assert [row["ordering"] for row in rows] == texts
    whole = tables.csv_text(list(rows[0]), [list(row.values()) for row in rows])
    monkeypatch.setattr(tables, "CSV_CHUNK_ROWS", 300)
    pieces = list(tables.ranking_csv(ranking, out))
    assert len(pieces) == 9
    files.write_text(tmp_path / "ranking.csv", iter(pieces))
    assert (tmp_path / "ranking.csv").read_text(encoding="utf-8") == whole
    assert whole.count("\n") == 2501
    assert tables.ranking_rows(ranking, out, 5) == rows[:5]
    read = runfiles.read_ranking(tmp_path / "ranking.csv")
    assert [(r.rank, r.ordering, r.mean, r.eliminated_at) for r in read] == [
        (row["rank"], tuple(row["ordering"].split(",")), row["mean_utility"], row["eliminated_at"])
        for row in rows
    ]
    assert gc.isenabled()


def test_a_missing_statistic_is_an_empty_cell_as_in_every_table() -> None:
    ranking = _ranking(10)
    ranking.mean[ranking.order[4]] = np.nan
    rows = tables.ranking_rows(ranking)
    text = "".join(tables.ranking_csv(ranking))
    assert text == tables.csv_text(list(rows[0]), [list(row.values()) for row in rows])
    fifth = next(islice(csv.reader(io.StringIO(text)), 5, None))
    assert fifth[2:5] == ["10", "", repr(float(ranking.ci_low[ranking.order[4]]))]


def test_reading_a_ranking_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    bad = tmp_path / "ranking.csv"
    bad.write_text("rank,ordering,replications,mean_utility,ci_low,ci_high\n1,a,x,1,0,2\n")
    with pytest.raises(InputError, match="not a ranking table"):
        runfiles.read_ranking(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        files.write_text(bad, tables.ranking_csv(_ranking(3)))
        assert len(runfiles.read_ranking(bad)) == 3
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_summary_json_lists_the_best_orderings_and_says_how_many_there_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = load_scenario(FLAGSHIP)
    result = run_fixed(scenario, replications=20, seed=3, executor=SerialExecutor())
    assert result.stream is not None
    ranking = result.stream.ranking(result.orderings)
    design_record = {"design": "fixed", "replications": 20}
    every = tables.summary_document(result, ranking, design_record)
    assert len(every["orderings"]) == 24
    assert "orderings_total" not in every
    monkeypatch.setattr(tables, "SUMMARY_LIMIT", 5)
    best = tables.summary_document(result, ranking, design_record)
    assert best["orderings_total"] == 24
    assert best["orderings"] == every["orderings"][:5]


def test_a_tournament_that_would_not_fit_in_memory_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(design, "available_memory", lambda: 1 << 30)
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(SYNTHETIC / "synthetic_9.yaml"),
            "--design",
            "adaptive",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "its 362,880 orderings would need about" in result.stderr
    assert "but only 1.0 GiB is available" in result.stderr
    assert "constraints" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("visitors", "metrics", "measured_kb"),
    [(8, 48, 642_672), (9, 54, 1_631_728 + 100_652)],
)
def test_the_tournament_estimate_bounds_the_measured_peak(
    visitors: int, metrics: int, measured_kb: int
) -> None:
    """Peaks measured with 2 workers, summed over the run's processes sampled every 2 s
    (docs/scale-and-speed.md); at 9 visitors over 78 minutes of the first rounds, plus
    what the main process peaked above its samples (time -v: 1,154,488 KB). The end of
    the run (ranking, files, report) holds less: 929,260 KB measured alone."""
    estimate = design.selection_memory_estimate(math.factorial(visitors), metrics, 2)
    assert measured_kb * 1024 <= estimate <= 2 * measured_kb * 1024


def test_a_fixed_design_that_cannot_fit_points_to_the_adaptive_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(design, "available_memory", lambda: 4 << 30)
    result = CliRunner().invoke(
        main, ["run", str(SYNTHETIC / "synthetic_9.yaml"), "-n", "2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "a fixed design over 362,880 orderings would need about 11." in result.stderr
    assert "use --design adaptive" in result.stderr
    assert not any(tmp_path.iterdir())
