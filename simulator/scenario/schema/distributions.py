"""Named distribution families, sampled by inverse CDF from uniforms.

Every random quantity in a world is `dist.ppf(u)` for a uniform `u` drawn once per
replication. Changing a parameter therefore moves each replication's value smoothly
instead of reshuffling the draws: common random numbers survive parameter sweeps.
Each family validates its parameters on construction and knows its exact mean.

scipy is imported in the methods that need it, not with the module: loading a scenario
(`visitsim validate`) then does not wait over a second for scipy.stats to load.
"""

from __future__ import annotations

import importlib
import math
from typing import Annotated, Any, Literal, TypeAlias

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ...types import FloatArray


def _scipy(module: str) -> Any:
    """scipy's `module` (`special` or `stats`), imported on first use (module doc)."""
    return importlib.import_module(f"scipy.{module}")


# Uniforms are kept away from exactly 0 and 1 so that unbounded families stay finite.
_U_EPS = 1e-12


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def ppf(self, u: FloatArray) -> FloatArray:
        """Quantile function applied elementwise to uniforms in (0, 1)."""
        raise NotImplementedError

    def cdf(self, x: float) -> float:
        """P(X <= x): what conditioning on X > x cuts away (`evidence.condition`)."""
        raise NotImplementedError

    @property
    def mean(self) -> float:
        """Exact mean of the distribution."""
        raise NotImplementedError

    @property
    def lower(self) -> float:
        """Smallest value the distribution can take (may be minus infinity)."""
        return 0.0

    @property
    def upper(self) -> float:
        """Largest value the distribution can take (may be infinite)."""
        return math.inf


def _clip(u: FloatArray) -> FloatArray:
    return np.clip(u, _U_EPS, 1.0 - _U_EPS)


class Fixed(_Dist):
    """A constant: `{dist: fixed, value: 3}` or just `3`."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(allow_inf_nan=False)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.full(np.shape(u), self.value, dtype=np.float64)

    def cdf(self, x: float) -> float:
        return 1.0 if x >= self.value else 0.0

    @property
    def mean(self) -> float:
        return self.value

    @property
    def lower(self) -> float:
        return self.value

    @property
    def upper(self) -> float:
        return self.value


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"]
    low: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        return self.low + (self.high - self.low) * np.asarray(u, dtype=np.float64)

    def cdf(self, x: float) -> float:
        return min(max((x - self.low) / (self.high - self.low), 0.0), 1.0)

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def lower(self) -> float:
        return self.low

    @property
    def upper(self) -> float:
        return self.high


class Triangular(_Dist):
    """Triangular on [low, high] with its peak at mode."""

    dist: Literal["triangular"]
    low: float = Field(allow_inf_nan=False)
    mode: float = Field(allow_inf_nan=False)
    high: float = Field(allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(
                "needs low <= mode <= high and low < high "
                f"(got low={self.low}, mode={self.mode}, high={self.high})"
            )
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=np.float64)
        a, c, b = self.low, self.mode, self.high
        split = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        return np.where(u < split, left, right)

    def cdf(self, x: float) -> float:
        a, c, b = self.low, self.mode, self.high
        if x <= a:
            return 0.0
        if x >= b:
            return 1.0
        if x <= c:
            return (x - a) ** 2 / ((b - a) * (c - a))
        return 1.0 - (b - x) ** 2 / ((b - a) * (b - c))

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    @property
    def lower(self) -> float:
        return self.low

    @property
    def upper(self) -> float:
        return self.high


FAR_TAIL = 1e6
"""Standard deviations beyond which a truncated normal's bounds are drawn from its
exponential limit (`Normal.ppf`)."""


class Normal(_Dist):
    """Normal(mean, sd), optionally truncated to [low, high].

    An open side is left out (None), never written as infinity: every value a scenario
    holds must survive JSON, which has no infinity.
    """

    dist: Literal["normal"]
    mu: float = Field(alias="mean", allow_inf_nan=False)
    sd: float = Field(gt=0, allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self) -> Normal:
        if not self.lower < self.upper:
            raise ValueError(f"needs low < high (got low={self.low}, high={self.high})")
        return self

    def _bounds(self) -> tuple[float, float]:
        return (self.lower - self.mu) / self.sd, (self.upper - self.mu) / self.sd

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF, always within [low, high].

        With [low, high] more than FAR_TAIL sds to one side of the mean, `mu + sd * z`
        would lose every digit to cancellation: there the truncated normal is, to
        O(1/z²), an exponential from the nearer bound with rate |z| / sd, drawn as such.
        """
        a, b = self._bounds()
        u = _clip(np.asarray(u, dtype=np.float64))
        if a > FAR_TAIL or b < -FAR_TAIL:
            rate = a if a > 0 else -b
            width = (self.upper - self.lower) / self.sd
            t = (
                -np.log1p(u * np.expm1(-rate * width)) / rate
                if math.isfinite(width)
                else (-np.log1p(-u) / rate)
            )
            x = self.lower + self.sd * t if a > 0 else self.upper - self.sd * t
        else:
            x = self.mu + self.sd * _scipy("stats").truncnorm.ppf(u, a, b)
        return np.asarray(np.clip(x, self.lower, self.upper), dtype=np.float64)

    def cdf(self, x: float) -> float:
        a, b = self._bounds()
        return float(_scipy("stats").truncnorm.cdf((x - self.mu) / self.sd, a, b))

    @property
    def mean(self) -> float:
        a, b = self._bounds()
        return float(_scipy("stats").truncnorm.mean(a, b, loc=self.mu, scale=self.sd))

    @property
    def lower(self) -> float:
        return -math.inf if self.low is None else self.low

    @property
    def upper(self) -> float:
        return math.inf if self.high is None else self.high


