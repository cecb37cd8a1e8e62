"""Tuning assumptions: compare orderings and variants, sweep, sensitivity, robustness.

Each function takes a scenario (or a `Base`: a scenario file resolved once, to be
re-validated at many settings of its assumptions), runs the simulations with common
random numbers and returns a frozen result, writing no files; `simulator.api` records
them in a results directory.
"""

from __future__ import annotations

from .compare import (
    compare_orderings,
    compare_variant_results,
    open_variant,
    read_run,
    run_variant,
)
from .inputs import (
    Assumption,
    Base,
    check_metrics,
    declared_assumptions,
    given_or_declared,
    parse_ordering,
    parse_param,
    parse_vary,
)
from .robustness import Robustness, run_robustness
from .sensitivity import Sensitivity, run_sensitivity
from .sweep import Sweep, run_sweep

__all__ = [
    "Assumption",
    "Base",
    "Robustness",
    "Sensitivity",
    "Sweep",
    "check_metrics",
    "compare_orderings",
    "compare_variant_results",
    "declared_assumptions",
    "given_or_declared",
    "open_variant",
    "parse_ordering",
    "parse_param",
    "parse_vary",
    "read_run",
    "run_robustness",
    "run_sensitivity",
    "run_sweep",
    "run_variant",
]
