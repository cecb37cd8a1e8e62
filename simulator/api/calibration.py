"""Calibrate the uncertain assumptions to what happened, and rank across the result.

`calibrate` takes the scenario file (a `Base`), the observations (an `Observations`
record, or an observations file to read) and one `CalibrateSettings`; checks the
assumptions, the method's settings and the observations before simulating; records
the run in one results directory (kind `calibrate`: calibration.json, the CSV files,
figures/calibrated.png, report.html) and returns a frozen `TuningRun`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import InputError, SettingError
from ..evidence.calibrate import Calibration, check_calibration, run_calibration
from ..evidence.observations import Observations
from ..evidence.targets import calibration_targets
from ..output.calibration_figures import write_calibration_figures
from ..output.calibration_files import write_calibration
from ..output.calibration_report import calibration_page
from ..scenario import Scenario
from ..tuning import Assumption, Base, parse_param
from .settings import CalibrateSettings, settings_of
from .tuning import TuningRun, as_base, record_tuning


def read_observations(observations: Observations | str | Path, scenario: Scenario) -> Observations:
    """The observations as given, or read from a file by the evidence loader."""
    if isinstance(observations, Observations):
        return observations
    try:  # the loader may be absent from this version: imported when a file is given
        from ..evidence.load import (  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
            load_observations,
        )
    except ImportError:
        raise InputError(
            f"cannot read {observations}: this version of visitsim has no observations "
            "loader; pass an Observations record to simulator.api.calibrate"
        ) from None
    loaded: Observations = load_observations(Path(observations), scenario)
    return loaded


def declared(scenario: Scenario) -> list[Assumption]:
    """The scenario's declared uncertain assumptions (its `uncertain:` block)."""
    try:  # the declaration may be absent from this version
        from ..tuning.inputs import (  # type: ignore[attr-defined, unused-ignore]  # noqa: PLC0415
            declared_assumptions,
        )
    except ImportError:
        raise SettingError(
            "give at least one {params} PATH=LOW:HIGH: this version of visitsim does not "
            "read a scenario's declared uncertain assumptions",
            setting="params",
        ) from None
    return list(declared_assumptions(scenario))


def calibrate(
    scenario: Base | str | Path,
    observations: Observations | str | Path,
    settings: CalibrateSettings | None = None,
    **fields: Any,
) -> TuningRun[Calibration]:
    """Which settings of the uncertain assumptions are consistent with the observations
    (history matching in waves), the plan's predictive calendar across them, and every
    ordering's regret and P(best) across them."""
    s = settings_of(CalibrateSettings, settings, fields)
    base = as_base(scenario)
    params = [parse_param(p) for p in s.params] if s.params else declared(base.scenario)
    options: dict[str, Any] = {
        "samples": s.samples,
        "waves": s.waves,
        "cutoff": s.cutoff,
        "rule": s.rule,
        "discrepancy": s.discrepancy,
        "ranking": s.ranking,
    }
    assumptions = check_calibration(base, params, **options)
    observed = read_observations(observations, base.scenario)
    calibration_targets(observed, base.scenario)  # checked before any simulation

    def simulate(replications: int, seed: int) -> Calibration:
        return run_calibration(
            base,
            list(assumptions),
            observed,
            replications=replications,
            seed=seed,
            executor=s.executor,
            progress=s.progress,
            **options,
        )

    record = {
        "method": "history matching",
        **options,
        "params": [a.text for a in assumptions],
        "observations": observed.source,
        "until": observed.until,
    }
    return record_tuning(
        "calibrate",
        base.scenario,
        s,
        record,
        base.overrides,
        simulate,
        write_calibration,
        write_calibration_figures,
        calibration_page,
    )
