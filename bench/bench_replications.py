"""Benchmark: how fast the flagship scenario simulates, serial and with worker processes.

Prints figures; asserts nothing (timings on shared machines are noisy).
Run: `make bench` or `.venv/bin/python bench/bench_replications.py [--replications N]`.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from simulator.executors import ProcessExecutor, SerialExecutor
from simulator.experiment import run_fixed
from simulator.scenario import load_scenario

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=FLAGSHIP)
    parser.add_argument("--replications", type=int, default=1000)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    executors = [SerialExecutor(), ProcessExecutor(1), ProcessExecutor(os.cpu_count() or 1)]
    print(f"scenario {scenario.name}, {args.replications} replications per ordering")
    baseline = None
    for executor in executors:
        start = time.perf_counter()
        result = run_fixed(scenario, replications=args.replications, executor=executor)
        seconds = time.perf_counter() - start
        simulations = len(result.orderings) * result.replications
        label = f"{executor.name} x{executor.workers}"
        baseline = baseline or seconds
        print(
            f"{label:>10}: {seconds:7.2f} s  {result.replications / seconds:9.1f} replications/s"
            f"  {simulations / seconds:9.0f} ordering-replications/s"
            f"  speed-up {baseline / seconds:4.2f}"
        )


if __name__ == "__main__":
    main()
