"""The Python API: load a scenario, run it, rank it, record it; resume and reproduce runs.

The command line is a thin layer over these functions; a notebook user calls them the
same way.
"""

from __future__ import annotations

import os
import platform
import signal
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .constraints import candidate_orderings
from .errors import InputError, ReplicationFailed, SimulatorError
from .executors import Executor, SerialExecutor
from .experiment import (
    KNOCKOUT_ABOVE,
    AdaptiveSettings,
    ExperimentResult,
    check_adaptive,
    check_memory,
    keeps_every_replication,
    rank_orderings,
    replication_text,
    resolve_design,
    run_adaptive,
    run_fixed,
    run_knockout,
)
from .output.calendar import Calendar, run_calendar
from .output.files import signals_held
from .output.rundir import (
    RESULT_TABLES,
    BlockCheckpoint,
    RunDirectory,
    exclusive,
    package_versions,
    sha256_file,
    source_hash,
)
from .output.runfiles import RunFiles
from .output.tables import ordering_arrows
from .scenario import load_scenario, scenario_hash
from .schema import Scenario, metric_names
from .stats.ranking import Ranking
from .tuning.inputs import parse_ordering
from .types import OrderingLike, Progress


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM.

    Raised by the command line's signal handler (with `signum`) and re-raised by the
    API once the run directory records the stop (with `directory` and progress), so the
    same cleanup runs for both signals.
    """

    def __init__(
        self,
        signum: int = signal.SIGINT,
        directory: Path | None = None,
        completed: int | None = None,
        total: int | None = None,
    ) -> None:
        super().__init__(signum, directory, completed, total)
        self.signum = signum
        self.directory = directory
        self.completed = completed
        self.total = total

    @property
    def exit_code(self) -> int:
        """128 + the signal number: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum

    def __str__(self) -> str:
        text = f"stopped by {signal.Signals(self.signum).name}"
        if self.completed is not None:
            of = "" if self.total is None else f" of {self.total:,}"
            text += f" after {self.completed:,}{of} replications"
        return text


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
        best = ordering_arrows(self.ranking.best)
        p_best = self.ranking.p_best[self.ranking.order[0]]
        if self.design["design"] == "adaptive":
            return f"Selected: {best}. {self.design['guarantee']}"
        return f"Best by mean utility: {best} (P(best) = {p_best:.2f})."

    @cached_property
    def files(self) -> RunFiles:
        """What the run wrote, read back from its directory (once)."""
        return RunFiles.read(self.directory)

    def calendar(self, ordering: OrderingLike | None = None) -> Calendar:
        """When each visitor of `ordering` (`"a,b,c"`, `"a→b→c"` or visitor ids; None:
        the top-ranked one) asks, is accepted and visits, as dates, from the run's
        summary.json; `output.calendar.calendar_lines` prints it."""
        scenario = self.result.scenario
        chosen = None if ordering is None else parse_ordering(ordering, scenario, "ordering")
        return run_calendar(self.files, chosen)

    def __repr__(self) -> str:
        k = self.ranking.order[0]
        return (
            f"<Run {self.result.scenario.name}: {self.design['design']} design, "
            f"{replication_text(self.result.counts)}, seed {self.result.seed}; best "
            f"{'→'.join(self.ranking.best)} (P(best) {self.ranking.p_best[k]:.2f}); "
            f"{self.directory}>"
        )


