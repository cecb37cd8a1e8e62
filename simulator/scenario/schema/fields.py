"""The building blocks of the scenario format: constrained field types, size limits and
the frozen base model every part of a scenario derives from."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .distributions import Distribution

_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _no_controls(keep: str) -> AfterValidator:
    """Refuse control characters (C0, DEL, C1) and bidirectional overrides, but those in
    `keep`: names and quotes reach the terminal and report.html, where an escape
    sequence would repaint the screen or disguise the text."""

    def check(text: str) -> str:
        for at, char in enumerate(text):
            if char not in keep and (unicodedata.category(char) == "Cc" or char in _BIDI):
                raise ValueError(
                    f"contains the control character U+{ord(char):04X} at character "
                    f"{at + 1}; allowed: printable text"
                    + (" (newlines and tabs too)" if keep else " on one line")
                )
        return text

    return AfterValidator(check)


Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=40)]
Label = Annotated[str, _no_controls("")]
"""A name or role: one line of printable text."""
Prose = Annotated[str, _no_controls("\n\t")]
"""A description or quote: printable text, which may have newlines and tabs."""
Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Real = Annotated[float, Field(allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]

MAX_VISITORS = 9
MAX_ATTEMPTS = 20
MAX_EXPECTED_SHOCKS = 1000
"""Most incidents a scenario may expect over its horizon: each replication draws room
for all of them, so an absurd rate would exhaust memory before simulating anything."""
MAX_MAGNITUDE = 1e9
"""Largest size of a number that is summed into the utility or the climate (weights,
values, costs, climate bounds and changes): sums of larger ones can overflow."""


def _non_negative_duration(dist: Distribution) -> Distribution:
    if dist.lower < 0:
        raise ValueError(
            f"a duration cannot be negative, but this {dist.dist} distribution reaches "
            f"{dist.lower:g}; bound it below at 0 (for example `low: 0`)"
        )
    return dist


Duration = Annotated[Distribution, AfterValidator(_non_negative_duration)]


class StrictModel(BaseModel):
    """Frozen, validates its defaults, and refuses keys it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
