"""visitsim's knockout tournament beside PyPRS's KT procedure, on the same problems.

Both select among normal alternatives from `simulator/stats/synthetic.py` (slippage and
monotone means, unit variances, the best system last or, with `--shuffle`, all in a
fixed random order) with the same δ, α, n0 and group
size, and read the same draw for the same (system, replication): KT's sample j of
system i under common random numbers has seed (…, …, j) and gets world j of the same
`Normals` macro-replication visitsim reads. Per row: the probability of correct
selection, the mean total samples and the mean seconds of each; for KT, its elimination
rounds (α/2^r per round) alone and with its final Rinott stage.

PyPRS (with Ray) is a measuring stick, not a dependency of visitsim: install it in a
separate environment, with what `simulator.stats` needs,
`python3.11 -m venv /tmp/peer && /tmp/peer/bin/pip install -r bench/requirements-peer.txt`,
and run `PYTHONPATH=. /tmp/peer/bin/python bench/bench_knockout_kt.py --macro 10`.
Without PyPRS the bench prints visitsim's figures and how to install the peer.
KT is pure Python, one sample at a time: `--peer-macro` caps its macro-replications.
`--split kt` plays visitsim with KT's own errors per round (see validate_knockout.py).
"""

from __future__ import annotations

import importlib.util
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from validate_knockout import Problem, Tally, parser, problems, run_visitsim, split_by

from simulator.stats.synthetic import Normals

INSTALL = (
    "PyPRS is not installed here. To compare with it, in a separate environment:\n"
    "  python3.11 -m venv /tmp/peer && /tmp/peer/bin/pip install -r bench/requirements-peer.txt\n"
    "  PYTHONPATH=. /tmp/peer/bin/python bench/bench_knockout_kt.py"
)


class Draw:
    """PyPRS simulation function: sample `seed[2]` of system `args[0]`, read from `Normals`."""

    def __init__(self, means: np.ndarray, rho: float, seed: int) -> None:
        self.normals = Normals(means, rho, seed)

    def __call__(self, args: list[int], seed: list[int]) -> float:
        return float(self.normals(np.array(args[:1]), seed[2], seed[2] + 1)[0, 0])


@dataclass(frozen=True)
class PeerTally:
    """KT's correct selections, samples (elimination rounds; with the Rinott stage) and
    seconds over macro-replications."""

    tally: Tally
    rounds_samples: float


def run_kt(problem: Problem, seeds: range) -> PeerTally:
    """PyPRS's KT on macro-replications `seeds` of `problem`, one processor."""
    from PyPRS.Procedures.KT import KT  # noqa: PLC0415 - optional, in the peer's environment
    from PyPRS.SampleGen.SampleGenerate import SampleGenerate  # noqa: PLC0415

    configs: dict[str, Any] = {
        "alpha": problem.alpha,
        "delta": problem.delta,
        "n0": problem.n0,
        "g": problem.group_size,
        "Number of Processors": 1,
        # KT seeds replication 1 with (s0 + 1, s1, s2 + 1): sample j of every system in
        # the first round then has seed[2] = j, world j of the macro-replication.
        "Reference Seed": [0, 0, -1],
        "CRNs": True,
    }
    correct = samples = rounds_samples = 0
    seconds = 0.0
    for seed in seeds:
        draw = Draw(problem.means(), problem.rho, seed)
        alternatives = []
        for system in range(problem.k):
            alternative = SampleGenerate(draw)
            alternative.set_args([system])
            alternatives.append(alternative)
        started = time.perf_counter()
        results = KT(alternatives, configs, 1)
        seconds += time.perf_counter() - started
        summary = results[-1]
        correct += summary["Best Alternative"][0] == problem.best
        samples += summary["Total Sample Size"]
        rounds_samples += results[-3]["Cumulative Sample Size"]  # before the Rinott stage
    macro = len(seeds)
    return PeerTally(
        Tally(macro, correct, samples / macro, seconds / macro), rounds_samples / macro
    )


def main() -> None:
    options = parser(__doc__)
    options.add_argument("--peer-macro", type=int, default=None, help="KT's macro-replications")
    args = options.parse_args()
    peer = importlib.util.find_spec("PyPRS") is not None
    print(
        f"visitsim knockout vs PyPRS KT: unit variances, rho = {args.rho}, delta = "
        f"{args.delta}, 1 - alpha = {1 - args.alpha}, n0 = {args.n0}, groups of "
        f"{args.group_size}; visitsim {args.macro} macro-replications per row, batch "
        f"{args.batch}, {args.split} split of alpha; "
        f"{'systems in a fixed random order' if args.shuffle else 'best last'}."
    )
    if peer:
        import ray  # noqa: PLC0415 - the peer's environment only

        ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    header = f"{'configuration':<13} {'k':>6} {'visitsim PCS':>12} {'samples':>11} {'s':>6}" + (
        f" {'KT macro':>8} {'PCS':>5} {'rounds':>11} {'+ Rinott':>11} {'s':>7} {'ratio':>6}"
        if peer
        else ""
    )
    print(header)
    print("-" * len(header))
    for problem in problems(args):
        with split_by(args.split):
            ours = run_visitsim(problem, range(args.macro), args.batch)
        line = (
            f"{problem.name:<13} {problem.k:>6} {ours.pcs:>12.3f} {ours.samples:>11,.0f}"
            f" {ours.seconds:>6.2f}"
        )
        if peer:
            kt = run_kt(problem, range(min(args.macro, args.peer_macro or math.inf)))
            line += (
                f" {kt.tally.macro:>8} {kt.tally.pcs:>5.2f} {kt.rounds_samples:>11,.0f}"
                f" {kt.tally.samples:>11,.0f} {kt.tally.seconds:>7.1f}"
                f" {ours.samples / kt.rounds_samples:>6.3f}"
            )
        print(line, flush=True)
    if not peer:
        print(INSTALL)


if __name__ == "__main__":
    main()
