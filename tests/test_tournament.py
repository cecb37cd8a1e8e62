"""Knockout-tournament selection: KN's decisions in one group, fresh data per round, the
split of α over the rounds, PCS, executors and progress."""

from __future__ import annotations

import itertools
import math
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from simulator.api.designs import knockout
from simulator.executors import Executor, ProcessExecutor, SerialExecutor
from simulator.experiment import AdaptiveSettings
from simulator.experiment.knockout import GROUP_SIZE
from simulator.output.ranking_text import spent_sentence
from simulator.scenario import load_scenario
from simulator.stats.selection import kn_constants, kn_select
from simulator.stats.synthetic import Normals, configuration
from simulator.stats.tournament import (
    alpha_split,
    knockout_select,
    round_sizes,
    tournament_rounds,
)
from simulator.types import IntArray

SYNTHETIC_5 = Path(__file__).parent.parent / "scenarios" / "synthetic" / "synthetic_5.yaml"


class Recording:
    """Wraps a sampler and logs every request (systems, start, stop)."""

    def __init__(self, sampler: Normals) -> None:
        self.sampler = sampler
        self.calls: list[tuple[IntArray, int, int]] = []

    def __call__(self, systems: IntArray, start: int, stop: int) -> np.ndarray:
        self.calls.append((np.array(systems), start, stop))
        return self.sampler(systems, start, stop)


def far_apart(systems: IntArray, start: int, stop: int) -> np.ndarray:
    """Means 0, 1, …, k − 1 (the last is best) plus deterministic noise of size 1e-3."""
    r = np.arange(start, stop)
    return systems[:, None] + 1e-3 * np.sin(systems[:, None] * 0.7 + r[None, :] * 1.3)


@pytest.mark.parametrize(
    ("k", "size", "rounds"),
    [(2, 2, 1), (3, 2, 2), (16, 16, 1), (17, 16, 2), (256, 16, 2), (257, 16, 3), (40_320, 16, 4)],
)
def test_rounds_reduce_k_to_one(k: int, size: int, rounds: int) -> None:
    assert tournament_rounds(k, size) == rounds


@pytest.mark.parametrize("seed", range(6))
def test_one_group_makes_exactly_kns_decisions(seed: int) -> None:
    means = configuration("monotone", 12, 0.1)
    kn, _ = kn_select(Normals(means, 0.3, seed), 12, n0=8, delta=0.5, alpha=0.1, batch=5)
    sampler = Normals(means, 0.3, seed)
    tour = knockout_select(sampler, 12, n0=8, delta=0.5, alpha=0.1, batch=5, group_size=16)
    assert tour.rounds == 1
    assert tour.alpha_rounds == (0.1,)
    assert tour.h2_rounds == (kn.h2,)
    assert tour.selected == kn.selected
    np.testing.assert_array_equal(tour.replications, kn.replications)
    assert tour.final_group == tuple(range(12))
    n = tour.final_observations.shape[1]
    assert n == kn.replications.min()
    np.testing.assert_array_equal(tour.final_observations, sampler.worlds[:, :n])


@pytest.mark.parametrize("seed", range(4))
def test_batching_does_not_change_a_decision(seed: int) -> None:
    means = configuration("monotone", 90, 0.05)
    results = [
        knockout_select(
            Normals(means, 0.5, seed), 90, n0=6, delta=0.3, alpha=0.1, batch=b, group_size=8
        )
        for b in (1, 7, 50)
    ]
    for other in results[1:]:
        assert other.selected == results[0].selected
        np.testing.assert_array_equal(other.eliminated_round, results[0].eliminated_round)
        assert other.final_group == results[0].final_group
        assert (other.replications >= results[0].replications).all()


def rounds_of(calls: list[tuple[IntArray, int, int]], starts: tuple[int, ...]) -> list[list]:
    """The sampler calls of each round: a round opens with a call at its first index."""
    opening: list[int] = []
    for start in starts:
        low = opening[-1] + 1 if opening else 0
        opening.append(next(i for i in range(low, len(calls)) if calls[i][1] == start))
    return [calls[a:b] for a, b in zip(opening, [*opening[1:], len(calls)], strict=True)]


