"""Proper scores of a forecast against what happened (DESIGN §9), through `scoringrules`.

Every event is judged on what the record can tell: the record ends on day `until`, so
each day is *censored* there. With c = min(until, horizon):

* **CRPS** of the censored day min(X, c) against min(y, c), in days (an event that never
  came, in a sample or in the record, counts as c). Censoring both sides at the same c
  keeps the score proper, and a forecast is not blamed for what the record cannot show.
* **Brier** and **log** scores of "it happened by day c": the forecast probability p is
  the share of samples at or before c. The log score clips p to [1/(2M), 1 - 1/(2M)]
  for M samples (an outcome no sample shows counts as half a sample), so it stays
  finite: at most log(2M).
* **PIT**, randomized: the observed censored day's rank among the M samples, ties (the
  censoring atom, or a fixed day) broken by a uniform from the named stream
  `score:pit:<event>`, scaled to (0, 1) over M + 1 places. An observation drawn like a
  sample then gives exactly uniform PIT values, atoms or not.
* **Coverage** of the central p interval: the chance that the randomized PIT falls in
  [(1-p)/2, (1+p)/2], given the rank (1 or 0 unless the observation sits on an atom at
  the interval's edge). Its expectation is p for a calibrated forecast, atoms or not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scoringrules as sr

from ..streams import stream
from ..types import FloatArray
from .events import Skipped, censored
from .forecast import Forecast
from .targets import Target

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles of each event's censored forecast shown beside its scores."""
LEVELS = (0.5, 0.9)
"""Central intervals whose coverage is reported."""
CURVE_LEVELS = tuple(round(0.1 * k, 1) for k in range(1, 10))
"""Central intervals drawn in the coverage figure."""


def crps(samples: FloatArray, observed: float, at: float) -> float:
    """CRPS of the censored day: min(X, at) over the samples against min(y, at); NaN
    samples count as `at` (an event not seen by `at` is observed as `at` or later)."""
    y = min(observed, at)
    return float(sr.crps_ensemble(y, censored(samples, at), estimator="qd", backend="numpy"))


def p_by(samples: FloatArray, at: float) -> float:
    """The forecast probability that the event happens by day `at`."""
    return float(np.mean(samples <= at))


def brier(p: float, happened: bool) -> float:
    """Brier score (p - o)^2 of the forecast probability `p` of an outcome."""
    return float(sr.brier_score(float(happened), p, backend="numpy"))


def log_score(p: float, happened: bool, samples: int) -> float:
    """Negative log of the probability given to what happened, p clipped to
    [1/(2 samples), 1 - 1/(2 samples)]."""
    floor = 0.5 / samples
    clipped = min(max(p, floor), 1.0 - floor)
    return float(sr.log_score(float(happened), clipped, backend="numpy"))


def pit_range(samples: FloatArray, observed: float, at: float) -> tuple[float, float]:
    """The range over which the randomized PIT of the censored observation is uniform:
    [below, below + ties + 1] / (M + 1), with `below` and `ties` the samples under and
    equal to it."""
    z = censored(samples, at)
    y = min(observed, at)
    below = int(np.sum(z < y))
    ties = int(np.sum(z == y))
    places = z.size + 1
    return below / places, (below + ties + 1) / places


def coverage(low: float, high: float, level: float) -> float:
    """The chance that a PIT uniform on [low, high] falls in the central `level` interval."""
    a, b = (1 - level) / 2, (1 + level) / 2
    return max(0.0, min(high, b) - max(low, a)) / (high - low)


@dataclass(frozen=True)
class EventScore:
    """One event's forecast summary and scores."""

    event: Target
    p_happened: float  # forecast probability that it happened by the censoring day
    quantiles: tuple[float, ...]  # of the censored forecast, at QUANTILES
    crps: float
    brier: float
    log: float
    pit: float
    pit_low: float
    pit_high: float
    coverage: tuple[float, ...]  # at LEVELS
    curve: tuple[float, ...]  # at CURVE_LEVELS


@dataclass(frozen=True)
class Scores:
    """A forecast's scores: per event, and their means over the events (`totals`)."""

    forecast: Forecast
    as_of: float | None
    until: float
    censor: float  # min(until, horizon): where every day is censored
    events: tuple[EventScore, ...]
    skipped: tuple[Skipped, ...]
    source: str = "<observations>"  # where the record came from
    totals: dict[str, float] = field(init=False)

    def __post_init__(self) -> None:
        totals = {
            "crps": float(np.mean([e.crps for e in self.events])),
            "brier": float(np.mean([e.brier for e in self.events])),
            "log": float(np.mean([e.log for e in self.events])),
        }
        for k, level in enumerate(LEVELS):
            totals[f"coverage_{round(level * 100)}"] = float(
                np.mean([e.coverage[k] for e in self.events])
            )
        object.__setattr__(self, "totals", totals)

    def curve(self) -> FloatArray:
        """Mean coverage at each of CURVE_LEVELS."""
        mean: FloatArray = np.asarray([e.curve for e in self.events], dtype=np.float64).mean(axis=0)
        return mean


def score_event(event: Target, samples: FloatArray, at: float, seed: int) -> EventScore:
    """Score one event's forecast samples against the record, censored at `at`; the
    PIT's tie-breaking uniform comes from stream `score:pit:<event>` of `seed`."""
    p = p_by(samples, at)
    low, high = pit_range(samples, event.observed, at)
    u = float(stream(seed, f"score:pit:{event.name}").random())
    z = censored(samples, at)
    happened = event.happened and event.observed <= at
    return EventScore(
        event=event,
        p_happened=p,
        quantiles=tuple(float(q) for q in np.quantile(z, QUANTILES)),
        crps=crps(samples, event.observed, at),
        brier=brier(p, happened),
        log=log_score(p, happened, samples.size),
        pit=low + u * (high - low),
        pit_low=low,
        pit_high=high,
        coverage=tuple(coverage(low, high, level) for level in LEVELS),
        curve=tuple(coverage(low, high, level) for level in CURVE_LEVELS),
    )


def score_forecast_samples(
    forecast: Forecast,
    until: float,
    as_of: float | None = None,
    skipped: tuple[Skipped, ...] = (),
    source: str = "<observations>",
) -> Scores:
    """Score every event of `forecast` against a record that ends on day `until`."""
    at = min(until, forecast.scenario.horizon_days)
    events = tuple(
        score_event(e, forecast.samples[i], at, forecast.seed)
        for i, e in enumerate(forecast.events)
    )
    return Scores(forecast, as_of, until, at, events, skipped, source)
