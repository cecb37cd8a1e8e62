"""The host and the relationship: the host's preference and answers, the climate and
the incidents that move it."""

from __future__ import annotations

from pydantic import Field, model_validator

from ...errors import FieldError
from .distributions import Distribution
from .fields import (
    MAX_ATTEMPTS,
    Duration,
    Identifier,
    Label,
    NonNegative,
    Probability,
    Real,
    StrictModel,
)
from .visitors import Waiver


class Preference(StrictModel):
    """The host's sequencing preference: which track it wants to engage first."""

    first_track: Identifier | None = None
    bonus: Real = Field(
        default=0.0,
        description="Logit bonus for a first-track visit while none has happened yet.",
    )
    penalty: NonNegative = Field(
        default=0.0,
        description="Logit penalty for another track's visit before the first-track one.",
    )
    defer_others: bool = Field(
        default=False,
        description="Hold other tracks' visits until a first-track visit is over (a travel "
        "precondition the host imposes; soft if `waiver` is given).",
    )
    waiver: Waiver | None = Field(
        default=None, description="How the host lets its deferral go (needs defer_others)."
    )

    @model_validator(mode="after")
    def _deferral(self) -> Preference:
        if self.defer_others and self.first_track is None:
            raise FieldError("defer_others needs a first_track to wait for", ("defer_others",))
        if self.waiver is not None and not self.defer_others:
            raise FieldError(
                "a waiver needs defer_others: true (it waives the deferral)", ("waiver",)
            )
        return self


class Host(StrictModel):
    """The host, who has a vote: answers each request after a delay."""

    name: Label = "Host"
    acceptance: Probability = Field(
        default=0.5, description="Chance of accepting at a neutral climate with no bonuses."
    )
    climate_weight: Real = Field(default=2.0, description="Logit change per unit of climate.")
    track_bonus: dict[Identifier, Real] = Field(default_factory=dict)
    invitation_bonus: Real = Field(default=0.0, description="Logit bonus for invited visitors.")
    preference: Preference = Preference()
    # a number default: validate_default turns it into Fixed
    response_delay: Duration = Field(  # type: ignore[assignment]
        default=0.0, description="Days to answer a request."
    )
    # a number default: validate_default turns it into Fixed
    retry_delay: Duration = Field(  # type: ignore[assignment]
        default=14.0, description="Days before asking again."
    )
    max_attempts: int = Field(default=3, ge=1, le=MAX_ATTEMPTS)
    min_spacing_days: NonNegative = Field(
        default=0.0,
        description="Days the host keeps free after each visit it hosts before the next "
        "(it hosts one visit at a time).",
    )


class Climate(StrictModel):
    """The relationship climate, a number within `bounds`."""

    # a number default: validate_default turns it into Fixed
    initial: Distribution = 0.0  # type: ignore[assignment]
    visit_gain: dict[Identifier, Real] = Field(
        default_factory=dict, description="Climate gain of a completed visit, by track."
    )
    item_gain: Real = Field(default=0.0, description="Extra gain per agenda item achieved.")
    bounds: tuple[Real, Real] = (-1.0, 1.0)

    @model_validator(mode="after")
    def _bounds(self) -> Climate:
        low, high = self.bounds
        if not low < high:
            raise FieldError(f"bounds need low < high (got {list(self.bounds)})", ("bounds",))
        if self.initial.lower < low or self.initial.upper > high:
            raise FieldError(f"must lie within bounds {list(self.bounds)}", ("initial",))
        return self


class Shocks(StrictModel):
    """Incidents: a Poisson process with random severity in [0, 1]."""

    rate_per_day: NonNegative = 0.0
    # a number default: validate_default turns it into Fixed
    severity: Distribution = Field(  # type: ignore[assignment]
        default=0.5, description="Severity, within [0, 1]."
    )
    climate_hit: NonNegative = Field(default=0.0, description="Climate loss per unit severity.")
    postpone_days: NonNegative = Field(
        default=0.0, description="Preparation delay per unit severity."
    )
    cancel_threshold: Probability = Field(
        default=1.0, description="Severity at or above which a planned visit is cancelled."
    )

    @model_validator(mode="after")
    def _severity_unit(self) -> Shocks:
        if self.severity.lower < 0 or self.severity.upper > 1:
            raise FieldError("must lie within [0, 1]; use uniform, beta or fixed", ("severity",))
        return self
