"""The whole scenario: who may visit, what blocks them, the host, and the objective.

`Scenario` validates each part with its own model, then checks the parts against each
other (`checks`) so that a bad name is reported at the field that holds it.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field, model_validator

from .checks import check_limits, check_references
from .fields import MAX_VISITORS, Identifier, Prose, Real, StrictModel
from .gates import Gate
from .host import Climate, Host, Shocks
from .observed import Observed
from .observed_checks import check_block
from .plan import Constraint, Effects, Policy
from .uncertain import Uncertain
from .visitors import Visitor, Waiver


class Experiment(StrictModel):
    """Defaults for a run; the command line can override them."""

    replications: int = Field(default=1000, ge=2, le=10_000_000)
    seed: int = Field(default=0, ge=0, lt=2**63)


class Scenario(StrictModel):
    """A whole scenario: who may visit, what blocks them, the host, and the objective."""

    name: Identifier
    description: Prose = ""
    start: dt.date
    horizon_days: float = Field(gt=0, le=3650, allow_inf_nan=False)
    visitors: tuple[Visitor, ...] = Field(min_length=1, max_length=MAX_VISITORS)
    gates: tuple[Gate, ...] = ()
    host: Host = Host()
    climate: Climate = Climate()
    shocks: Shocks = Shocks()
    effects: Effects = Effects()
    policy: Policy = Policy()
    constraints: tuple[Constraint, ...] = ()
    objective: dict[str, Real] = Field(min_length=1)
    experiment: Experiment = Experiment()
    observed: Observed | None = None
    uncertain: tuple[Uncertain, ...] = Field(default=(), max_length=100)

    @model_validator(mode="after")
    def _limits(self) -> Scenario:
        check_limits(self)
        return self

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        check_references(self)
        return self

    @model_validator(mode="after")
    def _observed(self) -> Scenario:
        if self.observed is not None:
            check_block(self.observed, self)
        return self

    def visitor(self, visitor_id: str) -> Visitor:
        """The visitor with this id."""
        for v in self.visitors:
            if v.id == visitor_id:
                return v
        raise KeyError(visitor_id)


def soft_conditions(scenario: Scenario) -> tuple[tuple[str, str, Waiver], ...]:
    """Every soft precondition as (visitor id, stream key, waiver), in the order the
    world draws them and the model reads them: by visitor, ask then travel conditions,
    then the host's deferral of that visitor. The key names the condition by visitor
    and place, never by position in an ordering."""
    out: list[tuple[str, str, Waiver]] = []
    preference = scenario.host.preference
    for v in scenario.visitors:
        for phase in ("ask", "travel"):
            for j, c in enumerate(getattr(v.preconditions, phase)):
                if c.waiver is not None:
                    out.append((v.id, f"{phase}:{j}", c.waiver))
        if defers(scenario, v) and preference.waiver is not None:
            out.append((v.id, "host_preference", preference.waiver))
    return tuple(out)


def defers(scenario: Scenario, visitor: Visitor) -> bool:
    """Whether the host holds this visitor's travel until a first-track visit is over."""
    preference = scenario.host.preference
    return preference.defer_others and visitor.track != preference.first_track
