"""Time the what-if engine: how long after an assumption moves the flagship's ranking is
ready (server time: simulating every ordering on the session's worlds, ranking them and
the best ordering's calendar).

Moves each declared assumption of the flagship to the middle of its range (or to three
quarters of it, where the middle is the file's value), one after the other, and prints
each re-ranking's seconds and their median and worst (the first ranking, which starts
the workers, apart), then the same settings again (cached). Asserts nothing: timings on
a shared machine are noisy.

Run: `.venv/bin/python bench/bench_whatif.py [-n 200] [--executor process] [--workers 2]`.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from simulator.api.whatif import WhatIf
from simulator.executors import make_executor

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--replications", type=int, default=200)
    parser.add_argument("--executor", default="process")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    executor = make_executor(args.executor, args.workers)
    session = WhatIf(FLAGSHIP, replications=args.replications, executor=executor)
    print(
        f"{FLAGSHIP.name}: {args.replications} replications per ordering, "
        f"{executor.name} x {executor.workers}"
    )
    values: dict[str, float] = {}
    first = session.rank(values)
    print(f"  as written (starts the workers): {first.seconds:.2f} s, best {'→'.join(first.best)}")
    times = []
    for control in session.controls:
        middle = (control.low + control.high) / 2
        three_quarters = control.low + 0.75 * (control.high - control.low)
        values[control.path] = middle if middle != control.value else three_quarters
        view = session.rank(values)
        times.append(view.seconds)
        print(
            f"  {control.path} = {values[control.path]:g}: {view.seconds:.2f} s, "
            f"best {'→'.join(view.best)}"
        )
    print(f"  after a move: median {statistics.median(times):.2f} s, worst {max(times):.2f} s")
    print(f"  again (cached): {session.rank(values).seconds:.3f} s")
    session.close()


if __name__ == "__main__":
    main()