@pytest.mark.parametrize("batch", [1, 4])
def test_every_round_uses_fresh_common_replications(batch: int) -> None:
    k, size, n0 = 70, 8, 5
    sampler = Recording(Normals(configuration("slippage", k, 0.5), 0.0, 3))
    tour = knockout_select(sampler, k, n0=n0, delta=0.5, alpha=0.05, batch=batch, group_size=size)
    assert tour.rounds == 3  # 70 → 9 → 2 → 1
    assert tour.round_starts[0] == 0
    played = rounds_of(sampler.calls, tour.round_starts)
    # A round opens with its first stage: n0 replications of all its (non-solo) systems.
    assert [len(calls[0][0]) for calls in played] == [70, 8, 2]
    assert all(calls[0][2] - calls[0][1] == n0 for calls in played)
    for calls, start, following in zip(
        played, tour.round_starts, tour.round_starts[1:], strict=False
    ):
        # One clock for every group: contiguous batches from the round's first index.
        assert all(a[2] == b[1] for a, b in itertools.pairwise(calls))
        last = max(stop for _, _, stop in calls)
        # The next round starts after the last stage this round screened: at most what
        # was simulated, exactly that when batches are single replications.
        assert start + n0 <= following <= last
        if batch == 1:
            assert following == last
    assert tour.eliminated_round[tour.selected] == 0
    assert np.count_nonzero(tour.eliminated_round == 1) == k - 9
    assert np.count_nonzero(tour.eliminated_round == 2) == 7
    assert np.count_nonzero(tour.eliminated_round == 3) == 1


def test_a_group_of_one_advances_unopposed() -> None:
    sampler = Recording(Normals(configuration("slippage", 17, 1.0), 0.0, 1))
    tour = knockout_select(sampler, 17, n0=5, delta=1.0, alpha=0.05, batch=10, group_size=16)
    first, second = rounds_of(sampler.calls, tour.round_starts)
    assert all(16 not in systems for systems, _, _ in first)
    assert tour.final_group[1] == 16
    assert tour.replications[16] == sum(
        stop - start for systems, start, stop in second if 16 in systems
    )


def test_alpha_goes_where_the_systems_play() -> None:
    tour = knockout_select(far_apart, 300, n0=5, delta=0.5, alpha=0.06, batch=8, group_size=16)
    assert tour.rounds == 3  # 300 → 19 → 2 → 1
    alphas = tour.alpha_rounds
    assert alphas == alpha_split(300, 16, 5, 0.06)
    assert sum(alphas) == pytest.approx(0.06, rel=1e-12)
    assert alphas[0] > 0.06 / 2 > alphas[1] > alphas[2]
    assert tour.h2_rounds == tuple(
        kn_constants(size, 5, a)[1] for size, a in zip((16, 16, 2), alphas, strict=True)
    )
    assert tour.selected == 299
    assert tour.guaranteed


@pytest.mark.parametrize(("k", "size", "n0"), [(300, 16, 5), (40_320, 16, 10), (90, 4, 20)])
def test_the_split_minimises_the_expected_cost(k: int, size: int, n0: int) -> None:
    """Σ_r Σ_groups s·h²(s, α_r) is KN's cost model: no other split of α costs less."""

    def cost(alphas: np.ndarray) -> float:
        return sum(
            s * kn_constants(s, n0, a)[1]
            for n, a in zip(round_sizes(k, size), alphas, strict=True)
            for s in [size] * (n // size) + ([n % size] if n % size > 1 else [])
        )

    alphas = np.array(alpha_split(k, size, n0, 0.05))
    best = cost(alphas)
    rounds = len(alphas)
    assert best < cost(np.full(rounds, 0.05 / rounds))
    geometric = 0.5 ** np.arange(1, rounds + 1)
    assert best < cost(0.05 * geometric / geometric.sum())
    rng = np.random.default_rng(0)
    for _ in range(50):  # moving error between rounds only costs more
        step = rng.normal(size=rounds) * alphas * 0.05
        assert best <= cost(alphas + step - alphas * step.sum() / alphas.sum())


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01, 0.3, 0.6, 1 / 3])
@pytest.mark.parametrize("k", [17, 300, 4_096, 40_320, 362_880])
def test_the_rounds_never_spend_more_than_alpha(k: int, alpha: float) -> None:
    split = alpha_split(k, 16, 10, alpha)
    assert math.fsum(split) <= alpha
    assert math.fsum(split) == pytest.approx(alpha, rel=1e-12)


