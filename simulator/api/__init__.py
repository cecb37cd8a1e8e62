"""The Python API: every command's lifecycle, callable from a notebook.

Each function takes a scenario (a loaded `Scenario`, or for the tuning commands the
scenario file) and one frozen settings record, records its results in one results
directory, and returns a frozen result. The command line only parses options into these
records and prints what comes back.
"""

from __future__ import annotations

from ..errors import Interrupted
from ..experiment import AdaptiveSettings
from ..scenario import load_scenario
from .reproduce import FileCheck, ModifiedResults, Reproduction, reproduce_run
from .run import Run, resume_run, run_scenario
from .settings import (
    CompareSettings,
    RobustnessSettings,
    RunSettings,
    SensitivitySettings,
    Settings,
    SweepSettings,
)

__all__ = [
    "AdaptiveSettings",
    "CompareSettings",
    "FileCheck",
    "Interrupted",
    "ModifiedResults",
    "Reproduction",
    "RobustnessSettings",
    "Run",
    "RunSettings",
    "SensitivitySettings",
    "Settings",
    "SweepSettings",
    "load_scenario",
    "reproduce_run",
    "resume_run",
    "run_scenario",
]