def _guarantee(alpha: float, delta: float, guaranteed: bool) -> str:
    if not guaranteed:
        return (
            "The replication budget ran out before the procedure finished, so this "
            "selection carries no guarantee; raise --max-replications."
        )
    return (
        f"If the best ordering's expected utility exceeds every other's by at least "
        f"δ = {delta:.4g}, the procedure selects it with probability at least {1 - alpha:.0%}; "
        "orderings within δ of the best are equally acceptable to it (the indifference "
        "zone), and it may select any of them."
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
    keep_replications: bool | None = None,
) -> Run:
    """Run a design (fixed, or adaptive when `adaptive` is given), rank, and record it.

    `keep_replications` (fixed design) says whether every replication's record is kept
    and written to replications.csv.gz; by default, while the table stays under
    `experiment.KEEP_CELLS` numbers. The statistics are the same either way.

    Raises `Interrupted` if stopped by a signal (the directory can be resumed with
    `resume_run`) and `ReplicationFailed` if a replication fails; either way the
    manifest records how the run ended and no result tables are left behind.
    """
    executor = executor or SerialExecutor()
    replications, seed, orderings = resolve_design(
        scenario, replications, seed, fixed=adaptive is None, keep=keep_replications
    )
    if adaptive is not None:
        check_adaptive(len(orderings), adaptive)
        if adaptive.max_replications is not None and len(orderings) <= KNOCKOUT_ABOVE:
            check_memory(len(orderings), adaptive.max_replications, 1, "max_replications")
    settings: dict[str, Any] = {
        "seed": seed,
        "design": "fixed" if adaptive is None else "adaptive",
        "executor": executor.name,
        "workers": executor.workers,
    }
    if adaptive is None:
        settings["replications"] = replications
        metrics = len(metric_names(scenario))
        settings["keep_replications"] = keeps_every_replication(
            len(orderings), replications, metrics, keep_replications
        )
    else:
        settings["adaptive"] = {
            "delta": adaptive.delta,
            "alpha": adaptive.alpha,
            "n0": adaptive.n0,
            "batch": adaptive.batch,
            "max_replications": adaptive.max_replications,
        }
    run = RunDirectory.start(out, scenario, settings, command or [])
    keep = settings.get("keep_replications", True)
    with exclusive(run.path):
        return _execute(run, scenario, replications, adaptive, seed, executor, progress, keep)


def _settings(run: RunDirectory) -> tuple[int | None, AdaptiveSettings | None, int, bool]:
    """Replications (fixed design), adaptive settings, seed and whether replications
    are kept, as the manifest records them."""
    manifest = run.manifest
    try:
        seed = int(manifest["seed"])
        if manifest["design"] == "adaptive":
            return None, AdaptiveSettings(**manifest["adaptive"]), seed, True
        keep = bool(manifest.get("keep_replications", True))
        return int(manifest["replications"]), None, seed, keep
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(
            f"{run.path / 'manifest.json'}: cannot read the run's design ({error!r})"
        ) from None


def _scenario_of(run: RunDirectory) -> Scenario:
    """The run's resolved scenario, checked against the hash in its manifest."""
    scenario = load_scenario(run.path / "scenario.resolved.yaml")
    if scenario_hash(scenario) != run.manifest["scenario"].get("hash"):
        raise InputError(
            f"{run.path / 'scenario.resolved.yaml'} does not match the scenario hash in "
            "the manifest: the run directory was modified"
        )
    return scenario


def resume_run(
    directory: Path,
    *,
    executor: Executor | None = None,
    command: list[str] | None = None,
    progress: Progress | None = None,
) -> Run:
    """Continue a run that was interrupted (or failed, or killed) from its checkpoint.

    Work items saved in the run's `checkpoint/` are reused and the rest are simulated,
    so the result tables are byte-identical to those of an uninterrupted run. Refuses a
    complete run, a run another process is writing, a run made with other package
    versions, and a checkpoint holding a file the run did not write (naming it).
    """
    executor = executor or SerialExecutor()
    RunDirectory.open(directory)  # a run directory, before a lock file is made in it
    with exclusive(directory):
        run = RunDirectory.open(directory)  # as it is now that no other process writes it
        status = run.manifest["status"]
        if status == "complete":
            raise InputError(f"{directory} is complete; there is nothing to resume")
        if status == "running":
            _check_stopped(directory, run.manifest.get("process"))
        changed = _changed_versions(run.manifest)
        if changed:
            raise InputError(
                f"{directory} was started with other package versions ({changed}); resuming "
                "would mix results of different code. Start a new run instead"
            )
        scenario = _scenario_of(run)
        replications, adaptive, seed, keep = _settings(run)
        replications, seed, _ = resolve_design(
            scenario, replications, seed, fixed=adaptive is None, keep=keep
        )
        run.checkpoint.verify()
        run.reopen(command or [], executor.name, executor.workers)
        return _execute(run, scenario, replications, adaptive, seed, executor, progress, keep)