def test_an_error_too_large_for_the_optimal_split_falls_back_to_the_even_one() -> None:
    # 18 → 2 → 1: round one plays a group of 16 and a pair, which needs α_1 < 1 − 1/2.
    assert alpha_split(18, 16, 5, 0.5)[0] == pytest.approx(0.455, abs=1e-3)
    assert alpha_split(18, 16, 5, 0.6) == pytest.approx((0.3, 0.3), rel=1e-15)
    tour = knockout_select(far_apart, 18, n0=5, delta=0.5, alpha=0.6, batch=8)
    assert tour.alpha_rounds == alpha_split(18, 16, 5, 0.6)
    assert tour.selected == 17


def test_identical_systems_select_the_lowest_index() -> None:
    def same(systems: IntArray, start: int, stop: int) -> np.ndarray:
        return np.tile(np.sin(np.arange(start, stop)), (len(systems), 1))

    tour = knockout_select(same, 40, n0=5, delta=0.5, alpha=0.05, batch=3, group_size=8)
    assert tour.selected == 0  # every group stops at n0 (S² = 0) and keeps its lowest index
    assert tour.final_group == (0, 8, 16, 24, 32)
    assert tour.round_starts == (0, 5)
    assert tour.replications[0] == 10


def test_a_budget_stops_early_without_the_guarantee() -> None:
    means = np.zeros(30)  # equal means: KN would need its maximum stage
    progress: list[tuple[int, int, int, int]] = []
    tour = knockout_select(
        Normals(means, 0.0, 2),
        30,
        n0=5,
        delta=0.1,
        alpha=0.05,
        batch=4,
        group_size=6,
        max_replications=12,
        on_batch=lambda *told: progress.append(told),
    )
    assert not tour.guaranteed
    assert tour.replications.max() <= 12 * tour.rounds
    assert progress[-1] == (int(tour.replications.sum()), 1, 2, 2)  # 30 → 5 → 1
    assert all(a[0] < b[0] and a[1] >= b[1] for a, b in itertools.pairwise(progress))
    # Every round reports, in order, and knows how many there are.
    assert sorted({told[2:] for told in progress}) == [(1, 2), (2, 2)]
    assert [told[2] for told in progress] == sorted(told[2] for told in progress)


def test_forty_thousand_candidates_in_memory_proportional_to_k_times_g() -> None:
    k = 40_320  # 8 visitors: k² pairwise state would take 13 GB
    tracemalloc.start()
    tour = knockout_select(far_apart, k, n0=10, delta=0.5, alpha=0.05, batch=10)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert tour.selected == k - 1
    assert tour.rounds == 4
    assert tour.guaranteed
    # The first-stage differences X_i − X_l (k·g·n0 values) and their variance's
    # temporaries dominate: about 200 MB, against 13 GB for k × k state.
    assert peak < 4 * (k * 16 * 10) * 8


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"k": 1}, "at least 2 systems"),
        ({"n0": 1}, "n0 >= 2"),
        ({"delta": 0.0}, "delta must be positive"),
        ({"delta": math.inf}, "delta must be positive"),
        ({"alpha": 0.0}, "alpha must satisfy"),
        ({"alpha": 0.5, "k": 2}, "alpha must satisfy"),
        ({"batch": 0}, "batch must be at least 1"),
        ({"group_size": 1}, "group_size must be at least 2"),
        ({"max_replications": 4}, "max_replications must be at least n0"),
    ],
)
def test_invalid_arguments_are_rejected(arguments: dict[str, float], message: str) -> None:
    settings: dict[str, float] = {"k": 10, "n0": 5, "delta": 0.5, "alpha": 0.05, "batch": 1}
    settings.update(arguments)
    k = int(settings.pop("k"))
    with pytest.raises(ValueError, match=message):
        knockout_select(far_apart, k, **settings)  # type: ignore[arg-type]


