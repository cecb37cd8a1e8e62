"""The Python API: every command's lifecycle, callable from a notebook.

Each function takes a scenario (a loaded `Scenario`, or for the tuning commands the
scenario file) and one frozen settings record, records its results in one results
directory, and returns a frozen result. The command line only parses options into these
records and prints what comes back.

The names are imported from their modules on first use, so that a command that needs
one of them does not load every other command's (scipy, matplotlib).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import Interrupted, ModifiedResults
    from ..experiment import AdaptiveSettings
    from ..scenario import load_scenario
    from ..tuning import Base
    from .calibration import calibrate
    from .compare import compare_orderings, compare_variants
    from .evidence import score_forecast
    from .replan import known_as_of
    from .replay import replay
    from .report import rebuild_report
    from .reproduce import FileCheck, Reproduction, reproduce_run
    from .run import Run, check_calendars, resume_run, run_scenario
    from .settings import (
        SENSITIVITY_REPLICATIONS,
        SWEEP_REPLICATIONS,
        CalibrateSettings,
        CompareSettings,
        RobustnessSettings,
        RunSettings,
        ScoreSettings,
        SensitivitySettings,
        Settings,
        SweepSettings,
        VariantSettings,
    )
    from .tuning import TuningRun, robustness, sensitivity, sweep

_MODULES = {
    "AdaptiveSettings": "..experiment",
    "Base": "..tuning",
    "CalibrateSettings": ".settings",
    "CompareSettings": ".settings",
    "FileCheck": ".reproduce",
    "Interrupted": "..errors",
    "ModifiedResults": "..errors",
    "Reproduction": ".reproduce",
    "RobustnessSettings": ".settings",
    "Run": ".run",
    "RunSettings": ".settings",
    "SENSITIVITY_REPLICATIONS": ".settings",
    "SWEEP_REPLICATIONS": ".settings",
    "ScoreSettings": ".settings",
    "SensitivitySettings": ".settings",
    "Settings": ".settings",
    "SweepSettings": ".settings",
    "TuningRun": ".tuning",
    "VariantSettings": ".settings",
    "calibrate": ".calibration",
    "check_calendars": ".run",
    "compare_orderings": ".compare",
    "compare_variants": ".compare",
    "known_as_of": ".replan",
    "load_scenario": "..scenario",
    "rebuild_report": ".report",
    "replay": ".replay",
    "reproduce_run": ".reproduce",
    "resume_run": ".run",
    "robustness": ".tuning",
    "run_scenario": ".run",
    "score_forecast": ".evidence",
    "sensitivity": ".tuning",
    "sweep": ".tuning",
}

__all__ = [
    "SENSITIVITY_REPLICATIONS",
    "SWEEP_REPLICATIONS",
    "AdaptiveSettings",
    "Base",
    "CalibrateSettings",
    "CompareSettings",
    "FileCheck",
    "Interrupted",
    "ModifiedResults",
    "Reproduction",
    "RobustnessSettings",
    "Run",
    "RunSettings",
    "ScoreSettings",
    "SensitivitySettings",
    "Settings",
    "SweepSettings",
    "TuningRun",
    "VariantSettings",
    "calibrate",
    "check_calendars",
    "compare_orderings",
    "compare_variants",
    "known_as_of",
    "load_scenario",
    "rebuild_report",
    "replay",
    "reproduce_run",
    "resume_run",
    "robustness",
    "run_scenario",
    "score_forecast",
    "sensitivity",
    "sweep",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use, and kept: importing the
    module `replay` binds this package's `replay` to the module, which the function of
    that name must replace, as `from .replay import replay` would."""
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name], __name__), name)
    globals()[name] = value
    return value
