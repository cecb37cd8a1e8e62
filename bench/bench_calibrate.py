"""Time `calibrate` on the flagship over three assumptions.

The observations are the made-up example record, scenarios/observations/example.yaml
(invented for illustration; not the real 2023 events: the flagship is never fitted to
what happened later). Prints the wall time, the waves' counts and the calibrated
ranges; asserts nothing (timings on a shared machine are noisy).

Run: `.venv/bin/python bench/bench_calibrate.py [--executor process] [--workers N]`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from simulator.api import calibrate, load_scenario
from simulator.evidence.load import load_observations
from simulator.executors import make_executor

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
PARAMS = (
    "gates.debt_ceiling.opens.mode=8:34",
    "host.acceptance=0.4:0.9",
    "host.preference.waiver.after.mode=8:44",
)
EXAMPLE = FLAGSHIP.parent / "observations" / "example.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executor", default="process")
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    executor = make_executor(args.executor, args.workers)
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        record = load_observations(EXAMPLE, load_scenario(FLAGSHIP))
        done = calibrate(FLAGSHIP, record, params=PARAMS, out=Path(out), executor=executor)
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
