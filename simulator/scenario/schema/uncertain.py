"""Uncertain assumptions declared in the scenario (`uncertain:`, DESIGN §10).

Each entry names a numeric field by dotted path (as `--set` does), the range it may
take (given, or from a distribution) and why it is uncertain. The tuning commands vary
these by default; the loader checks each path against the rest of the scenario
(`scenario/assumptions.py`), since a path means something only there.
"""

from __future__ import annotations

import math
from typing import Annotated

import numpy as np
from pydantic import Field, model_validator

from ...errors import FieldError
from .distributions import Distribution, Fixed
from .fields import Label, Prose, Real, StrictModel

MAX_POINTS = 1000
"""Most grid points of one swept assumption: each is a full ranking of every ordering."""

QUANTILES = (0.05, 0.95)
"""The range of a distribution without bounded support: its 5% and 95% quantiles."""

FieldPathText = Annotated[Label, Field(min_length=1, max_length=300)]
"""A dotted path into the scenario, as `--set` takes it (`host.preference.bonus`)."""


class Uncertain(StrictModel):
    """One uncertain assumption: a numeric field, the range it may take, and why.

    Give either `range: [low, high]` or `dist:` (its support, or its 5%–95% quantiles
    where the support is unbounded, is the range). `points` is the grid size of a sweep.
    """

    path: FieldPathText = Field(description="Dotted path to a numeric field, as for --set.")
    range: tuple[Real, Real] | None = Field(default=None, description="[low, high], low < high.")
    dist: Distribution | None = Field(
        default=None, description="A distribution whose support (or 5%-95% range) is the range."
    )
    reason: Prose = Field(description="Why it is uncertain: a quote, or `assumption: ...`.")
    points: int = Field(default=9, ge=2, le=MAX_POINTS, description="Grid points of a sweep.")

    @model_validator(mode="after")
    def _check(self) -> Uncertain:
        if not self.reason.strip():
            raise FieldError(
                "is empty; say why the value is uncertain (a quote, or `assumption: ...`)",
                ("reason",),
            )
        if (self.range is None) == (self.dist is None):
            raise FieldError(
                "give either range: [low, high] or dist: (a distribution), not "
                + ("both" if self.range is not None else "neither"),
                ("range",) if self.range is not None else (),
            )
        if self.range is not None and not self.range[0] < self.range[1]:
            raise FieldError(
                f"needs low < high (got [{self.range[0]:g}, {self.range[1]:g}])", ("range",)
            )
        if isinstance(self.dist, Fixed):
            raise FieldError(
                f"a fixed value ({self.dist.value:g}) is not uncertain; give a "
                "distribution with spread, or a range",
                ("dist",),
            )
        low, high = self.bounds
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise FieldError(
                f"its 5%-95% range [{low:g}, {high:g}] is not a finite range; give a "
                "distribution with less extreme parameters, or a range",
                ("dist",),
            )
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """The range the assumption takes: as given, or the distribution's support
        (its 5% and 95% quantiles when the support is unbounded)."""
        if self.range is not None:
            return float(self.range[0]), float(self.range[1])
        assert self.dist is not None
        if math.isfinite(self.dist.lower) and math.isfinite(self.dist.upper):
            return float(self.dist.lower), float(self.dist.upper)
        with np.errstate(over="ignore"):  # an extreme tail overflows: refused as infinite
            low, high = self.dist.ppf(np.array(QUANTILES))
        return float(low), float(high)
