"""Tune assumptions: sweep a grid, screen sensitivity, rank by robustness.

Each function takes the scenario file (a `Base`: the file and its overrides, resolved
once, re-validated at every setting of its assumptions) and one settings record, checks
everything before simulating, records the run in one results directory (files, figures,
report.html) and returns a frozen `TuningRun`.

The assumptions varied are those the settings give (`varies`, `params`), else those the
scenario declares in its `uncertain:` block: all of them for sensitivity and robustness,
the first one for a sweep (whose grid is one or two assumptions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..evidence.condition import conditioning
from ..experiment import resolve_design
from ..output.robustness_report import robustness_page
from ..output.rundir import RunDirectory, exclusive
from ..output.sensitivity_report import sensitivity_page
from ..output.sweep_report import sweep_page
from ..output.tables import Document
from ..output.tuning_figures import (
    write_robustness_figures,
    write_sensitivity_figures,
    write_sweep_figures,
)
from ..output.tuning_files import (
    assumption_source,
    write_robustness,
    write_sensitivity,
    write_sweep,
)
from ..output.tuning_report import Page, write_page
from ..scenario import Scenario
from ..tuning import (
    Assumption,
    Base,
    Robustness,
    Sensitivity,
    Sweep,
    given_or_declared,
    parse_ordering,
    parse_param,
    parse_vary,
    run_robustness,
    run_sensitivity,
    run_sweep,
)
from ..tuning.robustness import check_robustness
from ..tuning.sensitivity import check_sensitivity
from ..tuning.sweep import check_sweep
from .settings import (
    RobustnessSettings,
    SensitivitySettings,
    Settings,
    SweepSettings,
    settings_of,
)

R = TypeVar("R")


@dataclass(frozen=True)
class TuningRun(Generic[R]):
    """A finished tuning command: where it was recorded, its result, and the JSON
    document its files hold (the one `--format json` prints)."""

    directory: Path
    result: R
    document: Document

    def __repr__(self) -> str:
        return f"<{type(self.result).__name__} run: {self.directory}>"


def as_base(scenario: Base | str | Path) -> Base:
    """A scenario file (without overrides), or a `Base` as given."""
    return scenario if isinstance(scenario, Base) else Base.load(scenario)


def _params(base: Base, params: tuple[str, ...]) -> list[Assumption]:
    """The `params` given (`PATH=LOW:HIGH`), else the scenario's declared assumptions
    (without their sweep grid sizes, which sampling does not use)."""
    given = [parse_param(p) for p in params]
    found = given_or_declared(given, base.scenario, "params", "PATH=LOW:HIGH")
    return [replace(a, points=None) for a in found]


def _source(assumptions: Sequence[Assumption]) -> dict[str, str]:
    """Where the manifest says the assumptions came from: the scenario's `uncertain:`
    block, or the run's settings."""
    return {"assumptions_from": assumption_source(assumptions)}


def record_tuning(
    kind: str,
    scenario: Scenario,
    settings: Settings,
    fields: dict[str, Any],
    overrides: tuple[str, ...],
    simulate: Callable[[int, int], R],
    write: Callable[[RunDirectory, R], Document],
    figures: Callable[[RunDirectory, R], object],
    page: Callable[[RunDirectory, R, Document], Page],
) -> TuningRun[R]:
    """The lifecycle every tuning command shares: resolve replications and seed, start
    the results directory, simulate (`simulate(replications, seed)`), write the files
    (`write`) and the figures, record how it ended, then draw the page."""
    replications, seed, _ = resolve_design(scenario, settings.replications, settings.seed)
    past = conditioning(scenario)
    record = {
        "seed": seed,
        "replications": replications,
        **({} if past is None else {"conditioned_on": past.summary(scenario.start)}),
        **fields,
        "overrides": list(overrides),
        **settings.record(),
    }
    directory = RunDirectory.start(
        settings.out, scenario, record, list(settings.command), kind=kind
    )
    with exclusive(directory.path), directory.recording(resumable=False):
        result = simulate(replications, seed)
        document = write(directory, result)
        figures(directory, result)
    write_page(directory, lambda: page(directory, result, document))
    return TuningRun(directory.path, result, document)


