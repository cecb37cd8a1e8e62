"""Visitors: who may visit, what each visit can achieve, and what must hold first."""

from __future__ import annotations

from pydantic import Field, model_validator

from .checks import check_unique
from .fields import Duration, Identifier, Label, NonNegative, Probability, Prose, Real, StrictModel


class AgendaItem(StrictModel):
    """Something a visit can achieve, worth `value` if it succeeds."""

    id: Identifier
    value: NonNegative = Field(description="Value of achieving the item (before discounting).")
    success: Probability = Field(
        description="Chance of success at a neutral climate (0) with no sequence boosts."
    )
    climate_weight: Real = Field(
        default=1.0, description="Logit change of the success chance per unit of climate."
    )
    quote: Prose | None = Field(default=None, description="The source sentence it rests on.")


class Waiver(StrictModel):
    """How the party that imposes a soft precondition lets it go.

    With chance `probability` the condition is waived `after` days once the visitor
    starts waiting for it; otherwise it must hold. Both are drawn in the world, by the
    visitor's id and the condition's place, so every ordering sees the same waiver.
    """

    probability: Probability = Field(default=1.0, description="Chance it is waived at all.")
    # a number default: validate_default turns it into Fixed
    after: Duration = Field(  # type: ignore[assignment]
        default=0.0, description="Days of waiting before the waiver."
    )


CONDITION_KINDS = ("gate", "visited", "accepted", "track_visited", "climate_at_least", "not_before")


class Condition(StrictModel):
    """One declared precondition: exactly one of the kinds below, hard unless it has a
    `waiver` (then soft: the party that imposes it may let it go)."""

    gate: Identifier | None = Field(default=None, description="An `until` gate has opened.")
    visited: Identifier | None = Field(default=None, description="This visitor's visit is over.")
    accepted: Identifier | None = Field(
        default=None, description="The host has accepted this visitor's request."
    )
    track_visited: Identifier | None = Field(
        default=None, description="A visit of this track is over."
    )
    climate_at_least: Real | None = Field(
        default=None, description="The climate has reached this level."
    )
    not_before: NonNegative | None = Field(default=None, description="This day has come.")
    waiver: Waiver | None = Field(default=None, description="Makes the condition soft.")
    quote: Prose | None = Field(default=None, description="The source sentence it rests on.")

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        given = [k for k in CONDITION_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of {', '.join(CONDITION_KINDS)} (got "
                f"{', '.join(given) or 'none'})"
            )
        return self

    @property
    def kind(self) -> str:
        """Which condition this is (one of `CONDITION_KINDS`)."""
        return next(k for k in CONDITION_KINDS if getattr(self, k) is not None)


class Preconditions(StrictModel):
    """What must hold before a visitor asks the host, and before it travels."""

    ask: tuple[Condition, ...] = Field(default=(), description="Before sending a request.")
    travel: tuple[Condition, ...] = Field(default=(), description="Before travelling.")


class Visitor(StrictModel):
    """A candidate visitor: an agent who asks the host, prepares, and travels."""

    id: Identifier
    name: Label = Field(min_length=1, max_length=80)
    role: Label = Field(default="", max_length=120)
    track: Identifier = Field(description="Policy track, e.g. economic, security, climate.")
    invited: bool = Field(default=False, description="Already holds an invitation.")
    earliest_day: NonNegative = Field(default=0.0, description="No request before this day.")
    preparation: Duration = Field(description="Days from acceptance to travel.")
    # a number default: validate_default turns it into Fixed
    visit_days: Duration = Field(  # type: ignore[assignment]
        default=2.0, description="Length of the visit in days."
    )
    gates: tuple[Identifier, ...] = Field(default=(), description="Gates that block them.")
    preconditions: Preconditions = Preconditions()
    agenda: tuple[AgendaItem, ...] = ()

    @model_validator(mode="after")
    def _unique_items(self) -> Visitor:
        check_unique([item.id for item in self.agenda], "agenda item", "agenda")
        return self
