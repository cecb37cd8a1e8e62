"""The scenario format: typed, validated, immutable.

These pydantic models are the only description of what a scenario file may say. The
loader turns YAML into them; everything downstream reads only these objects.
"""

from __future__ import annotations

from .distributions import (
    FAMILIES,
    Beta,
    Distribution,
    Exponential,
    Fixed,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
)
from .fields import MAX_ATTEMPTS, MAX_EXPECTED_SHOCKS, MAX_MAGNITUDE, MAX_VISITORS
from .gates import Crisis, Gate, UntilGate, WindowGate
from .host import Climate, Host, Preference, Shocks
from .metrics import (
    DAY_PREFIXES,
    OBJECTIVE_METRICS,
    RECORD_HEAD,
    item_metrics,
    metric_names,
    objective_metrics,
)
from .plan import POLICIES, AgendaBoost, Constraint, Effects, Policy, PrecedenceCost
from .scenario import Experiment, Scenario, defers, soft_conditions
from .uncertain import MAX_POINTS, Uncertain
from .visitors import CONDITION_KINDS, AgendaItem, Condition, Preconditions, Visitor, Waiver

__all__ = [
    "CONDITION_KINDS",
    "DAY_PREFIXES",
    "FAMILIES",
    "MAX_ATTEMPTS",
    "MAX_EXPECTED_SHOCKS",
    "MAX_MAGNITUDE",
    "MAX_POINTS",
    "MAX_VISITORS",
    "OBJECTIVE_METRICS",
    "POLICIES",
    "RECORD_HEAD",
    "AgendaBoost",
    "AgendaItem",
    "Beta",
    "Climate",
    "Condition",
    "Constraint",
    "Crisis",
    "Distribution",
    "Effects",
    "Experiment",
    "Exponential",
    "Fixed",
    "Gate",
    "Host",
    "LogNormal",
    "Normal",
    "Policy",
    "PrecedenceCost",
    "Preconditions",
    "Preference",
    "Scenario",
    "Shocks",
    "Triangular",
    "Uncertain",
    "Uniform",
    "UntilGate",
    "Visitor",
    "Waiver",
    "WindowGate",
    "defers",
    "item_metrics",
    "metric_names",
    "objective_metrics",
    "soft_conditions",
]
