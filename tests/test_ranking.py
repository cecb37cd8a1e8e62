"""The ranking statistics against cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.stats.ranking import best_shares, bootstrap_means, rank_orderings

ORDERINGS = (("a", "b"), ("b", "a"), ("c", "d"))


def test_a_clearly_better_ordering_is_best_with_probability_one() -> None:
    rng = np.random.default_rng(1)
    utility = rng.normal(size=(3, 300)) + np.array([[0.0], [5.0], [1.0]])
    ranking = rank_orderings(ORDERINGS, utility, seed=1)
    assert ranking.best == ("b", "a")
    assert ranking.p_best.tolist() == [0.0, 1.0, 0.0]
    assert ranking.order == [1, 2, 0]


def test_identical_orderings_share_the_probability_of_being_best() -> None:
    rng = np.random.default_rng(2)
    row = rng.normal(size=200)
    utility = np.vstack([row, row, row - 10])
    ranking = rank_orderings(ORDERINGS, utility, seed=2)
    assert ranking.p_best.tolist() == [0.5, 0.5, 0.0]
    assert ranking.p_best.sum() == pytest.approx(1.0)


def test_the_bootstrap_is_paired_so_common_random_numbers_sharpen_it() -> None:
    # A beats B by 0.05 in every replication, under noise of sd 1 shared by both.
    # Paired resampling sees A ahead in every bootstrap world; resampling each
    # ordering independently would not (P about 0.64 at this noise level).
    rng = np.random.default_rng(3)
    shared = rng.normal(size=200)
    utility = np.vstack([shared + 0.05, shared])
    ranking = rank_orderings(ORDERINGS[:2], utility, seed=3)
    assert ranking.p_best[0] == 1.0


def test_p_best_matches_the_normal_approximation() -> None:
    # Two independent alternatives, difference of means d with standard error s:
    # P(A has the higher mean) is about Phi(d / s).
    rng = np.random.default_rng(4)
    n = 400
    utility = rng.normal(size=(2, n))
    utility[0] += 0.1
    diff = utility[0] - utility[1]
    expected = stats.norm.cdf(diff.mean() / (diff.std(ddof=1) / np.sqrt(n)))
    ranking = rank_orderings(ORDERINGS[:2], utility, seed=4, samples=8000)
    assert ranking.p_best[0] == pytest.approx(expected, abs=0.02)


def test_confidence_intervals_cover_the_true_mean_at_the_stated_rate() -> None:
    rng = np.random.default_rng(5)
    trials, covered = 600, 0
    for _ in range(trials):
        utility = rng.exponential(2.0, size=(1, 80))
        ranking = rank_orderings(ORDERINGS[:1], utility, seed=0, samples=10)
        covered += ranking.ci_low[0] <= 2.0 <= ranking.ci_high[0]
    # Binomial tolerance: 3 standard errors around 0.95 (t-intervals are slightly
    # liberal for skewed data at n = 80, hence the one-sided slack below).
    se = np.sqrt(0.95 * 0.05 / trials)
    assert 0.95 - 4 * se <= covered / trials <= 0.95 + 3 * se


def test_bootstrap_means_are_reproducible_and_centered() -> None:
    rng = np.random.default_rng(6)
    utility = rng.normal(size=(4, 100))
    first = bootstrap_means(utility, 500, seed=9)
    np.testing.assert_array_equal(first, bootstrap_means(utility, 500, seed=9))
    np.testing.assert_allclose(first.mean(axis=0), utility.mean(axis=1), atol=0.03)
    assert best_shares(first).sum() == pytest.approx(1.0)
