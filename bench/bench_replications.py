"""Benchmark the replication path on a scenario (default: the flagship).

Prints, and asserts nothing (timings on shared machines are noisy):
- replications per second (a replication = one world, every ordering simulated in it)
  and ordering-replications per second, serial;
- SimPy events per ordering-replication, and the model's cost per replication divided
  by the cost of bare SimPy processing the same number of events (a plain timeout
  loop), measured in alternating chunks in the same run;
- wall time with the process executor at 1 and N workers, and the speed-up;
- peak resident memory of this process and of its workers.

Run: `make bench` or `.venv/bin/python bench/bench_replications.py [--replications N]`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import simpy

from simulator.executors import Executor, ProcessExecutor, SerialExecutor
from simulator.experiment import run_fixed
from simulator.model import Draws, compile_spec, events, simulate
from simulator.scenario import Scenario, load_scenario
from simulator.world import BLOCK_SIZE, draw_block

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"


def timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def events_per_simulation(scenario: Scenario, samples: int = 300) -> float:
    """Average number of events SimPy schedules in one ordering-replication."""
    spec = compile_spec(scenario)
    world = draw_block(scenario, 1, 0)
    plans = [tuple(range(len(spec.ids))), tuple(reversed(range(len(spec.ids))))]
    count = 0
    original = events.heappop

    def counting(queue: list[Any]) -> Any:
        nonlocal count
        count += 1
        return original(queue)

    events.heappop = counting  # the model's event loop pops every event it processes
    try:
        for r in range(samples):
            simulate(spec, plans[r % 2], Draws.of(world, r % BLOCK_SIZE))
    finally:
        events.heappop = original
    return count / samples


def cost_ratio(scenario: Scenario, events: int, rounds: int = 60, chunk: int = 40) -> tuple:
    """The model's seconds per ordering-replication, bare SimPy's for the same number of
    events, and their ratio: measured in alternating chunks and summarised by medians,
    so that the machine's slow and fast spells (common on shared machines) hit both."""
    spec = compile_spec(scenario)
    world = draw_block(scenario, 1, 0)
    draws = [Draws.of(world, r) for r in range(BLOCK_SIZE)]
    plans = [tuple(range(len(spec.ids))), tuple(reversed(range(len(spec.ids))))]

    def loop(env: simpy.Environment) -> Any:
        for _ in range(events - 2):
            yield env.timeout(1)

    def bare() -> None:
        env = simpy.Environment()
        env.process(loop(env))
        env.run()

    models, bares, ratios = [], [], []
    for i in range(rounds):
        first = i * chunk
        model = timed(
            lambda first=first: [
                simulate(spec, plans[r % 2], draws[(first + r) % BLOCK_SIZE]) for r in range(chunk)
            ]
        )
        base = timed(lambda: [bare() for _ in range(chunk)])
        models.append(model / chunk)
        bares.append(base / chunk)
        ratios.append(model / base)
    return statistics.median(models), statistics.median(bares), statistics.median(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=FLAGSHIP)
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    n = args.replications
    cores = os.cpu_count() or 1
    print(f"scenario {scenario.name}: {n} replications, {cores} cores")

    events = events_per_simulation(scenario)
    model, bare, ratio = cost_ratio(scenario, round(events))
    print(f"policy {scenario.policy.mode}; events per ordering-replication: {events:.1f}")
    print(
        f"model: {model * 1e6:.0f} µs per ordering-replication; bare SimPy with the same "
        f"events: {bare * 1e6:.0f} µs; ratio {ratio:.2f} (medians of 60 alternating chunks)"
    )

    runs: list[tuple[str, Executor]] = [
        ("serial", SerialExecutor()),
        ("process x1", ProcessExecutor(1)),
        (f"process x{cores}", ProcessExecutor(cores)),
    ]
    seconds: dict[str, float] = {}
    for label, executor in runs:
        start = time.perf_counter()
        result = run_fixed(scenario, replications=n, executor=executor)
        seconds[label] = time.perf_counter() - start
        simulations = n * len(result.orderings)
        print(
            f"{label:>12}: {seconds[label]:6.2f} s  {n / seconds[label]:8.1f} replications/s  "
            f"{simulations / seconds[label]:9.0f} ordering-replications/s"
        )
    speedup = seconds["process x1"] / seconds[f"process x{cores}"]
    print(f"speed-up with {cores} workers over 1: {speedup:.2f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {own:.0f} MiB (this process), {children:.0f} MiB (largest worker)")


if __name__ == "__main__":
    main()
