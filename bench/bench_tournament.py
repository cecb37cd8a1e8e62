"""Benchmark: a guaranteed selection among 40,320 orderings with the knockout tournament.

Runs `simulator.stats.tournament.knockout_select` on a scenario (default: the
8-visitor synthetic scenario) with the process executor, and prints the progress,
the selected ordering, the wall time, the replications spent and peak memory.
Run: `.venv/bin/python bench/bench_tournament.py [--delta 0.5] [--workers N]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import numpy as np

from simulator.constraints import candidate_orderings
from simulator.executors import ProcessExecutor, WorkItem
from simulator.experiment import BlockTask, work_items
from simulator.scenario import load_scenario
from simulator.schema import metric_names
from simulator.stats.selection import IntArray
from simulator.stats.tournament import knockout_select

SYNTHETIC_8 = Path(__file__).resolve().parent.parent / "scenarios/synthetic/synthetic_8.yaml"


def split(items: list[WorkItem], parts: int) -> list[WorkItem]:
    """Each work item cut into `parts` items over slices of its orderings (parallelism)."""
    out: list[WorkItem] = []
    for block, start, stop, systems in items:
        assert systems is not None
        for chunk in np.array_split(np.asarray(systems), parts):
            if len(chunk):
                out.append((block, start, stop, tuple(int(s) for s in chunk)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=SYNTHETIC_8)
    parser.add_argument("--delta", type=float, default=0.5)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    orderings = candidate_orderings(scenario)
    utility = metric_names(scenario).index("utility")
    print(f"{scenario.name}: {len(orderings):,} orderings, δ = {args.delta}, α = {args.alpha}")
    start = time.perf_counter()
    executor = ProcessExecutor(args.workers)
    with executor.session(BlockTask(scenario, orderings, scenario.experiment.seed)) as run:

        def sampler(systems: IntArray, first: int, stop: int) -> np.ndarray:
            items = split(work_items(first, stop, tuple(int(s) for s in systems)), 2 * args.workers)
            parts: dict[int, list[np.ndarray]] = {}
            for item, part in zip(items, run(items), strict=True):
                parts.setdefault(item[0], []).append(part[:, :, utility])
            blocks = [np.concatenate(parts[b], axis=0) for b in sorted(parts)]
            return np.concatenate(blocks, axis=1)

        def on_batch(done: int, alive: int) -> None:
            print(f"{time.perf_counter() - start:7.1f} s  {done:,} simulated, {alive:,} alive")

        result = knockout_select(
            sampler,
            len(orderings),
            n0=10,
            delta=args.delta,
            alpha=args.alpha,
            batch=20,
            group_size=16,
            on_batch=on_batch,
        )
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"selected {' -> '.join(orderings[result.selected])} after {result.rounds} rounds "
        f"({'guaranteed' if result.guaranteed else 'no guarantee: budget reached'})"
    )
    print(
        f"{seconds:.1f} s, {int(result.replications.sum()):,} ordering-replications, "
        f"peak memory {own:.0f} MiB (parent), {workers:.0f} MiB (largest worker)"
    )


if __name__ == "__main__":
    main()