def test_the_uneven_split_keeps_the_probability_of_correct_selection() -> None:
    """Three rounds (32 → 8 → 2 → 1) with α = 0.2, most of it in the first round: the
    best, δ above the rest, still wins at least 80% of the time (3 standard errors)."""
    k, macro, delta, alpha = 32, 300, 0.5, 0.2
    means = configuration("slippage", k, delta)
    correct = 0
    for seed in range(macro):
        tour = knockout_select(
            Normals(means, 0.0, seed), k, n0=10, delta=delta, alpha=alpha, batch=10, group_size=4
        )
        correct += tour.selected == k - 1
    assert tour.alpha_rounds[0] > alpha / 2
    assert correct / macro >= 1 - alpha - 3 * math.sqrt(alpha * (1 - alpha) / macro)


@pytest.mark.slow
@pytest.mark.parametrize(("k", "size"), [(64, 8), (200, 16)])
@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_the_tournament_attains_its_probability_of_correct_selection(
    k: int, size: int, rho: float
) -> None:
    macro, delta, alpha = 300, 0.5, 0.05
    means = configuration("slippage", k, delta)  # the best exceeds the rest by exactly δ
    correct = sum(
        knockout_select(
            Normals(means, rho, seed), k, n0=10, delta=delta, alpha=alpha, batch=10, group_size=size
        ).selected
        == k - 1
        for seed in range(macro)
    )
    assert correct / macro >= 1 - alpha - 3 * math.sqrt(alpha * (1 - alpha) / macro)


def test_a_run_tells_the_round_it_plays_and_how_alpha_was_split() -> None:
    told: list[str] = []
    _, _, design = knockout(
        load_scenario(SYNTHETIC_5),
        AdaptiveSettings(delta=4.0, n0=10, batch=10),
        3,
        SerialExecutor(),
        lambda _done, _total, status: told.append(status),
    )
    assert told[0].startswith("(round 1 of 2: ")
    assert told[0].endswith(" of 120 orderings left)")
    assert told[-1] == "(round 2 of 2: 1 of 120 orderings left)"
    alphas = alpha_split(120, GROUP_SIZE, 10, 0.05)
    assert design["alpha_rounds"] == list(alphas)
    # 120 orderings in 8 groups of 16 (the last of 8), then the 8 winners in one group.
    assert design["h2_rounds"] == [
        kn_constants(size, 10, a)[1] for size, a in zip((16, 8), alphas, strict=True)
    ]
    assert f"split by the orderings each round played: {alphas[0]:.3g}, " in spent_sentence(design)


@pytest.mark.parametrize(
    "executor", [SerialExecutor(), ProcessExecutor(2)], ids=["serial", "process"]
)
def test_an_executor_splits_the_sampler_and_changes_nothing(executor: Executor) -> None:
    means = configuration("monotone", 90, 0.05)
    settings = {"n0": 6, "delta": 0.3, "alpha": 0.1, "batch": 7, "group_size": 8}
    alone = knockout_select(Normals(means, 0.5, 4), 90, **settings)  # type: ignore[arg-type]
    split = knockout_select(Normals(means, 0.5, 4), 90, executor=executor, **settings)  # type: ignore[arg-type]
    assert alone.rounds == 3
    for name in ("selected", "alpha_rounds", "h2_rounds", "final_group", "round_starts"):
        assert getattr(split, name) == getattr(alone, name)
    for name in ("eliminated_round", "replications", "final_observations"):
        assert getattr(split, name).tobytes() == getattr(alone, name).tobytes()
