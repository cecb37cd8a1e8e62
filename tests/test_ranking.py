"""The ranking statistics against cases with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulator.experiment import SeededResampling, rank_orderings
from simulator.output.ranking_text import mcb_sentence
from simulator.stats.bootstrap import BROADCAST_RANKS, best_shares, bootstrap_means, rank_bounds

ORDERINGS = (("a", "b"), ("b", "a"), ("c", "d"))


def test_a_clearly_better_ordering_is_best_with_probability_one() -> None:
    rng = np.random.default_rng(1)
    utility = rng.normal(size=(3, 300)) + np.array([[0.0], [5.0], [1.0]])
    ranking = rank_orderings(ORDERINGS, utility, seed=1)
    assert ranking.best == ("b", "a")
    assert ranking.p_best.tolist() == [0.0, 1.0, 0.0]
    assert ranking.order == (1, 2, 0)


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
    first = bootstrap_means(utility, SeededResampling(9, 500))
    np.testing.assert_array_equal(first, bootstrap_means(utility, SeededResampling(9, 500)))
    np.testing.assert_allclose(first.mean(axis=0), utility.mean(axis=1), atol=0.03)
    assert best_shares(first).sum() == pytest.approx(1.0)


def test_rank_matrix_rows_and_columns_sum_to_one_and_sucra_is_extreme() -> None:
    rng = np.random.default_rng(7)
    utility = rng.normal(size=(5, 120)) + np.array([[3.0], [0.0], [0.05], [0.0], [-3.0]])
    utility[3] = utility[1]  # an exact tie, credit split between two ranks
    ranking = rank_orderings(tuple((str(i),) for i in range(5)), utility, seed=7)
    matrix = ranking.rank_probabilities
    assert matrix is not None
    np.testing.assert_allclose(matrix.sum(axis=0), 1.0)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    np.testing.assert_allclose(matrix[1], matrix[3])
    assert matrix[0, 0] == 1.0
    assert matrix[4, 4] == 1.0
    assert ranking.sucra[0] == 1.0
    assert ranking.sucra[4] == 0.0
    np.testing.assert_allclose(ranking.p_best, matrix[:, 0])
    # SUCRA from the matrix: mean of the cumulative ranking curve over ranks 1..k-1.
    cumulative = np.cumsum(matrix, axis=1)[:, :-1]
    np.testing.assert_allclose(ranking.sucra, cumulative.mean(axis=1))


def test_mcb_intervals_cover_the_true_differences_at_the_stated_rate() -> None:
    # Known means, correlated as common random numbers make them.
    mu = np.array([0.0, -0.1, -0.15, -0.3, -0.5])
    truth = np.array([m - np.max(np.delete(mu, i)) for i, m in enumerate(mu)])
    rng = np.random.default_rng(8)
    trials, covered = 400, 0
    for _ in range(trials):
        shared = rng.normal(size=60)
        utility = mu[:, None] + 0.7 * shared + 0.7 * rng.normal(size=(5, 60))
        ranking = rank_orderings(tuple((str(i),) for i in range(5)), utility, seed=0, samples=20)
        covered += bool(np.all((ranking.mcb_low <= truth) & (truth <= ranking.mcb_high)))
    se = np.sqrt(0.95 * 0.05 / trials)
    assert covered / trials >= 0.95 - 3 * se


def test_mcb_separates_a_clear_winner() -> None:
    rng = np.random.default_rng(9)
    utility = rng.normal(size=(3, 200)) + np.array([[1.0], [0.0], [-1.0]])
    ranking = rank_orderings(ORDERINGS, utility, seed=9)
    assert ranking.mcb_low[0] == 0.0  # nothing beats the winner
    assert ranking.mcb_high[0] > 0.0
    assert ranking.mcb_high[1] == 0.0  # the others are ruled out as best
    assert ranking.mcb_high[2] == 0.0


@pytest.mark.parametrize("rounding", [0.0, 3e-16])
def test_mcb_keeps_orderings_tied_for_best_in_contention(rounding: float) -> None:
    # a,b and b,a have identical outcomes in every world (up to the rounding of a sum),
    # so MCB's interval for each is [0, 0]: neither is better, and neither is ruled out.
    rng = np.random.default_rng(11)
    row = rng.normal(size=100)
    utility = np.vstack([row, row + rounding, row - 3.0])
    ranking = rank_orderings(ORDERINGS, utility, seed=11)
    assert ranking.mcb_high[0] == ranking.mcb_high[2] == 0.0
    assert sorted(ranking.contenders) == [0, 1]
    assert "1 of 3 orderings are ruled out as best; still in contention: " in mcb_sentence(ranking)
    alone = rank_orderings(ORDERINGS[:2], utility[:2], seed=11)
    assert sorted(alone.contenders) == [0, 1]
    names = ", ".join("→".join(ORDERINGS[k]) for k in alone.order)
    assert mcb_sentence(alone) == (
        f"MCB (95% simultaneous): 0 of 2 orderings are ruled out as best; still in "
        f"contention: {names}."
    )


def test_the_best_ordering_always_stays_in_contention() -> None:
    rng = np.random.default_rng(12)
    for _ in range(50):
        utility = rng.normal(size=(4, 30)) * rng.uniform(0, 2, size=(4, 1))
        utility[1] = utility[0]  # a tie, at random sometimes for best
        ranking = rank_orderings((*ORDERINGS, ("d", "c")), utility, seed=12, samples=20)
        assert ranking.order[0] in ranking.contenders


def test_unequal_counts_measure_short_orderings_against_the_reference() -> None:
    rng = np.random.default_rng(10)
    utility = rng.normal(size=(3, 400)) + np.array([[0.5], [0.0], [-2.0]])
    counts = np.array([400, 400, 25])
    padded = utility.copy()
    padded[2, 25:] = np.nan  # what an eliminated ordering's row looks like
    ranking = rank_orderings(ORDERINGS, padded, seed=10, counts=counts)
    expected = utility[0].mean() + (utility[2, :25] - utility[0, :25]).mean()
    assert ranking.mean[2] == pytest.approx(expected)
    assert ranking.mean[0] == pytest.approx(utility[0].mean())
    assert ranking.replications.tolist() == [400, 400, 25]
    assert ranking.ci_high[2] - ranking.ci_low[2] > 3 * (ranking.ci_high[0] - ranking.ci_low[0])
    assert np.isfinite(ranking.mcb_low).all()


def test_unequal_counts_compare_who_is_best_on_the_replications_all_have() -> None:
    # Orderings 1 and 2 stopped after 20 replications. P(best), SUCRA, the rank
    # probabilities and MCB are those of the 20 replications all three have; means
    # and intervals use every replication each one has.
    rng = np.random.default_rng(13)
    utility = rng.normal(size=(3, 600)) + np.array([[0.0], [-1.0], [-3.0]])
    counts = np.array([600, 20, 20])
    ranking = rank_orderings(ORDERINGS, utility, seed=13, counts=counts, first=0)
    prefix = rank_orderings(ORDERINGS, utility[:, :20], seed=13, first=0)
    assert ranking.compared_on == prefix.compared_on == 20
    for name in ("p_best", "sucra", "mcb_low", "mcb_high", "rank_probabilities"):
        np.testing.assert_array_equal(getattr(ranking, name), getattr(prefix, name))
    assert ranking.order[0] == 0
    assert ranking.mean[0] == pytest.approx(utility[0].mean())
    assert ranking.replications.tolist() == [600, 20, 20]


def test_the_paired_estimator_is_unbiased_and_sharper_under_common_random_numbers() -> None:
    # Ordering 1 stops after 30 of 300 replications; both share a strong common
    # component. Its paired estimate must centre on the truth, be tighter than its
    # own plain mean, and its interval must cover at about the stated rate.
    rng = np.random.default_rng(12)
    true = np.array([1.0, 0.8])
    counts = np.array([300, 30])
    paired, plain, covered = [], [], 0
    for _ in range(400):
        shared = 2.0 * rng.normal(size=300)
        utility = true[:, None] + shared + 0.5 * rng.normal(size=(2, 300))
        ranking = rank_orderings(ORDERINGS[:2], utility, seed=0, counts=counts, samples=10)
        paired.append(ranking.mean[1])
        plain.append(utility[1, :30].mean())
        covered += bool(ranking.ci_low[1] <= true[1] <= ranking.ci_high[1])
    assert np.mean(paired) == pytest.approx(true[1], abs=0.03)
    assert np.std(paired) < 0.5 * np.std(plain)
    assert covered / 400 >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / 400)


def test_an_ordering_can_be_pinned_first() -> None:
    rng = np.random.default_rng(11)
    utility = rng.normal(size=(3, 50)) + np.array([[0.0], [0.1], [-1.0]])
    ranking = rank_orderings(ORDERINGS, utility, seed=11, first=0)
    assert ranking.order[0] == 0


@pytest.mark.parametrize("counts", [None, np.array([200, 200, 40])])
def test_differences_to_the_best_are_paired_t_intervals_on_shared_replications(
    counts: np.ndarray | None,
) -> None:
    rng = np.random.default_rng(14)
    shared = rng.normal(size=200)
    utility = np.array([[0.0], [0.3], [-0.2]]) + shared + 0.4 * rng.normal(size=(3, 200))
    ranking = rank_orderings(ORDERINGS, utility, seed=14, counts=counts)
    best = ranking.order[0]
    assert best == 1
    assert ranking.diff_best[best] == ranking.diff_best_low[best] == ranking.diff_best_high[best]
    assert ranking.diff_best[best] == 0.0
    for i in (0, 2):
        n = 200 if counts is None else int(counts[i])
        d = utility[i, :n] - utility[best, :n]
        half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
        assert ranking.diff_best[i] == pytest.approx(d.mean(), rel=1e-9)
        assert ranking.diff_best_low[i] == pytest.approx(d.mean() - half, rel=1e-9)
        assert ranking.diff_best_high[i] == pytest.approx(d.mean() + half, rel=1e-9)
        assert ranking.diff_best_high[i] < 0  # common random numbers: clearly behind


@pytest.mark.parametrize("k", [1, 3, BROADCAST_RANKS, BROADCAST_RANKS + 1])
def test_rank_bounds_give_best_and_worst_rank_of_tied_means(k: int) -> None:
    means = np.round(np.random.default_rng(k).normal(size=(300, k)), 1)  # many ties
    low, high = rank_bounds(means)
    for row, lows, highs in zip(means, low, high, strict=True):
        for x, lo, hi in zip(row, lows, highs, strict=True):
            assert lo == np.sum(row > x)  # as many strictly better: its best rank
            assert hi == k - 1 - np.sum(row < x)  # all the tied ones ahead: its worst
