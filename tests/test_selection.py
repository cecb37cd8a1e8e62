"""Ranking-and-selection statistics against published values and known truths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.stats.selection import (
    kn_constants,
    kn_select,
    rinott_h,
    rinott_sample_sizes,
)
from simulator.stats.synthetic import Normals, configuration
from simulator.types import IntArray


def reference_kn(data: np.ndarray, n0: int, delta: float, alpha: float) -> tuple[int, list[int]]:
    """KN one replication at a time, straight from the paper, on pre-drawn data (k, R)."""
    k = len(data)
    _, h2 = kn_constants(k, n0, alpha)
    s2 = {(i, j): np.var(data[i, :n0] - data[j, :n0], ddof=1) for i in range(k) for j in range(k)}
    alive = list(range(k))
    eliminated = [-1] * k
    r = n0
    while True:
        means = data[:, :r].mean(axis=1)
        slack = {
            (i, j): max(0.0, delta / (2 * r) * (h2 * s2[i, j] / delta**2 - r))
            for i in alive
            for j in alive
        }
        old = alive
        alive = [i for i in old if all(means[i] >= means[j] - slack[i, j] for j in old)]
        for i in set(old) - set(alive):
            eliminated[i] = r
        if len(alive) == 1:
            return alive[0], eliminated
        r += 1


@pytest.mark.parametrize(
    ("k", "confidence", "table"),
    [(10, 0.975, 4.045), (1000, 0.975, 6.057), (1000, 0.90, 5.488)],
)
def test_rinott_h_matches_bechhofer_santner_goldsman_table_2_13(
    k: int, confidence: float, table: float
) -> None:
    assert rinott_h(k, 51, 1 - confidence) == pytest.approx(table, abs=0.01)


@pytest.mark.parametrize(("k", "alpha"), [(2, 0.05), (10, 0.025), (200, 0.1)])
def test_rinott_h_tends_to_the_known_variance_constant(k: int, alpha: float) -> None:
    # As ν → ∞, χ²_ν/ν → 1 and the equation becomes Φ(h/√2)^(k−1) = 1 − α.
    limit = math.sqrt(2) * stats.norm.ppf((1 - alpha) ** (1 / (k - 1)))
    assert rinott_h(k, 100_001, alpha) == pytest.approx(limit, rel=1e-3)


@pytest.mark.parametrize(("k", "n0"), [(2, 5), (5, 20)])
def test_rinott_h_solves_its_probability_statement(k: int, n0: int) -> None:
    # h is the 1 − α quantile of max_i Z_i √(ν(1/X_i + 1/Y)): check by simulation.
    nu, draws, alpha = n0 - 1, 400_000, 0.05
    rng = np.random.default_rng(7)
    z = rng.standard_normal((draws, k - 1))
    x = rng.chisquare(nu, (draws, k - 1))
    y = rng.chisquare(nu, (draws, 1))
    statistic = (z * np.sqrt(nu * (1 / x + 1 / y))).max(axis=1)
    covered = np.mean(statistic <= rinott_h(k, n0, alpha))
    assert covered == pytest.approx(1 - alpha, abs=4 * math.sqrt(alpha * (1 - alpha) / draws))


def test_rinott_sample_sizes_follow_the_formula() -> None:
    sd = np.array([0.0, 0.5, 1.0, 3.0])
    h = rinott_h(4, 10, 0.05)
    sizes = rinott_sample_sizes(sd, 10, 0.5, 0.05)
    expected = [max(10, math.ceil((h * s / 0.5) ** 2)) for s in sd]
    assert sizes.tolist() == expected
    assert sizes[0] == 10


def test_kn_constants() -> None:
    eta, h2 = kn_constants(10, 10, 0.05)
    assert eta == pytest.approx(0.5 * ((0.1 / 9) ** (-2 / 9) - 1))
    assert h2 == pytest.approx(18 * eta)


@pytest.mark.parametrize("seed", range(5))
def test_kn_matches_the_one_at_a_time_procedure_for_every_batch_size(seed: int) -> None:
    k, n0, delta, alpha = 6, 8, 0.4, 0.1
    means = np.array([0.0, 0.1, 0.3, 0.35, 0.2, -0.5])
    data = Normals(means, 0.3, seed)(np.arange(k), 0, 4000)
    selected, eliminated = reference_kn(data, n0, delta, alpha)
    for batch in (1, 7, 50):
        selection, observations = kn_select(
            lambda s, a, b: data[s, a:b], k, n0=n0, delta=delta, alpha=alpha, batch=batch
        )
        assert selection.selected == selected
        assert selection.eliminated_at.tolist() == eliminated
        assert selection.guaranteed
        assert selection.survivors == (selected,)
        assert (selection.replications >= selection.procedure_replications).all()
        for i in range(k):
            assert np.array_equal(observations[i], data[i, : selection.replications[i]])


def test_batches_stay_aligned_and_progress_is_reported() -> None:
    calls: list[tuple[int, int]] = []
    progress: list[tuple[int, int]] = []
    sampler = Normals(configuration("slippage", 8, 0.5), 0.0, 3)

    def recording(systems: IntArray, start: int, stop: int) -> np.ndarray:
        calls.append((start, stop))
        return sampler(systems, start, stop)

    selection, _ = kn_select(
        recording,
        8,
        n0=10,
        delta=0.5,
        alpha=0.05,
        batch=25,
        on_batch=lambda total, alive: progress.append((total, alive)),
    )
    assert calls[0] == (0, 10)
    assert all(stop % 25 == 0 for _, stop in calls[1:-1])
    assert len(progress) == len(calls)
    assert progress[-1] == (selection.replications.sum(), 1)
    assert [alive for _, alive in progress] == sorted(
        (alive for _, alive in progress), reverse=True
    )


def test_identical_systems_tie_and_the_lowest_index_is_selected() -> None:
    rng = np.random.default_rng(5)
    row = rng.standard_normal(2000)
    data = np.vstack([row - 1.0, row, row, row - 0.2])
    selection, _ = kn_select(
        lambda s, a, b: data[s, a:b], 4, n0=10, delta=0.1, alpha=0.05, batch=10
    )
    assert selection.survivors == (1, 2)
    assert selection.selected == 1
    assert selection.guaranteed
    assert selection.stages == 10


def test_a_budget_stops_early_without_the_guarantee() -> None:
    k, budget = 10, 15
    sampler = Normals(configuration("slippage", k, 0.05), 0.0, 11)
    selection, observations = kn_select(
        sampler, k, n0=10, delta=0.05, alpha=0.05, batch=4, max_replications=budget
    )
    assert not selection.guaranteed
    assert selection.stages == budget
    assert selection.replications.max() == budget
    assert len(selection.survivors) > 1
    assert all(selection.eliminated_at[s] == -1 for s in selection.survivors)
    means = {s: observations[s][:budget].mean() for s in selection.survivors}
    assert selection.selected == max(means, key=means.__getitem__)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"k": 1}, "at least 2 systems"),
        ({"n0": 1}, "n0 >= 2"),
        ({"delta": 0.0}, "delta must be positive"),
        ({"delta": math.nan}, "delta must be positive"),
        ({"alpha": 0.0}, "alpha must satisfy"),
        ({"alpha": 0.75}, "alpha must satisfy"),
        ({"batch": 0}, "batch must be at least 1"),
        ({"max_replications": 5}, "max_replications must be at least n0"),
    ],
)
def test_invalid_arguments_are_rejected(arguments: dict[str, float], message: str) -> None:
    design = {"k": 4, "n0": 10, "delta": 0.5, "alpha": 0.05, "batch": 10} | arguments
    k = int(design.pop("k"))
    sampler = Normals(np.zeros(max(k, 1)), 0.0, 0)
    with pytest.raises(ValueError, match=message):
        kn_select(sampler, k, **design)  # type: ignore[arg-type]


def test_rinott_h_rejects_an_unreachable_confidence() -> None:
    with pytest.raises(ValueError, match="alpha must satisfy"):
        rinott_h(2, 10, 0.5)


def test_a_sampler_returning_the_wrong_shape_is_reported() -> None:
    with pytest.raises(ValueError, match="sampler returned shape"):
        kn_select(lambda s, a, b: np.zeros((len(s), 1)), 3, n0=5, delta=1.0, alpha=0.05, batch=5)


MACRO_REPLICATIONS = 1000


@pytest.mark.slow
@pytest.mark.parametrize("k", [10, 25])
@pytest.mark.parametrize("name", ["slippage", "monotone"])
def test_kn_attains_its_probability_of_correct_selection(k: int, name: str) -> None:
    """PCS ≥ 1 − α (less 3 binomial standard errors), with and without correlation;
    correlation (CRN) lowers the sample size."""
    n0, delta, alpha = 10, 0.5, 0.05
    means = configuration(name, k, delta)
    tolerance = 3 * math.sqrt(alpha * (1 - alpha) / MACRO_REPLICATIONS)
    totals = {}
    for rho in (0.0, 0.5):
        correct, total = 0, 0
        for macro in range(MACRO_REPLICATIONS):
            sampler = Normals(means, rho, seed=1000 * k + macro)
            selection, _ = kn_select(sampler, k, n0=n0, delta=delta, alpha=alpha, batch=10)
            correct += selection.selected == k - 1
            total += int(selection.procedure_replications.sum())
        assert correct / MACRO_REPLICATIONS >= 1 - alpha - tolerance, rho
        totals[rho] = total / MACRO_REPLICATIONS
    assert totals[0.5] < totals[0.0]
