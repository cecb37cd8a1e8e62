"""Benchmark the candidates of a scenario: time and memory to build them, and the size
of their pickle (what every worker process receives).

Prints, and asserts nothing (timings on shared machines are noisy): the best of five
builds of `candidate_orderings` in seconds, the memory the result holds (tracemalloc,
on a separate build), the pickled size, and the time to read every ordering as a tuple
of ids. The default scenario is `synthetic_9` (9! = 362,880 candidates).

Run: `.venv/bin/python bench/bench_orderings.py [--scenario FILE]`.
"""

from __future__ import annotations

import argparse
import pickle
import time
import tracemalloc
from pathlib import Path

from simulator.scenario import candidate_orderings, load_scenario

SYNTHETIC_9 = (
    Path(__file__).resolve().parent.parent / "scenarios" / "synthetic" / "synthetic_9.yaml"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SYNTHETIC_9)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        candidate_orderings(scenario)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    candidates = candidate_orderings(scenario)
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pickled = len(pickle.dumps(candidates, protocol=pickle.HIGHEST_PROTOCOL))
    start = time.perf_counter()
    read = sum(1 for _ in candidates)
    reading = time.perf_counter() - start
    print(f"{type(candidates).__name__} of {len(candidates):,} candidates")
    print(f"build: {min(times):.3f} s (best of 5)")
    print(f"memory held: {held / 1e6:.1f} MB (peak while building {peak / 1e6:.1f} MB)")
    print(f"pickled: {pickled / 1e6:.1f} MB")
    print(f"reading all {read:,} as tuples of ids: {reading:.3f} s")


if __name__ == "__main__":
    main()
