"""The scenario's assumptions in words: the report's tables of visitors, agenda items,
gates, precedence costs and main numbers, each with its source quote.

Everything here reads the validated scenario alone, never a run's results, so the same
scenario is always described the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..scenario import Scenario, UntilGate, Visitor, WindowGate
from ..scenario.schema import Beta, Exponential, Fixed, LogNormal, Normal, Triangular, Uniform
from .gates import blocking_gates, opening_quantiles


def _g(x: float) -> str:
    """A number as written in a scenario (no trailing zeros)."""
    return f"{x:g}"


def describe_distribution(dist: Any) -> str:
    """A distribution in words, with its mean when it is not a constant."""
    if isinstance(dist, Fixed):
        return _g(dist.value)
    if isinstance(dist, Uniform):
        text = f"uniform {_g(dist.low)} to {_g(dist.high)}"
    elif isinstance(dist, Triangular):
        text = f"triangular {_g(dist.low)} / {_g(dist.mode)} / {_g(dist.high)} (low / mode / high)"
    elif isinstance(dist, Normal):
        text = f"normal, mean {_g(dist.mu)}, sd {_g(dist.sd)}"
        if dist.low is not None or dist.high is not None:
            text += f", truncated to [{_g(dist.lower)}, {_g(dist.upper)}]"
    elif isinstance(dist, LogNormal):
        text = f"lognormal, median {_g(dist.median)}, sigma {_g(dist.sigma)}"
    elif isinstance(dist, Exponential):
        text = f"exponential, mean {_g(dist.mu)}"
    elif isinstance(dist, Beta):
        text = f"beta({_g(dist.a)}, {_g(dist.b)}) on [{_g(dist.low)}, {_g(dist.high)}]"
    else:
        return str(dist)
    return f"{text}; mean {dist.mean:.3g}"


def _date(scenario: Scenario, day: float) -> str:
    return f"{scenario.start + dt.timedelta(days=day):%d %b %Y}"


def _gate_when(scenario: Scenario, gate: WindowGate | UntilGate) -> str:
    if isinstance(gate, WindowGate):
        return (
            f"no travel from day {_g(gate.start_day)} ({_date(scenario, gate.start_day)}) "
            f"until day {_g(gate.end_day)} ({_date(scenario, gate.end_day)})"
        )
    text = f"no requests until it opens: {describe_distribution(gate.opens)}"
    if gate.deadline is not None:
        text += f"; deadline day {_g(gate.deadline)} ({_date(scenario, gate.deadline)})"
    if gate.crisis is not None:
        text += (
            f"; crisis with probability {gate.crisis.probability:g}, then closed "
            f"{describe_distribution(gate.crisis.extension)} days past the deadline"
        )
    median, q95 = (float(x) for x in opening_quantiles(gate, (0.5, 0.95)))
    return text + (
        f". Median opening {_date(scenario, median)}, 95% open by {_date(scenario, q95)}."
    )


def _conditions(visitor: Visitor) -> str:
    """A visitor's declared preconditions in words (`travel: not before day 21; ...`)."""
    words = {
        "gate": "gate {} open",
        "visited": "after {}'s visit",
        "accepted": "once {} is accepted",
        "track_visited": "after a {} visit",
        "climate_at_least": "climate at least {}",
        "not_before": "not before day {}",
    }
    parts = []
    for phase in ("ask", "travel"):
        said = [
            words[c.kind].format(_g(v) if isinstance(v := getattr(c, c.kind), float) else v)
            + ("" if c.waiver is None else " (soft)")
            for c in getattr(visitor.preconditions, phase)
        ]
        if said:
            parts.append(f"{phase}: {', '.join(said)}")
    return "; ".join(parts) or "none"