def _check_stopped(directory: Path, process: Any) -> None:
    """Refuse to resume a `running` run whose process may still be writing it."""
    if not isinstance(process, dict) or not isinstance(process.get("pid"), int):
        return
    if process.get("host") != platform.node():
        raise InputError(
            f"{directory} says it is running on host {process.get('host')!r}, and whether "
            "that process still runs cannot be checked from here; resume it there"
        )
    pid = process["pid"]
    if pid == os.getpid():
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    except PermissionError:
        pass
    raise InputError(f"{directory} is still running (process {pid}); stop it first")


def _changed_versions(manifest: dict[str, Any]) -> str:
    """Package versions that differ from the manifest's, as `numpy 1.26 -> 2.0, ...`."""
    recorded = manifest.get("versions") or {}
    current = package_versions()
    return ", ".join(
        f"{name} {recorded[name]} -> {current.get(name)}"
        for name in sorted(recorded)
        if recorded[name] != current.get(name)
    )


def _execute(
    run: RunDirectory,
    scenario: Scenario,
    replications: int,
    adaptive: AdaptiveSettings | None,
    seed: int,
    executor: Executor,
    progress: Progress | None,
    keep: bool,
) -> Run:
    """Simulate, rank and write the results into `run`, recording how it ended."""
    checkpoint = run.checkpoint
    try:
        if adaptive is None:
            result = run_fixed(
                scenario,
                replications=replications,
                seed=seed,
                executor=executor,
                progress=progress,
                checkpoint=checkpoint,
                keep=keep,
            )
            design: dict[str, Any] = {
                "design": "fixed",
                "replications": replications,
                "keep_replications": keep,
            }
            assert result.stream is not None
            ranking = result.stream.ranking(result.orderings)
        elif len(candidate_orderings(scenario)) > KNOCKOUT_ABOVE:
            result, ranking, design = _knockout(scenario, adaptive, seed, executor, progress)
        else:
            result, ranking, design = _kn(scenario, adaptive, seed, executor, progress, checkpoint)
        run.write_results(result, ranking, design)
        with signals_held():
            run.finish("complete")
        run.write_presentation()  # from the final manifest, as `visitsim report` would
    except KeyboardInterrupt as stop:
        with signals_held():
            run.discard_results()
            completed = checkpoint.completed()
            run.finish("interrupted", details={"replications_completed": completed})
        signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
        total = replications if adaptive is None else None
        raise Interrupted(signum, run.path, completed, total) from stop
    except ReplicationFailed as failure:
        with signals_held():
            run.discard_results()
            failed = {
                "ordering": None if failure.ordering is None else ",".join(failure.ordering),
                "replication": failure.replication,
                "seed": failure.seed,
                "error": failure.error,
                "replay": failure.replay,
                "traceback": failure.details,
            }
            run.finish("failed", str(failure), details={"failure": failed})
        failure.directory = run.path
        raise
    except Exception as error:
        with signals_held():
            run.discard_results()
            run.finish("failed", f"{type(error).__name__}: {error}")
        raise
    checkpoint.remove()
    return Run(run.path, result, ranking, design)


def _adaptive_design(
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
        "guarantee": _guarantee(adaptive.alpha, delta, guaranteed),
    }


