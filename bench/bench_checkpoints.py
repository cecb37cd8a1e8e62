"""Benchmark shared turns: a run of consecutive candidates, world by world, simulated
with checkpoints (as every work item is) and from day 0, on the same worlds.

Prints, and asserts nothing (timings on shared machines are noisy): µs per
ordering-replication both ways (best of five, alternating), the ratio, and SimPy events per
ordering-replication both ways. The default is the first stage of a 9-visitor
knockout round: 2,000 consecutive candidates of `synthetic_9`, 10 replications;
`--every 16` takes one candidate in 16 instead, as the orderings alive in a later
round lie (they share fewer first visitors, so fewer turns).

Run: `.venv/bin/python bench/bench_checkpoints.py [--scenario FILE] [--candidates N]
[--replications N] [--first K] [--every N]`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from simulator.model import Checkpoints, Draws, common_prefixes, compile_spec, events, simulate
from simulator.scenario import load_scenario
from simulator.scenario.constraints import candidate_orderings
from simulator.world import draw_block

SYNTHETIC_9 = (
    Path(__file__).resolve().parent.parent / "scenarios" / "synthetic" / "synthetic_9.yaml"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SYNTHETIC_9)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--first", type=int, default=100_000, help="first candidate's index")
    parser.add_argument(
        "--every",
        type=int,
        default=1,
        help="take every Nth candidate from the first (16: one per group of a knockout round)",
    )
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    spec = compile_spec(scenario)
    orderings = candidate_orderings(scenario)
    if args.every < 1:
        parser.error("--every must be at least 1")
    span = (args.candidates - 1) * args.every + 1
    first = min(args.first, max(0, len(orderings) - span))
    plans = [spec.index(o) for o in orderings[first : first + span : args.every]]
    following = common_prefixes(np.array(plans))
    world = draw_block(scenario, 42, 0)
    worlds = [Draws.of(world, r) for r in range(args.replications)]

    def run(shared: bool) -> None:
        for draws in worlds:
            checkpoints = Checkpoints(draws) if shared else None
            for k, plan in enumerate(plans):
                if checkpoints is not None:
                    checkpoints.then(following[k])
                simulate(spec, plan, draws, checkpoints=checkpoints)

    def seconds() -> tuple[float, float]:
        """Best of five runs each way, alternating, so that slow spells hit both."""
        best = {False: float("inf"), True: float("inf")}
        for _ in range(5):
            for shared in (False, True):
                start = time.perf_counter()
                run(shared)
                best[shared] = min(best[shared], time.perf_counter() - start)
        return best[False], best[True]

    def events_per_run(shared: bool) -> float:
        count = 0
        pop = events.heappop

        def counting(queue: list[Any]) -> Any:
            nonlocal count
            count += 1
            return pop(queue)

        events.heappop = counting
        try:
            run(shared)
        finally:
            events.heappop = pop
        return count / (len(plans) * len(worlds))

    runs = len(plans) * len(worlds)
    print(
        f"{scenario.name} ({scenario.policy.mode}): {len(plans):,} candidates, every "
        f"{args.every} from {first:,}, {len(worlds)} replications each"
    )
    alone, shared = seconds()
    print(f"  from day 0:       {alone / runs * 1e6:6.0f} µs, {events_per_run(False):5.1f} events")
    print(f"  with checkpoints: {shared / runs * 1e6:6.0f} µs, {events_per_run(True):5.1f} events")
    print(f"  {alone / shared:.2f} times faster per ordering-replication")


if __name__ == "__main__":
    main()
