"""Objective terms that cannot change the ranking: what `visitsim validate` warns about.

A weighted term that takes the same value under every ordering adds nothing to the
comparison, and usually means the scenario forgot what would make it move (a weight on
the final climate with nothing that changes the climate, a weight on an agenda item that
no visit can achieve). Only what the scenario itself settles is reported, from the
meaning of its fields, never from a simulation:

* an agenda item with `success: 0` and no agenda boost is never achieved (the climate
  shifts the log-odds of a chance of 0, which stay at minus infinity; the model's floor
  of 1e-9 on a chance only matters when a boost lifts it);
* `agenda_value` and `items_achieved` are 0 when no item can be achieved (or, for the
  value, none that can be achieved is worth anything);
* `precedence_cost` is 0 without a non-zero precedence cost;
* `final_climate` is the initial climate, drawn alike for every ordering, when nothing
  moves the climate: no visit gain on a visitor's track, no item gain with an item that
  can be achieved, no incident that hits the climate.

A term that is not reported may still be constant in a given scenario.
"""

from __future__ import annotations

from .schema import Scenario


def _never_achieved(scenario: Scenario) -> set[tuple[str, str]]:
    """(visitor id, item id) of the agenda items no visit can achieve."""
    boosted = {(b.visitor, b.item) for b in scenario.effects.agenda_boosts if b.logit > 0}
    return {
        (v.id, item.id)
        for v in scenario.visitors
        for item in v.agenda
        if item.success == 0 and (v.id, item.id) not in boosted
    }


def _achievable(scenario: Scenario) -> list[tuple[str, str, float]]:
    """(visitor id, item id, value) of every agenda item some visit can achieve."""
    never = _never_achieved(scenario)
    return [
        (v.id, item.id, item.value)
        for v in scenario.visitors
        for item in v.agenda
        if (v.id, item.id) not in never
    ]


def _climate_moves(scenario: Scenario) -> bool:
    """Whether anything in the scenario can change the climate after its initial draw."""
    climate, shocks = scenario.climate, scenario.shocks
    visits = any(climate.visit_gain.get(v.track, 0.0) != 0 for v in scenario.visitors)
    items = climate.item_gain != 0 and bool(_achievable(scenario))
    incidents = shocks.rate_per_day > 0 and shocks.climate_hit > 0 and shocks.severity.upper > 0
    return visits or items or incidents


def constant_terms(scenario: Scenario) -> list[str]:
    """One sentence per weighted objective term that is the same under every ordering,
    each starting with its field (`objective.<term>`)."""
    weighted = [term for term, weight in scenario.objective.items() if weight != 0]
    achievable = _achievable(scenario)
    never = {
        f"item.{v}.{item}": f"agenda item {item} of {v} has success 0 and no boost"
        for v, item in sorted(_never_achieved(scenario))
    }
    why: dict[str, str] = {}
    if not achievable:
        reason = (
            "no agenda item can be achieved (each has success 0 and no boost)"
            if any(v.agenda for v in scenario.visitors)
            else "no visitor has an agenda"
        )
        why["items_achieved"] = why["agenda_value"] = f"is 0 in every replication: {reason}"
    elif not any(value > 0 for _, _, value in achievable):
        why["agenda_value"] = (
            "is 0 in every replication: every agenda item that can be achieved has value 0"
        )
    if not any(p.cost != 0 for p in scenario.effects.precedence_costs):
        why["precedence_cost"] = (
            "is 0 in every replication: effects.precedence_costs has no non-zero cost"
        )
    if not _climate_moves(scenario):
        initial = scenario.climate.initial
        value = (
            f"{initial.lower:g} in every replication"
            if initial.lower == initial.upper
            else "the initial climate, drawn alike for every ordering"
        )
        why["final_climate"] = (
            f"is {value}: nothing moves the climate (no climate.visit_gain for the visitors' "
            "tracks, no climate.item_gain with an item that can be achieved, no incidents "
            "with a shocks.climate_hit)"
        )
    for metric, reason in never.items():
        why[metric] = f"is 0 in every replication: {reason}, so it is never achieved"
    return [
        f"objective.{term} {why[term]}; its weight cannot change the ranking"
        for term in weighted
        if term in why
    ]
