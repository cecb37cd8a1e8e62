"""Gates: calendar conditions that keep some tracks from travelling."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .fields import Duration, Identifier, NonNegative, Probability, Prose, StrictModel


class Crisis(StrictModel):
    """A chance that the gate stays closed past its deadline, and for how long."""

    probability: Probability
    extension: Duration = Field(description="Days past the deadline the gate stays closed.")


class WindowGate(StrictModel):
    """A fixed window in which those it blocks cannot travel (e.g. a summit)."""

    id: Identifier
    kind: Literal["window"]
    start_day: NonNegative
    end_day: NonNegative
    tracks: tuple[Identifier, ...] = Field(default=(), description="Tracks it blocks.")
    quote: Prose | None = None

    @model_validator(mode="after")
    def _ordered(self) -> WindowGate:
        if not self.start_day < self.end_day:
            raise ValueError(
                f"needs start_day < end_day (got {self.start_day:g} and {self.end_day:g})"
            )
        return self


class UntilGate(StrictModel):
    """A condition closed until an uncertain day (e.g. a debt-ceiling deal).

    The opening day is drawn from `opens`. With probability `crisis.probability` the
    deadline passes without a deal, and the gate opens only at
    max(opening, deadline) + extension.
    """

    id: Identifier
    kind: Literal["until"]
    opens: Duration = Field(description="Day the gate opens.")
    deadline: NonNegative | None = None
    crisis: Crisis | None = None
    tracks: tuple[Identifier, ...] = Field(default=(), description="Tracks it blocks.")
    quote: Prose | None = None

    @model_validator(mode="after")
    def _crisis_needs_deadline(self) -> UntilGate:
        if self.crisis is not None and self.deadline is None:
            raise ValueError("a crisis needs a deadline it extends")
        return self


Gate = Annotated[WindowGate | UntilGate, Field(discriminator="kind")]
