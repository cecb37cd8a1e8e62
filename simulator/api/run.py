"""Run a scenario: simulate its candidate orderings, rank them, record the run; resume it.

`run_scenario` takes a scenario and one `RunSettings` record, resolves the design once,
records the run in one results directory (`RunDirectory`: manifest, atomic writes,
interruption, resume) and returns a frozen `Run`.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..executors import Executor
from ..experiment import (
    KNOCKOUT_ABOVE,
    AdaptiveSettings,
    ExperimentResult,
    check_adaptive,
    check_memory,
    keeps_every_replication,
    replication_text,
    resolve_design,
    run_fixed,
)
from ..output.calendar import Calendar, run_calendar
from ..output.rundir import RunDirectory, exclusive, package_versions
from ..output.runfiles import RunFiles
from ..output.tables import ordering_arrows
from ..scenario import Scenario, candidate_orderings, load_scenario, metric_names, scenario_hash
from ..stats.ranking import Ranking
from ..tuning.inputs import parse_ordering
from ..types import Ordering, OrderingLike, Progress
from .designs import kn, knockout
from .settings import RunSettings, settings_of


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

    def calendars(self, orderings: Sequence[OrderingLike | None]) -> list[Calendar]:
        """The calendars of `orderings` (None: the top-ranked one), each once, in the
        order asked."""
        found: dict[Ordering, Calendar] = {}
        for ordering in orderings:
            try:
                calendar = self.calendar(ordering)
            except InputError as error:
                raise InputError(f"{error}; the run is in {self.directory}") from None
            found.setdefault(calendar.ordering, calendar)
        return list(found.values())

    def __repr__(self) -> str:
        k = self.ranking.order[0]
        return (
            f"<Run {self.result.scenario.name}: {self.design['design']} design, "
            f"{replication_text(self.result.counts)}, seed {self.result.seed}; best "
            f"{'→'.join(self.ranking.best)} (P(best) {self.ranking.p_best[k]:.2f}); "
            f"{self.directory}>"
        )


def check_calendars(scenario: Scenario, orderings: Sequence[OrderingLike | None]) -> None:
    """Check the orderings whose calendars are wanted (None: the top-ranked one) before
    a run, so that a typo does not cost a finished run's output."""
    for ordering in orderings:
        if ordering is not None:
            parse_ordering(ordering, scenario, "calendars")


def run_scenario(scenario: Scenario, settings: RunSettings | None = None, **fields: Any) -> Run:
    """Run a design (fixed, or adaptive when `settings.adaptive` is given), rank, record.

    Takes a `RunSettings` record, or its fields as keywords
    (`run_scenario(s, replications=100, out=Path("results"))`). Raises `Interrupted` if
    stopped by a signal (the directory can be resumed with `resume_run`) and
    `ReplicationFailed` if a replication fails; either way the manifest records how the
    run ended and no result tables are left behind.
    """
    settings = settings_of(RunSettings, settings, fields)
    adaptive = settings.adaptive
    replications, seed, orderings = resolve_design(
        scenario,
        settings.replications,
        settings.seed,
        fixed=adaptive is None,
        keep=settings.keep_replications,
    )
    if adaptive is not None:
        check_adaptive(len(orderings), adaptive)
        if adaptive.max_replications is not None and len(orderings) <= KNOCKOUT_ABOVE:
            check_memory(len(orderings), adaptive.max_replications, 1, "max_replications")
    record: dict[str, Any] = {
        "seed": seed,
        "design": "fixed" if adaptive is None else "adaptive",
        **settings.record(),
    }
    if adaptive is None:
        record["replications"] = replications
        metrics = len(metric_names(scenario))
        record["keep_replications"] = keeps_every_replication(
            len(orderings), replications, metrics, settings.keep_replications
        )
    else:
        record["adaptive"] = {
            "delta": adaptive.delta,
            "alpha": adaptive.alpha,
            "n0": adaptive.n0,
            "batch": adaptive.batch,
            "max_replications": adaptive.max_replications,
        }
    run = RunDirectory.start(settings.out, scenario, record, list(settings.command))
    resolved = replace(
        settings,
        replications=replications,
        seed=seed,
        keep_replications=record.get("keep_replications", True),
    )
    with exclusive(run.path):
        return _execute(run, scenario, resolved)


def recorded_settings(run: RunDirectory) -> RunSettings:
    """The design, seed and whether replications are kept, as the run's manifest records
    them (where it ran is not part of them)."""
    manifest = run.manifest
    try:
        seed = int(manifest["seed"])
        if manifest["design"] == "adaptive":
            return RunSettings(seed=seed, adaptive=AdaptiveSettings(**manifest["adaptive"]))
        keep = bool(manifest.get("keep_replications", True))
        replications = int(manifest["replications"])
        return RunSettings(replications=replications, seed=seed, keep_replications=keep)
    except (KeyError, TypeError, ValueError) as error:
        raise InputError(
            f"{run.path / 'manifest.json'}: cannot read the run's design ({error!r})"
        ) from None


def scenario_of(run: RunDirectory) -> Scenario:
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
    command: tuple[str, ...] = (),
    progress: Progress | None = None,
) -> Run:
    """Continue a run that was interrupted (or failed, or killed) from its checkpoint.

    The run's own scenario and settings are read from its directory; only where it runs
    (`executor`), the `command` recorded and the `progress` callback are new. Work items
    saved in the run's `checkpoint/` are reused and the rest are simulated, so the
    result tables are byte-identical to those of an uninterrupted run. Refuses a
    complete run, a run another process is writing, a run made with other package
    versions, and a checkpoint holding a file the run did not write (naming it).
    """
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
        scenario = scenario_of(run)
        recorded = recorded_settings(run)
        replications, seed, _ = resolve_design(
            scenario,
            recorded.replications,
            recorded.seed,
            fixed=recorded.adaptive is None,
            keep=recorded.keep_replications,
        )
        settings = replace(
            recorded,
            replications=replications,
            seed=seed,
            executor=executor,
            progress=progress,
            command=command,
        )
        run.checkpoint.verify()
        runner = settings.runner()
        run.reopen(list(command), runner.name, runner.workers)
        return _execute(run, scenario, settings)


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


def _execute(run: RunDirectory, scenario: Scenario, settings: RunSettings) -> Run:
    """Simulate, rank and write the results into `run`, recording how it ended.

    `settings` is resolved: its replications and seed are the run's."""
    assert settings.seed is not None
    assert settings.replications is not None
    adaptive, executor = settings.adaptive, settings.runner()
    checkpoint = run.checkpoint
    total = settings.replications if adaptive is None else None
    with run.recording(resumable=True, total=total):
        if adaptive is None:
            keep = bool(settings.keep_replications)
            result = run_fixed(
                scenario,
                replications=settings.replications,
                seed=settings.seed,
                executor=executor,
                progress=settings.progress,
                checkpoint=checkpoint,
                keep=keep,
            )
            design: dict[str, Any] = {
                "design": "fixed",
                "replications": settings.replications,
                "keep_replications": keep,
            }
            assert result.stream is not None
            ranking = result.stream.ranking(result.orderings)
        elif len(candidate_orderings(scenario)) > KNOCKOUT_ABOVE:
            result, ranking, design = knockout(
                scenario, adaptive, settings.seed, executor, settings.progress
            )
        else:
            result, ranking, design = kn(
                scenario, adaptive, settings.seed, executor, settings.progress, checkpoint
            )
        run.write_results(result, ranking, design)
    run.write_presentation()  # from the final manifest, as `visitsim report` would
    checkpoint.remove()
    return Run(run.path, result, ranking, design)
