"""visitsim: simulate candidate orderings of visits and rank them with honest statistics.

The public Python API; the `visitsim` command line calls exactly these functions. They
are imported on first use, so that `visitsim` starts (and can handle Ctrl-C) before
numpy, scipy and matplotlib have loaded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Run, run_scenario
    from .errors import InputError, ScenarioError, SimulatorError
    from .executors import make_executor
    from .experiment import ExperimentResult, rank_orderings, run_fixed
    from .scenario import Scenario, candidate_orderings, load_scenario
    from .stats.ranking import Ranking

__version__ = "0.1.0"

_MODULES = {
    "ExperimentResult": "experiment",
    "InputError": "errors",
    "Ranking": "stats.ranking",
    "Run": "api",
    "Scenario": "scenario",
    "ScenarioError": "errors",
    "SimulatorError": "errors",
    "candidate_orderings": "scenario",
    "load_scenario": "scenario",
    "make_executor": "executors",
    "rank_orderings": "experiment",
    "run_fixed": "experiment",
    "run_scenario": "api",
}

__all__ = [
    "ExperimentResult",
    "InputError",
    "Ranking",
    "Run",
    "Scenario",
    "ScenarioError",
    "SimulatorError",
    "candidate_orderings",
    "load_scenario",
    "make_executor",
    "rank_orderings",
    "run_fixed",
    "run_scenario",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use."""
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_MODULES[name]}", __name__), name)
