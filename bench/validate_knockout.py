"""Validation of the knockout tournament on normal alternatives with known means.

For each configuration (slippage / monotone means, k = 1,024, 4,096 and 16,384 by
default) runs seeded macro-replications of `knockout_select` (groups of 16, the best
system last) and prints the empirical probability of correct selection with its
standard error, the mean total sample size (replications simulated, all rounds) and
the mean time per tournament. `--shuffle` places the systems in a fixed random order
(the same in every macro-replication) instead of by their means, so that groups of
consecutive systems are not groups of neighbouring means. `--split even`,
`--split geometric` or `--split kt` plays the same problems with α/R, α/2^r
(renormalised) or KT's own α/2^r (its unspent α/2^R added to round 1) per round
instead of the optimised split, to measure what the split saves and where it costs.
Asserts nothing; the statistical tests live in tests/test_tournament.py.
Run: `.venv/bin/python bench/validate_knockout.py [--macro 100] [--sizes 1024 4096]`.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

import numpy as np

from simulator.stats import tournament
from simulator.stats.synthetic import Normals, configuration
from simulator.stats.tournament import knockout_select
from simulator.streams import stream

CONFIGURATIONS = ("slippage", "monotone")
SIZES = (1_024, 4_096, 16_384)


@dataclass(frozen=True)
class Problem:
    """One validation problem: means, correlation of the CRN rows, and KN's settings."""

    name: str
    k: int
    delta: float
    alpha: float
    n0: int
    group_size: int
    rho: float
    shuffle: bool

    def means(self) -> np.ndarray:
        """The configuration's means, by system; in a fixed random order if shuffled."""
        means = configuration(self.name, self.k, self.delta)
        if self.shuffle:
            return means[stream(0, "bench:shuffle", self.k).permutation(self.k)]
        return means

    @property
    def best(self) -> int:
        return int(np.argmax(self.means()))

    def sampler(self, seed: int) -> Normals:
        """Macro-replication `seed`'s observations: world r is the same for every caller."""
        return Normals(self.means(), self.rho, seed)


@dataclass(frozen=True)
class Tally:
    """Correct selections, samples and seconds over macro-replications."""

    macro: int
    correct: int
    samples: float  # mean total samples
    seconds: float  # mean seconds per macro-replication

    @property
    def pcs(self) -> float:
        return self.correct / self.macro

    @property
    def se(self) -> float:
        return math.sqrt(self.pcs * (1 - self.pcs) / self.macro)


def splits() -> dict[str, Callable[[int, int, int, float], tuple[float, ...]]]:
    """The per-round error splits a run can be played with (`--split`)."""

    def even(k: int, group_size: int, _n0: int, alpha: float) -> tuple[float, ...]:
        rounds = tournament.tournament_rounds(k, group_size)
        return (alpha / rounds,) * rounds

    def geometric(k: int, group_size: int, _n0: int, alpha: float) -> tuple[float, ...]:
        weights = 0.5 ** np.arange(1, tournament.tournament_rounds(k, group_size) + 1)
        return tuple(float(a) for a in alpha * weights / weights.sum())

    def kt(k: int, group_size: int, _n0: int, alpha: float) -> tuple[float, ...]:
        # KT's α/2^r in every round, and the α/2^R it leaves unspent given to round 1:
        # no round's error is below KT's, so no round's h² is above it.
        errors = alpha * 0.5 ** np.arange(1, tournament.tournament_rounds(k, group_size) + 1)
        errors[0] += alpha - errors.sum()
        return tuple(float(a) for a in errors)

    return {"optimal": tournament.alpha_split, "even": even, "geometric": geometric, "kt": kt}


@contextmanager
def split_by(name: str) -> Iterator[None]:
    """Play tournaments with the split called `name` for the length of the context."""
    with mock.patch.object(tournament, "alpha_split", splits()[name]):
        yield


def run_visitsim(problem: Problem, seeds: range, batch: int) -> Tally:
    """visitsim's tournament on macro-replications `seeds` of `problem`."""
    correct = samples = 0
    seconds = 0.0
    for seed in seeds:
        sampler = problem.sampler(seed)
        started = time.perf_counter()
        tour = knockout_select(
            sampler,
            problem.k,
            n0=problem.n0,
            delta=problem.delta,
            alpha=problem.alpha,
            batch=batch,
            group_size=problem.group_size,
        )
        seconds += time.perf_counter() - started
        correct += tour.selected == problem.best
        samples += int(tour.replications.sum())
    return Tally(len(seeds), correct, samples / len(seeds), seconds / len(seeds))


def parser(description: str | None) -> argparse.ArgumentParser:
    """The options both knockout benches share."""
    options = argparse.ArgumentParser(description=description)
    options.add_argument("--macro", type=int, default=100, help="macro-replications")
    options.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="values of k")
    options.add_argument("--configurations", nargs="+", default=list(CONFIGURATIONS))
    options.add_argument("--delta", type=float, default=0.5)
    options.add_argument("--alpha", type=float, default=0.05)
    options.add_argument("--n0", type=int, default=10)
    options.add_argument("--group-size", type=int, default=16)
    options.add_argument("--rho", type=float, default=0.0, help="correlation of the CRN rows")
    options.add_argument("--batch", type=int, default=10)
    options.add_argument("--shuffle", action="store_true", help="systems in a random order")
    options.add_argument(
        "--split", choices=sorted(splits()), default="optimal", help="visitsim's split of alpha"
    )
    return options


def problems(args: argparse.Namespace) -> Iterator[Problem]:
    """The problems the options name, configuration by configuration."""
    for name in args.configurations:
        for k in args.sizes:
            yield Problem(
                name, k, args.delta, args.alpha, args.n0, args.group_size, args.rho, args.shuffle
            )


def main() -> None:
    args = parser(__doc__).parse_args()
    print(
        f"Knockout tournament validation: unit variances, rho = {args.rho}, delta = "
        f"{args.delta}, 1 - alpha = {1 - args.alpha}, n0 = {args.n0}, groups of "
        f"{args.group_size}, batch {args.batch}, {args.split} split of alpha, "
        f"{args.macro} macro-replications per row; "
        f"{'systems in a fixed random order' if args.shuffle else 'the best system is last'}."
    )
    header = (
        f"{'configuration':<13} {'k':>6} {'rounds':>6} {'alpha_1':>8} {'PCS':>6} {'(se)':>8}"
        f" {'mean samples':>13} {'seconds':>8}"
    )
    print(header)
    print("-" * len(header))
    with split_by(args.split):
        for problem in problems(args):
            first = tournament.alpha_split(problem.k, problem.group_size, problem.n0, args.alpha)
            tally = run_visitsim(problem, range(args.macro), args.batch)
            print(
                f"{problem.name:<13} {problem.k:>6} {len(first):>6} {first[0]:>8.4f}"
                f" {tally.pcs:>6.3f} {f'({tally.se:.3f})':>8} {tally.samples:>13,.0f}"
                f" {tally.seconds:>8.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
