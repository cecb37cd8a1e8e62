"""Time `calibrate` on the flagship over three assumptions.

The observations are the 2023 record as reported afterwards, in days from the
scenario's start (17 May 2023): the debt-ceiling law signed on 3 June (day 17), and
the visits of Blinken (18 June, day 32), Yellen (6 July, day 50), Kerry (16 July,
day 60) and Raimondo (27 August, day 102), complete up to day 110. They are built in
code, so the benchmark needs no observations file. Prints the wall time, the waves'
counts and the calibrated ranges; asserts nothing (timings on a shared machine are
noisy).

Run: `.venv/bin/python bench/bench_calibrate.py [--executor process] [--workers N]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from simulator.api import calibrate
from simulator.evidence import GateOpened, Observations, VisitorEvent
from simulator.executors import make_executor

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
PARAMS = (
    "gates.debt_ceiling.opens.mode=8:34",
    "host.acceptance=0.4:0.9",
    "host.preference.waiver.after.mode=8:44",
)
RECORD = Observations(
    (
        GateOpened(17.0, "debt_ceiling"),
        VisitorEvent(32.0, "blinken", "visited"),
        VisitorEvent(50.0, "yellen", "visited"),
        VisitorEvent(60.0, "kerry", "visited"),
        VisitorEvent(102.0, "raimondo", "visited"),
    ),
    until=110.0,
    source="the 2023 record",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", default="process")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    executor = make_executor(args.executor, args.workers)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        done = calibrate(FLAGSHIP, RECORD, params=PARAMS, out=Path(out), executor=executor)
        seconds = time.perf_counter() - start
    c = done.result
    print(
        f"calibrate {FLAGSHIP.name}, {len(PARAMS)} assumptions, {executor.name} x "
        f"{executor.workers}: {seconds:.1f} s"
    )
    for wave in done.document["waves"]:
        print(f"  wave {wave['wave']}: {wave['non_implausible']}/{wave['settings']} kept")
    for a, (lo, hi) in zip(c.assumptions, c.calibrated_box, strict=True):
        print(f"  {a.path}: {a.low:g}..{a.high:g} -> {lo:.3g}..{hi:.3g}")
    print(f"  {done.document['statement']}")


if __name__ == "__main__":
    main()
