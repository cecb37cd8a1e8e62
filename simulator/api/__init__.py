"""The Python API: every command's lifecycle, callable from a notebook.

Each function takes a scenario (a loaded `Scenario`, or for the tuning commands the
scenario file) and one frozen settings record, records its results in one results
directory, and returns a frozen result. The command line only parses options into these
records and prints what comes back.
"""

from __future__ import annotations

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
