"""The Python API: load a scenario, run it, rank it, record it.

The command line is a thin layer over these functions; a notebook user calls them the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .executors import Executor, SerialExecutor
from .experiment import ExperimentResult, Progress, resolve_design, run_fixed
from .output.rundir import RunDirectory
from .schema import Scenario
from .stats.ranking import Ranking, rank_orderings


@dataclass(frozen=True)
class Run:
    """A finished run: where it was written, the raw results and the ranking."""

    directory: Path
    result: ExperimentResult
    ranking: Ranking


def run_scenario(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    out: Path = Path("results"),
    command: list[str] | None = None,
    progress: Progress | None = None,
) -> Run:
    """Run a fixed design of every candidate ordering, rank, and write the run directory."""
    executor = executor or SerialExecutor()
    replications, seed, _ = resolve_design(scenario, replications, seed)
    settings = {
        "seed": seed,
        "replications": replications,
        "design": "fixed",
        "executor": executor.name,
        "workers": executor.workers,
    }
    run = RunDirectory.start(out, scenario, settings, command or [])
    try:
        result = run_fixed(
            scenario,
            replications=replications,
            seed=seed,
            executor=executor,
            progress=progress,
        )
        ranking = rank_orderings(result.orderings, result.metric("utility"), seed=result.seed)
        run.write_results(result, ranking)
    except KeyboardInterrupt:
        run.finish("interrupted")
        raise
    except Exception as error:
        run.finish("failed", f"{type(error).__name__}: {error}")
        raise
    run.finish("complete")
    return Run(run.path, result, ranking)
