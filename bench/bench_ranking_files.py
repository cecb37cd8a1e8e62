"""Benchmark the ranking table of a 9-visitor run: making and writing ranking.csv, and
reading it back as the figures and the report do.

The statistics are made up (a knockout tournament's shape: P(best), SUCRA and MCB for
the final round's six orderings only, an elimination count for the rest); the table's
layout and size are a real run's. Prints the best of three of each step in seconds,
and asserts nothing (timings on shared machines are noisy).

Run: `.venv/bin/python bench/bench_ranking_files.py [--scenario FILE]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from simulator.output import files, runfiles, tables
from simulator.scenario import candidate_orderings, load_scenario
from simulator.stats.ranking import Ranking

SYNTHETIC_9 = (
    Path(__file__).resolve().parent.parent / "scenarios" / "synthetic" / "synthetic_9.yaml"
)
FINAL_ROUND = 6
"""Orderings that reach the final round, and so have P(best), SUCRA and MCB."""


def made_up(scenario_file: Path) -> tuple[Ranking, list[int | None]]:
    """A ranking of every candidate of the scenario, shaped like a knockout run's, and
    each ordering's elimination count (None for the final round's)."""
    orderings = candidate_orderings(load_scenario(scenario_file))
    k = len(orderings)
    rng = np.random.default_rng(1)
    mean = rng.normal(12.0, 1.5, k)
    half = rng.uniform(0.1, 2.0, k)
    order = np.argsort(-mean, kind="stable")
    final = np.full(k, np.nan)
    final[order[:FINAL_ROUND]] = rng.random(FINAL_ROUND)
    ranking = Ranking(
        orderings=orderings,
        replications=rng.integers(10, 4000, k),
        mean=mean,
        sd=half,
        ci_low=mean - half,
        ci_high=mean + half,
        p_best=final,
        sucra=final,
        mcb_low=final - 1,
        mcb_high=final,
        diff_best=final,
        diff_best_low=final - 1,
        diff_best_high=final,
        rank_probabilities=None,
        order=tuple(order.tolist()),
        confidence=0.95,
        compared_on=200,
    )
    replications = ranking.replications.tolist()
    eliminated = [None if np.isfinite(final[i]) else replications[i] for i in range(k)]
    return ranking, eliminated


def best_of_three(step: Callable[[], Any]) -> float:
    """The shortest of three runs of `step`, in seconds."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SYNTHETIC_9)
    args = parser.parse_args()
    ranking, eliminated = made_up(args.scenario)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ranking.csv"
        making = best_of_three(lambda: sum(map(len, tables.ranking_csv(ranking, eliminated))))
        writing = best_of_three(
            lambda: files.write_text(path, tables.ranking_csv(ranking, eliminated))
        )
        reading = best_of_three(lambda: runfiles.read_ranking(path))
        size = path.stat().st_size
    print(f"ranking.csv of {len(ranking.order):,} orderings, {size / 1e6:.1f} MB")
    print(f"make the text: {making:.2f} s")
    print(f"make and write it: {writing:.2f} s")
    print(f"read it back, every row checked: {reading:.2f} s")


if __name__ == "__main__":
    main()
