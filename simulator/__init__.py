"""visitsim: simulate candidate orderings of visits and rank them with honest statistics.

The public Python API; the `visitsim` command line calls exactly these functions.
"""

from __future__ import annotations

from .api import Run, run_scenario
from .constraints import candidate_orderings
from .errors import InputError, ScenarioError, SimulatorError
from .executors import make_executor
from .experiment import ExperimentResult, run_fixed
from .scenario import load_scenario
from .schema import Scenario
from .stats.ranking import Ranking, rank_orderings

__version__ = "0.1.0"

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