class LogNormal(_Dist):
    """Log-normal with the given median and log-scale sigma."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0, allow_inf_nan=False)
    sigma: float = Field(gt=0, allow_inf_nan=False)

    def ppf(self, u: FloatArray) -> FloatArray:
        z = _scipy("special").ndtri(_clip(np.asarray(u, dtype=np.float64)))
        return np.asarray(self.median * np.exp(self.sigma * z), dtype=np.float64)

    def cdf(self, x: float) -> float:
        if x <= 0:
            return 0.0
        return float(_scipy("special").ndtr(math.log(x / self.median) / self.sigma))

    @property
    def mean(self) -> float:
        return self.median * math.exp(0.5 * self.sigma**2)


class Exponential(_Dist):
    """Exponential with the given mean."""

    dist: Literal["exponential"]
    mu: float = Field(alias="mean", gt=0, allow_inf_nan=False)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(-self.mu * np.log1p(-_clip(np.asarray(u, dtype=np.float64))))

    def cdf(self, x: float) -> float:
        return 0.0 if x <= 0 else -math.expm1(-x / self.mu)

    @property
    def mean(self) -> float:
        return self.mu


class Beta(_Dist):
    """Beta(a, b) scaled to [low, high]."""

    dist: Literal["beta"]
    a: float = Field(gt=0, allow_inf_nan=False)
    b: float = Field(gt=0, allow_inf_nan=False)
    low: float = Field(default=0.0, allow_inf_nan=False)
    high: float = Field(default=1.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"needs low < high (got low={self.low}, high={self.high})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        x = _scipy("special").betaincinv(self.a, self.b, np.asarray(u, dtype=np.float64))
        return np.asarray(self.low + (self.high - self.low) * x, dtype=np.float64)

    def cdf(self, x: float) -> float:
        z = min(max((x - self.low) / (self.high - self.low), 0.0), 1.0)
        return float(_scipy("special").betainc(self.a, self.b, z))

    @property
    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    @property
    def lower(self) -> float:
        return self.low

    @property
    def upper(self) -> float:
        return self.high


def _fixed_from_number(value: Any) -> Any:
    """Let a bare number stand for a fixed distribution."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


Distribution: TypeAlias = Annotated[
    Annotated[
        Fixed | Uniform | Triangular | Normal | LogNormal | Exponential | Beta,
        Field(discriminator="dist"),
    ],
    BeforeValidator(_fixed_from_number),
]

FAMILIES: dict[str, type[_Dist]] = {
    "fixed": Fixed,
    "uniform": Uniform,
    "triangular": Triangular,
    "normal": Normal,
    "lognormal": LogNormal,
    "exponential": Exponential,
    "beta": Beta,
}
