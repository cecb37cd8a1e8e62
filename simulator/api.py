"""The Python API: load a scenario, run it, rank it, record it.

The command line is a thin layer over these functions; a notebook user calls them the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .executors import Executor, SerialExecutor
from .experiment import (
    AdaptiveSettings,
    ExperimentResult,
    Progress,
    check_adaptive,
    resolve_design,
    run_adaptive,
    run_fixed,
)
from .output.rundir import RunDirectory
from .schema import Scenario
from .stats.ranking import Ranking, rank_orderings


@dataclass(frozen=True)
class Run:
    """A finished run: where it was written, the records, the ranking and the design."""

    directory: Path
    result: ExperimentResult
    ranking: Ranking
    design: dict[str, Any]

    @property
    def recommendation(self) -> str:
        """One sentence: what to do, and how sure that is."""
        best = " → ".join(self.result.scenario.visitor(v).name for v in self.ranking.best)
        p_best = self.ranking.p_best[self.ranking.order[0]]
        if self.design["design"] == "adaptive":
            return f"Selected: {best}. {self.design['guarantee']}"
        return f"Best by mean utility: {best} (P(best) = {p_best:.2f})."


def _guarantee(alpha: float, delta: float, guaranteed: bool) -> str:
    if not guaranteed:
        return (
            "The replication budget ran out before the procedure finished, so this "
            "selection carries no guarantee; raise --max-replications."
        )
    return (
        f"With probability at least {1 - alpha:.0%}, the selected ordering's expected "
        f"utility is within δ = {delta:.4g} of the best ordering's."
    )


def run_scenario(
    scenario: Scenario,
    *,
    replications: int | None = None,
    adaptive: AdaptiveSettings | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    out: Path = Path("results"),
    command: list[str] | None = None,
    progress: Progress | None = None,
) -> Run:
    """Run a design (fixed, or adaptive when `adaptive` is given), rank, and record it."""
    executor = executor or SerialExecutor()
    replications, seed, orderings = resolve_design(scenario, replications, seed)
    if adaptive is not None:
        check_adaptive(len(orderings), adaptive)
    settings: dict[str, Any] = {
        "seed": seed,
        "design": "fixed" if adaptive is None else "adaptive",
        "executor": executor.name,
        "workers": executor.workers,
    }
    if adaptive is None:
        settings["replications"] = replications
    else:
        settings["adaptive"] = {
            "delta": adaptive.delta,
            "alpha": adaptive.alpha,
            "n0": adaptive.n0,
            "batch": adaptive.batch,
            "max_replications": adaptive.max_replications,
        }
    run = RunDirectory.start(out, scenario, settings, command or [])
    try:
        if adaptive is None:
            result = run_fixed(
                scenario,
                replications=replications,
                seed=seed,
                executor=executor,
                progress=progress,
            )
            design: dict[str, Any] = {"design": "fixed", "replications": replications}
            first = None
        else:
            outcome = run_adaptive(
                scenario, adaptive, seed=seed, executor=executor, progress=progress
            )
            result, selection = outcome.result, outcome.selection
            first = selection.selected
            eliminated = [int(r) if r >= 0 else None for r in selection.eliminated_at]
            design = {
                "design": "adaptive",
                "procedure": "KN (Kim & Nelson 2001), common random numbers",
                "delta": outcome.delta,
                "delta_source": outcome.delta_source,
                "alpha": adaptive.alpha,
                "n0": adaptive.n0,
                "batch": adaptive.batch,
                "max_replications": adaptive.max_replications,
                "guaranteed": selection.guaranteed,
                "guarantee": _guarantee(adaptive.alpha, outcome.delta, selection.guaranteed),
                "selected": list(result.orderings[selection.selected]),
                "replications_total": int(result.counts.sum()),
                "rinott_total": outcome.rinott_total,
                "eliminated_at": eliminated,
            }
        ranking = rank_orderings(
            result.orderings,
            result.metric("utility"),
            seed=result.seed,
            counts=result.counts,
            first=first,
        )
        run.write_results(result, ranking, design)
    except KeyboardInterrupt:
        run.finish("interrupted")
        raise
    except Exception as error:
        run.finish("failed", f"{type(error).__name__}: {error}")
        raise
    run.finish("complete")
    return Run(run.path, result, ranking, design)
