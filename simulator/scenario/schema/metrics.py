"""The outcome record's metrics: their names, in record order, for a scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .scenario import Scenario

# Metrics the objective may weigh; per-visitor metrics are derived in `metric_names`.
RECORD_HEAD = (
    "utility",
    "agenda_value",
    "items_achieved",
    "visits_completed",
    "days_to_first_visit",
    "final_climate",
    "precedence_cost",
    "realized_equals_plan",
    "plan_order_kept",
)
"""The outcome record's leading fields, in order (the model writes them so)."""

OBJECTIVE_METRICS = RECORD_HEAD[1:-1]
"""Leading fields the objective may weigh (utility is the sum; plan_order_kept is not)."""


def item_metrics(scenario: Scenario) -> tuple[str, ...]:
    """One 0/1 metric per agenda item: `item.<visitor>.<item>`."""
    return tuple(f"item.{v.id}.{item.id}" for v in scenario.visitors for item in v.agenda)


def objective_metrics(scenario: Scenario) -> tuple[str, ...]:
    """Metrics the objective may weigh (all defined in every replication)."""
    return OBJECTIVE_METRICS + item_metrics(scenario)


DAY_PREFIXES = ("day", "request_day", "accept_day")
"""Per-visitor day metrics, in record order: the visit day (`day.<visitor>`, when the
visit starts), the first request and the first acceptance (NaN when it never happened)."""


def metric_names(scenario: Scenario) -> tuple[str, ...]:
    """Names of the outcome record's fields, in record order: `RECORD_HEAD`, the
    per-visitor days of `DAY_PREFIXES`, then the agenda items."""
    days = tuple(f"{prefix}.{v.id}" for prefix in DAY_PREFIXES for v in scenario.visitors)
    return (*RECORD_HEAD, *days, *item_metrics(scenario))