def sweep(
    scenario: Base | str | Path, settings: SweepSettings | None = None, **fields: Any
) -> TuningRun[Sweep]:
    """Rank every ordering at each point of a grid over one or two assumptions, and
    locate the tipping points where the best ordering changes."""
    s = settings_of(SweepSettings, settings, fields)
    base = as_base(scenario)
    given = [parse_vary(v) for v in s.varies]
    axes = given_or_declared(given, base.scenario, "varies", "PATH=START:STOP:N")
    if not given:
        axes = axes[:1]  # the first declared assumption: one grid is already a full run
    checked, tols = check_sweep(base, list(axes), s.tolerances)

    def simulate(replications: int, seed: int) -> Sweep:
        return run_sweep(
            base,
            list(checked),
            replications=replications,
            seed=seed,
            tolerances=tols,
            executor=s.executor,
            progress=s.progress,
        )

    record = {
        **_source(checked),
        "vary": list(s.varies) or [a.text for a in checked],
        "tolerances": list(tols),
    }
    return record_tuning(
        "sweep",
        base.scenario,
        s,
        record,
        base.overrides,
        simulate,
        write_sweep,
        write_sweep_figures,
        sweep_page,
    )


def sensitivity(
    scenario: Base | str | Path, settings: SensitivitySettings | None = None, **fields: Any
) -> TuningRun[Sensitivity]:
    """How much each assumption moves the analysed ordering's margin over the runner-up
    (by default the ordering `run_scenario` recommends), and the top orderings' means."""
    s = settings_of(SensitivitySettings, settings, fields)
    base = as_base(scenario)
    params = _params(base, s.params)
    checked, n = check_sensitivity(base, params, s.method, s.samples, s.top)
    if s.ordering is not None:
        parse_ordering(s.ordering, base.scenario, "ordering")  # checked before any simulation

    def simulate(replications: int, seed: int) -> Sensitivity:
        return run_sensitivity(
            base,
            list(checked),
            method=s.method,
            samples=n,
            top=s.top,
            ordering=s.ordering,
            replications=replications,
            seed=seed,
            executor=s.executor,
            progress=s.progress,
        )

    ordering = (
        s.ordering if s.ordering is None or isinstance(s.ordering, str) else ",".join(s.ordering)
    )
    record = {
        "method": s.method,
        "samples": n,
        "top": s.top,
        "ordering": ordering,
        **_source(checked),
        "params": list(s.params) or [a.text for a in checked],
    }
    return record_tuning(
        "sensitivity",
        base.scenario,
        s,
        record,
        base.overrides,
        simulate,
        write_sensitivity,
        write_sensitivity_figures,
        sensitivity_page,
    )


def robustness(
    scenario: Base | str | Path, settings: RobustnessSettings | None = None, **fields: Any
) -> TuningRun[Robustness]:
    """Every ordering under sampled settings of the contested assumptions: mean utility,
    worst case, regret, and how often each is best."""
    s = settings_of(RobustnessSettings, settings, fields)
    base = as_base(scenario)
    assumptions, samples = check_robustness(base, _params(base, s.params), s.samples)

    def simulate(replications: int, seed: int) -> Robustness:
        return run_robustness(
            base,
            list(assumptions),
            samples=samples,
            replications=replications,
            seed=seed,
            executor=s.executor,
            progress=s.progress,
        )

    record = {
        "samples": samples,
        **_source(assumptions),
        "params": list(s.params) or [a.text for a in assumptions],
    }
    return record_tuning(
        "robustness",
        base.scenario,
        s,
        record,
        base.overrides,
        simulate,
        write_robustness,
        write_robustness_figures,
        robustness_page,
    )
