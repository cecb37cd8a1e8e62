"""Scenarios: the only code that sees raw YAML.

A scenario file is read with line numbers (`read`, YAML 1.2 core schema, within size
limits), merged over the files it `extends`, changed by overrides (`PATH=VALUE`), and
validated by the pydantic `schema`, and its declared uncertain assumptions checked
against the result (`assumptions`); every problem becomes a `ScenarioError` naming the
file, the line, the field, the bad value and what is allowed (`messages`). Everything
downstream works on the validated, immutable `Scenario`.
"""

from __future__ import annotations

from .assumptions import CORNER_LIMIT, corners, describe, field_keys, is_number
from .constraints import candidate_orderings, is_candidate, iter_orderings
from .dump import scenario_hash, scenario_to_yaml
from .load import load_scenario, resolve_raw, validate_loaded, validate_raw
from .orderings import Orderings
from .origins import LineMap, Location
from .overrides import Override, apply_overrides, parse_override
from .schema import (
    DAY_PREFIXES,
    RECORD_HEAD,
    Condition,
    Constraint,
    Distribution,
    Experiment,
    Scenario,
    UntilGate,
    Visitor,
    Waiver,
    WindowGate,
    defers,
    metric_names,
    objective_metrics,
    soft_conditions,
)

__all__ = [
    "CORNER_LIMIT",
    "DAY_PREFIXES",
    "RECORD_HEAD",
    "Condition",
    "Constraint",
    "Distribution",
    "Experiment",
    "LineMap",
    "Location",
    "Orderings",
    "Override",
    "Scenario",
    "UntilGate",
    "Visitor",
    "Waiver",
    "WindowGate",
    "apply_overrides",
    "candidate_orderings",
    "corners",
    "defers",
    "describe",
    "field_keys",
    "is_candidate",
    "is_number",
    "iter_orderings",
    "load_scenario",
    "metric_names",
    "objective_metrics",
    "parse_override",
    "resolve_raw",
    "scenario_hash",
    "scenario_to_yaml",
    "soft_conditions",
    "validate_loaded",
    "validate_raw",
]