def assumption_tables(scenario: Scenario) -> dict[str, Any]:
    """The scenario's key assumptions as table rows, with their source quotes."""
    visitors = [
        {
            "name": v.name,
            "role": v.role,
            "track": v.track,
            "invited": "yes" if v.invited else "no",
            "earliest": f"day {_g(v.earliest_day)} ({_date(scenario, v.earliest_day)})",
            "preparation": describe_distribution(v.preparation),
            "visit_days": describe_distribution(v.visit_days),
            "gates": ", ".join(g.id for g in blocking_gates(scenario, v)) or "none",
            "conditions": _conditions(v),
        }
        for v in scenario.visitors
    ]
    agenda = [
        {
            "visitor": v.name,
            "item": item.id,
            "value": _g(item.value),
            "success": f"{item.success:.0%}",
            "climate_weight": _g(item.climate_weight),
            "quote": item.quote,
        }
        for v in scenario.visitors
        for item in v.agenda
    ]
    gates = [
        {
            "id": g.id,
            "kind": g.kind,
            "when": _gate_when(scenario, g),
            "tracks": ", ".join(g.tracks) or "—",
            "quote": g.quote,
        }
        for g in scenario.gates
    ]
    costs = [
        {
            "earlier": scenario.visitor(p.earlier).name,
            "later": scenario.visitor(p.later).name,
            "cost": _g(p.cost),
            "quote": p.quote,
        }
        for p in scenario.effects.precedence_costs
    ]
    boosts = [
        {
            "item": f"{scenario.visitor(b.visitor).name}: {b.item}",
            "after": (
                scenario.visitor(b.after_visitor).name
                if b.after_visitor is not None
                else f"any {b.after_track} visit"
            ),
            "logit": f"{b.logit:+g}",
        }
        for b in scenario.effects.agenda_boosts
    ]
    return {
        "visitors": visitors,
        "agenda": agenda,
        "gates": gates,
        "costs": costs,
        "boosts": boosts,
        "numbers": _main_numbers(scenario),
    }


def _mapping(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:+g}" for k, v in values.items()) or "none"


def _main_numbers(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's main numbers, one line each, in words."""
    host, climate, shocks, policy = (
        scenario.host,
        scenario.climate,
        scenario.shocks,
        scenario.policy,
    )
    end = _date(scenario, scenario.horizon_days)
    preference = host.preference
    prefers = (
        "none"
        if preference.first_track is None
        else f"{preference.first_track} first: bonus {preference.bonus:+g}, "
        f"penalty {-preference.penalty:+g} (logits) until the first {preference.first_track} visit"
    )
    if preference.defer_others:
        waiver = preference.waiver
        prefers += f"; holds other tracks' visits until a {preference.first_track} visit is over"
        if waiver is not None:
            prefers += (
                f" (lets it go with chance {waiver.probability:.0%} after "
                f"{describe_distribution(waiver.after)} days)"
            )
    objective = " ".join(
        f"{'−' if w < 0 else '+'} {abs(w):g} × {metric}" for metric, w in scenario.objective.items()
    ).lstrip("+ ")
    constraints = [
        f"{c.before[0]} before {c.before[1]}"
        if c.before is not None
        else f"{c.first} first"
        if c.first is not None
        else f"{c.last} last"
        for c in scenario.constraints
    ]
    expected_shocks = shocks.rate_per_day * scenario.horizon_days
    return [
        (
            "Horizon",
            f"{_g(scenario.horizon_days)} days, {_date(scenario, 0)} to {end}",
        ),
        ("Host", host.name),
        ("Host acceptance at neutral climate", f"{host.acceptance:.0%}"),
        ("Host climate weight (logit per unit)", _g(host.climate_weight)),
        ("Host track bonus (logit)", _mapping(host.track_bonus)),
        ("Host invitation bonus (logit)", f"{host.invitation_bonus:+g}"),
        ("Host sequencing preference", prefers),
        ("Host response delay (days)", describe_distribution(host.response_delay)),
        ("Retry delay after a refusal (days)", describe_distribution(host.retry_delay)),
        ("Requests per visitor", str(host.max_attempts)),
        ("Days the host keeps between visits", _g(host.min_spacing_days)),
        ("Initial climate", describe_distribution(climate.initial)),
        ("Climate gain per visit, by track", _mapping(climate.visit_gain)),
        ("Climate gain per agenda item", f"{climate.item_gain:+g}"),
        (
            "Incidents",
            f"{shocks.rate_per_day:g} per day (about {expected_shocks:.2g} over the horizon)",
        ),
        ("Incident severity", describe_distribution(shocks.severity)),
        ("Climate loss per unit severity", _g(shocks.climate_hit)),
        ("Postponement per unit severity (days)", _g(shocks.postpone_days)),
        ("Severity that cancels a planned visit", _g(shocks.cancel_threshold)),
        ("Discount of agenda value per day", _g(scenario.effects.discount_per_day)),
        (
            "Policy",
            f"{policy.mode}, at least {_g(policy.min_gap_days)} days after a visit before the "
            "next planned one"
            + (
                f", patience {_g(policy.patience_days)} days"
                if policy.mode == "opportunistic"
                else ""
            ),
        ),
        ("Ordering constraints", ", ".join(constraints) or "none"),
        ("Objective (utility)", objective),
    ]
