"""The design record of the adaptive procedures (KN, and the knockout tournament of KN
groups): what was run, what it selected and the guarantee it carries, as summary.json and
the manifest record it."""

from __future__ import annotations

from typing import Any

from ..executors import Executor
from ..experiment import (
    AdaptiveSettings,
    ExperimentResult,
    rank_orderings,
    run_adaptive,
    run_knockout,
)
from ..output.checkpoint import BlockCheckpoint
from ..scenario import Scenario
from ..stats.ranking import Ranking
from ..types import Progress


def guarantee(alpha: float, delta: float, guaranteed: bool) -> str:
    if not guaranteed:
        return (
            "The replication budget ran out before the procedure finished, so this "
            "selection carries no guarantee; a larger budget (max_replications) gives one."
        )
    return (
        f"If the best ordering's expected utility exceeds every other's by at least "
        f"δ = {delta:.4g}, the procedure selects it with probability at least {1 - alpha:.0%}; "
        "orderings within δ of the best are equally acceptable to it (the indifference "
        "zone), and it may select any of them."
    )


def adaptive_design(
    adaptive: AdaptiveSettings, delta: float, source: str, guaranteed: bool
) -> dict[str, Any]:
    """The design block both adaptive procedures share."""
    return {
        "design": "adaptive",
        "delta": delta,
        "delta_source": source,
        "alpha": adaptive.alpha,
        "n0": adaptive.n0,
        "batch": adaptive.batch,
        "max_replications": adaptive.max_replications,
        "guaranteed": guaranteed,
        "guarantee": guarantee(adaptive.alpha, delta, guaranteed),
    }


def kn(
    scenario: Scenario,
    adaptive: AdaptiveSettings,
    seed: int,
    executor: Executor,
    progress: Progress | None,
    checkpoint: BlockCheckpoint,
) -> tuple[ExperimentResult, Ranking, dict[str, Any]]:
    """KN over every candidate, ranked on the replications each one got."""
    outcome = run_adaptive(
        scenario, adaptive, seed=seed, executor=executor, progress=progress, checkpoint=checkpoint
    )
    result, selection = outcome.result, outcome.selection
    design = adaptive_design(adaptive, outcome.delta, outcome.delta_source, selection.guaranteed)
    design |= {
        "procedure": "KN (Kim & Nelson 2001), common random numbers",
        "selected": list(result.orderings[selection.selected]),
        "replications_total": int(result.counts.sum()),
        "rinott_total": outcome.rinott_total,
        "eliminated_at": [int(r) if r >= 0 else None for r in selection.eliminated_at],
    }
    ranking = rank_orderings(
        result.orderings,
        result.utility,
        seed=result.seed,
        counts=result.counts,
        first=selection.selected,
    )
    return result, ranking, design | {"compared_on": ranking.compared_on}


def knockout(
    scenario: Scenario,
    adaptive: AdaptiveSettings,
    seed: int,
    executor: Executor,
    progress: Progress | None,
) -> tuple[ExperimentResult, Ranking, dict[str, Any]]:
    """The knockout tournament, for more than KNOCKOUT_ABOVE candidates."""
    outcome = run_knockout(scenario, adaptive, seed=seed, executor=executor, progress=progress)
    result, tournament = outcome.result, outcome.tournament
    design = adaptive_design(adaptive, outcome.delta, outcome.delta_source, tournament.guaranteed)
    design |= {
        "procedure": (
            f"knockout tournament of KN groups of {tournament.group_size} (Zhong & Hong "
            "2022), common random numbers within each round"
        ),
        "rounds": tournament.rounds,
        "alpha_rounds": list(tournament.alpha_rounds),
        "h2_rounds": list(tournament.h2_rounds),
        "round_starts": list(tournament.round_starts),
        "final_round": [list(result.orderings[i]) for i in tournament.final_group],
        "selected": list(result.orderings[tournament.selected]),
        "replications_total": int(tournament.replications.sum()),
        "rinott_total": None,
        "eliminated_at": [
            None if r == 0 else int(n)
            for r, n in zip(tournament.eliminated_round, result.counts, strict=True)
        ],
    }
    return result, outcome.ranking, design | {"compared_on": outcome.ranking.compared_on}
