"""Count the instructions one ordering-replication of a work item costs, under callgrind.

Wall time on a shared machine drifts by ±10% within an hour; instruction counts do not,
so a change to the model's hot path is measured here. The work item is a first stage of
the 9-visitor knockout tournament (consecutive candidates from index 100,000 of
`synthetic_9`, replications 0-9, the work item's own code, `BlockTask`). Callgrind
counts only while the item runs (`--instr-atstart=no`, switched on by the child), and
a run of an empty item is subtracted, so start-up and drawing the world do not count.

Prints instructions per ordering-replication; asserts nothing. Needs valgrind (Debian's
`valgrind` package). Takes about a minute and a half at the defaults.

Run: `.venv/bin/python bench/bench_instructions.py [--scenario FILE] [--candidates N]
[--replications N]`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

SYNTHETIC_9 = (
    Path(__file__).resolve().parent.parent / "scenarios" / "synthetic" / "synthetic_9.yaml"
)
FIRST = 100_000


def child(scenario: Path, candidates: int, replications: int) -> None:
    """Simulate the work item with callgrind's counting switched on around it only."""
    from simulator.experiment.task import BlockTask  # noqa: PLC0415 - the child's own work
    from simulator.scenario import candidate_orderings, load_scenario  # noqa: PLC0415

    loaded = load_scenario(scenario)
    orderings = candidate_orderings(loaded)
    first = min(FIRST, max(0, len(orderings) - max(candidates, 1)))
    task = BlockTask(loaded, orderings, 42)
    task.world(0)
    _ = task.rows, task.spec  # compiled before counting starts
    item = (0, 0, replications, tuple(range(first, first + max(candidates, 1))))
    switch_on = ["callgrind_control", "-i", "on", str(os.getpid())]
    subprocess.run(switch_on, check=True, capture_output=True)
    if candidates:
        task(item)


def instructions(scenario: Path, candidates: int, replications: int) -> int:
    """Instructions callgrind counted in a child simulating `candidates` orderings."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            "--scenario",
            str(scenario),
            "--candidates",
            str(candidates),
            "--replications",
            str(replications),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=SYNTHETIC_9)
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.scenario, args.candidates, args.replications)
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("needs valgrind (apt-get install valgrind)")
    if args.candidates < 1 or args.replications < 1:
        parser.error("--candidates and --replications must be at least 1")
    empty = instructions(args.scenario, 0, args.replications)
    full = instructions(args.scenario, args.candidates, args.replications)
    runs = args.candidates * args.replications
    print(
        f"{args.scenario.name}: {args.candidates:,} consecutive candidates from {FIRST:,}, "
        f"{args.replications} replications"
    )
    print(f"  {(full - empty) // runs:,} instructions per ordering-replication")


if __name__ == "__main__":
    main()