def _kn(
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
    design = _adaptive_design(adaptive, outcome.delta, outcome.delta_source, selection.guaranteed)
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


def _knockout(
    scenario: Scenario,
    adaptive: AdaptiveSettings,
    seed: int,
    executor: Executor,
    progress: Progress | None,
) -> tuple[ExperimentResult, Ranking, dict[str, Any]]:
    """The knockout tournament, for more than KNOCKOUT_ABOVE candidates."""
    outcome = run_knockout(scenario, adaptive, seed=seed, executor=executor, progress=progress)
    result, tournament = outcome.result, outcome.tournament
    design = _adaptive_design(adaptive, outcome.delta, outcome.delta_source, tournament.guaranteed)
    design |= {
        "procedure": (
            f"knockout tournament of KN groups of {tournament.group_size} (Zhong & Hong "
            "2022), common random numbers within each round"
        ),
        "rounds": tournament.rounds,
        "alpha_round": tournament.alpha_round,
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


@dataclass(frozen=True)
class FileCheck:
    """One result table of a reproduction: its recorded and its new SHA-256."""

    name: str
    expected: str | None
    actual: str | None

    @property
    def same(self) -> bool:
        return self.expected is not None and self.expected == self.actual


@dataclass(frozen=True)
class Reproduction:
    """A run made again from another's manifest, and whether its tables are identical."""

    original: Path
    run: Run
    checks: tuple[FileCheck, ...]
    recorded: bool  # False: the original manifest had no hashes; its files were hashed
    changes: dict[str, tuple[Any, Any]]  # versions or source that differ: (then, now)

    @property
    def identical(self) -> bool:
        """Whether every result table, ranking.csv and summary.json included, matches."""
        names = {c.name for c in self.checks}
        return {"ranking.csv", "summary.json"} <= names and all(c.same for c in self.checks)

    def __repr__(self) -> str:
        same = sum(c.same for c in self.checks)
        verdict = "identical" if self.identical else "NOT identical"
        return (
            f"<Reproduction of {self.original}: {verdict} ({same} of {len(self.checks)} "
            f"tables match); new run {self.run.directory}>"
        )


class ModifiedResults(SimulatorError):
    """A complete run's result tables no longer match the hashes its manifest records:
    there is nothing to verify a reproduction against (exit status 1, as for any
    difference)."""


def _check_original(directory: Path, expected: dict[str, Any]) -> None:
    """Refuse an original whose result tables were changed or removed since it completed,
    naming each one."""
    problems = [
        f"its manifest records no SHA-256 of {name}"
        for name in ("ranking.csv", "summary.json")
        if name not in expected
    ]
    for name in (n for n in RESULT_TABLES if n in expected):
        path = directory / name
        try:
            same = sha256_file(path) == expected[name]
        except FileNotFoundError:
            problems.append(f"{name} is missing")
        except OSError as error:
            problems.append(f"{name} cannot be read ({error.strerror or error})")
        else:
            if not same:
                problems.append(f"{name} differs from the SHA-256 its manifest records")
    if problems:
        raise ModifiedResults(
            f"{directory} was changed after the run completed ({', '.join(problems)}), "
            "so a reproduction cannot be verified against it"
        )


def reproduce_run(
    directory: Path,
    *,
    out: Path | None = None,
    executor: Executor | None = None,
    command: list[str] | None = None,
    progress: Progress | None = None,
) -> Reproduction:
    """Run a complete run again from its manifest and resolved scenario, into a new run
    directory (under `out`, by default next to the original), and compare the SHA-256
    of every result table with the one the original manifest recorded. The original's
    tables are checked against those hashes first (`ModifiedResults` if one was changed
    or removed)."""
    original = RunDirectory.open(directory)
    status = original.manifest["status"]
    if status != "complete":
        raise InputError(
            f"{directory} did not complete (status {status}), so there are no results to "
            "verify; `visitsim run --resume` finishes an interrupted run"
        )
    scenario = _scenario_of(original)
    replications, adaptive, seed, keep = _settings(original)
    expected = original.manifest.get("sha256")
    recorded = isinstance(expected, dict)
    if recorded:
        assert isinstance(expected, dict)
        _check_original(directory, expected)
    else:
        expected = {
            name: sha256_file(directory / name)
            for name in RESULT_TABLES
            if (directory / name).is_file()
        }
    assert isinstance(expected, dict)
    again = run_scenario(
        scenario,
        replications=replications,
        adaptive=adaptive,
        seed=seed,
        executor=executor,
        out=out if out is not None else directory.parent.parent,
        command=command,
        progress=progress,
        keep_replications=keep,
    )
    actual = RunDirectory.open(again.directory).manifest.get("sha256", {})
    checks = tuple(
        FileCheck(name, expected.get(name), actual.get(name))
        for name in RESULT_TABLES
        if name in expected or name in actual
    )
    then = {**original.manifest.get("versions", {}), "source": original.manifest.get("source")}
    now = {**package_versions(), "source": source_hash()}
    changes = {k: (then.get(k), now.get(k)) for k in now if then.get(k) != now.get(k)}
    reproduction = Reproduction(directory, again, checks, recorded, changes)
    new = RunDirectory.open(again.directory)
    new.manifest["reproduces"] = {
        "run": str(directory),
        "identical": reproduction.identical,
        "differing": [c.name for c in checks if not c.same],
    }
    new.save()
    return reproduction
