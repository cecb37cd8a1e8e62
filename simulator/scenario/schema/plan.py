"""What depends on the order of the visits: sequence effects, how the plan is followed,
and which orderings are allowed."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator

from .fields import Identifier, NonNegative, Prose, Real, StrictModel


class AgendaBoost(StrictModel):
    """A visitor's agenda item succeeds more often after given earlier visits."""

    visitor: Identifier
    item: Identifier
    after_visitor: Identifier | None = None
    after_track: Identifier | None = None
    logit: Real = Field(description="Logit added to the item's success chance.")

    @model_validator(mode="after")
    def _one_condition(self) -> AgendaBoost:
        if (self.after_visitor is None) == (self.after_track is None):
            raise ValueError("give exactly one of after_visitor or after_track")
        return self


class PrecedenceCost(StrictModel):
    """A cost incurred when `earlier` visits while `later` has not yet visited."""

    earlier: Identifier
    later: Identifier
    cost: Real
    quote: Prose | None = None


class Effects(StrictModel):
    """Sequence effects, declared rather than coded per person."""

    agenda_boosts: tuple[AgendaBoost, ...] = ()
    precedence_costs: tuple[PrecedenceCost, ...] = ()
    discount_per_day: NonNegative = Field(
        default=0.0, description="Agenda value lands discounted by exp(-rate * day)."
    )


POLICIES = ("pipelined", "sequential", "opportunistic")


def _policy_mode(value: object) -> object:
    if value == "strict":
        raise ValueError(
            "'strict' is now called 'sequential' (the next visitor asks only after the "
            "previous visit is over; same results as before); 'pipelined' lets everyone ask "
            "and prepare at once while the plan orders the visits"
        )
    return value


class Policy(StrictModel):
    """How the plan (the ordering) is followed.

    `pipelined`: everyone asks and prepares as soon as their own preconditions allow; a
    visitor travels only after the previous planned visitor's visit is over (or that
    visitor gave up), plus `min_gap_days`. `sequential`: the next visitor asks only
    then. `opportunistic`: pipelined, but a visitor ready to travel overtakes a
    previous planned one it has waited for `patience_days`.
    """

    mode: Annotated[
        Literal["pipelined", "sequential", "opportunistic"], BeforeValidator(_policy_mode)
    ] = Field(default="pipelined", description="pipelined, sequential or opportunistic.")
    min_gap_days: NonNegative = Field(
        default=0.0, description="Days after a visit before the next planned one travels."
    )
    patience_days: NonNegative = Field(
        default=30.0, description="Opportunistic: days a ready visitor waits for the plan."
    )


class Constraint(StrictModel):
    """An ordering constraint: exactly one of before, first, last."""

    before: tuple[Identifier, Identifier] | None = None
    first: Identifier | None = None
    last: Identifier | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Constraint:
        given = [k for k in ("before", "first", "last") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of before: [a, b], first: a or last: a")
        if self.before is not None and self.before[0] == self.before[1]:
            raise ValueError(f"before needs two different visitors (got {list(self.before)})")
        return self
