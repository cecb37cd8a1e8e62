"""The adaptive design for thousands of orderings: a knockout tournament of KN groups.

KN over all k orderings keeps k x k pairwise state and its Bonferroni split over k - 1
rivals makes every comparison stricter as k grows (see `stats.tournament`). Above
`KNOCKOUT_ABOVE` candidates the adaptive design therefore plays Zhong & Hong's knockout
tournament instead: KN inside groups of `GROUP_SIZE`, winners advancing, α split over
the rounds (most to the first, which plays the most orderings), fresh
common-random-number replications every round. The guarantee is the
same: with probability at least 1 - α the selected ordering is the best whenever the
best leads every other by δ or more.

No replication is kept. Each ordering's records are merged into per-metric moments as
they arrive (a world simulated twice, once at the end of a round and again at the start
of the next, is counted once), and the final round's common replications rank the
orderings that reached it: P(best), SUCRA and MCB among them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..executors import Executor, SerialExecutor
from ..scenario import Scenario, metric_names
from ..stats.ranking import Ranking
from ..stats.tournament import Tournament, knockout_select
from ..types import FloatArray, IntArray, Progress
from .adaptive import AdaptiveSettings, check_adaptive, pilot_delta
from .design import resolve_design
from .ranking import rank_orderings
from .records import UTILITY, ExperimentResult, RecordStore
from .task import BlockTask

KNOCKOUT_ABOVE = 1000
"""The adaptive design plays a knockout tournament above this many candidate orderings
(KN's k x k state stays under about 100 MB up to here)."""

GROUP_SIZE = 16
"""Orderings per KN group in the tournament."""
EXTRAS = ("p_best", "sucra", "mcb_low", "mcb_high", "diff_best", "diff_best_low", "diff_best_high")
"""Statistics only the final round's orderings get (the rest: NaN)."""


@dataclass(frozen=True)
class KnockoutResult:
    """A tournament's outcome, the moments of everything it simulated, and the ranking."""

    result: ExperimentResult  # no records kept; counts are distinct replications
    tournament: Tournament
    ranking: Ranking
    delta: float
    delta_source: str


def run_knockout(
    scenario: Scenario,
    settings: AdaptiveSettings,
    *,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> KnockoutResult:
    """Select the best of many orderings by a knockout tournament (see module doc)."""
    _, seed, orderings = resolve_design(scenario, None, seed, fixed=False)
    k = len(orderings)
    check_adaptive(k, settings)
    executor = executor or SerialExecutor()
    if settings.delta is None:
        delta, source = pilot_delta(scenario, orderings, seed, settings.n0, executor)
    else:
        delta, source = settings.delta, "given"
    store = RecordStore(k, len(metric_names(scenario)), keep=0, workers=executor.workers)
    with executor.session(BlockTask(scenario, orderings, seed)) as run:

        def sampler(systems: IntArray, start: int, stop: int) -> FloatArray:
            return store.collect(run, start, stop, systems.tolist())

        def on_batch(done: int, alive: int, number: int, rounds: int) -> None:
            if progress is not None:
                progress(
                    done, None, f"(round {number} of {rounds}: {alive:,} of {k:,} orderings left)"
                )

        tournament = knockout_select(
            sampler,
            k,
            n0=settings.n0,
            delta=delta,
            alpha=settings.alpha,
            batch=settings.batch,
            group_size=GROUP_SIZE,
            max_replications=settings.max_replications,
            on_batch=on_batch,
        )
    result = store.result(scenario, orderings, seed)
    return KnockoutResult(result, tournament, _ranking(result, tournament), delta, source)


def _ranking(result: ExperimentResult, tournament: Tournament) -> Ranking:
    """Every ordering with its mean over all its replications; the final round's
    orderings, ranked on their common replications, carry P(best), SUCRA, MCB
    and their differences to the selected one.

    Order: the selected ordering, the rest of the final round as ranked there, then the
    others by the round they reached (later first) and their mean.
    """
    final = list(tournament.final_group)
    winner = final.index(tournament.selected)
    last = rank_orderings(
        tuple(result.orderings[i] for i in final),
        tournament.final_observations,
        seed=result.seed,
        first=winner,
    )
    k = len(result.orderings)
    moments = result.metric_moments()
    counts = result.counts
    mean = moments.mean[:, UTILITY].copy()
    sd = moments.sd(metric=UTILITY)  # utility only: k x metrics is large
    half = (
        stats.t.ppf(0.5 + last.confidence / 2, np.maximum(counts - 1, 1))
        * sd
        / np.sqrt(np.maximum(counts, 1))
    )
    extras = {name: np.full(k, np.nan) for name in EXTRAS}
    for position, system in enumerate(final):
        for name, values in extras.items():
            values[system] = getattr(last, name)[position]
    reached = np.where(
        tournament.eliminated_round == 0, tournament.rounds + 1, tournament.eliminated_round
    )
    others = np.setdiff1d(np.arange(k), final)
    rest = others[np.lexsort((others, -mean[others], -reached[others]))].tolist()
    return Ranking(
        orderings=result.orderings,
        replications=counts,
        mean=mean,
        sd=sd,
        ci_low=mean - half,
        ci_high=mean + half,
        rank_probabilities=None,
        order=(*(final[i] for i in last.order), *rest),
        confidence=last.confidence,
        compared_on=last.compared_on,
        **extras,
    )
