"""Conditioning a run on what had happened by its as-of day (DESIGN §9).

A scenario with an `observed:` block is the scenario as known on day `as_of`. Every
world is made consistent with it, and every replication runs from day 0 through the
observed past (forced, not simulated) into a simulated future:

* a visit made is a fixed prefix of the realized order, on its observed day, with the
  agenda items observed (forced through their uniforms) when they are known;
* an accepted visitor still to travel prepares for a time drawn *given the time
  already spent*: preparation | preparation > as_of - acceptance day;
* a request still unanswered is answered after a delay | delay > as_of - request day;
  after a refusal not yet followed by a new request, the retry delay likewise;
* a visitor of whom nothing was observed asks on `as_of` at the earliest;
* a gate observed open opens on that day; one still closed opens on a day drawn from
  its distribution given that it is later than `as_of` (the deadline's crisis
  included: its chance is updated by the gate still being closed);
* observed incidents replace the drawn ones up to `as_of`; from then on incidents
  follow the scenario's Poisson process (memoryless, so it restarts at `as_of`);
* a climate reading sets the climate on its day.

Each conditional draw is an inverse CDF on the truncated range, `F⁻¹(F(a) + u(1 -
F(a)))`, of the same uniform `u` the unconditioned world uses: common random numbers
hold across orderings and across sweeps, and with nothing observed by `as_of` every
draw equals the ordinary run's.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..scenario.schema import Distribution, Scenario, UntilGate
from ..types import FloatArray
from .observations import ClimateReading, Event, GateOpened, Incident, Observations, VisitorEvent

FORCED_SUCCESS = -1.0
"""An item uniform below every chance of success: the item is achieved."""
FORCED_FAILURE = 2.0
"""An item uniform above every chance of success: the item is not achieved."""

_QUADRATURE = 2048  # points of the opening-day quantile grid (crisis after a deadline)


@dataclass(frozen=True)
class Attempt:
    """One request of a visitor: when it was made, and when and how it was answered
    (`answer` None: no answer by the as-of day)."""

    request: float
    answer: float | None = None
    accepted: bool | None = None


@dataclass(frozen=True)
class Past:
    """What one visitor had done by the as-of day.

    When an observation skips a step (a visit with no recorded acceptance, an answer
    with no recorded request), the missing step is placed on the day of the next one.
    """

    attempts: tuple[Attempt, ...]
    visit: float | None = None
    achieved: tuple[str, ...] | None = None

    @property
    def last(self) -> Attempt | None:
        """The latest request, if any."""
        return self.attempts[-1] if self.attempts else None


def _past(events: tuple[VisitorEvent, ...]) -> Past:
    attempts: list[Attempt] = []
    visit: float | None = None
    achieved: tuple[str, ...] | None = None
    for e in events:
        open_request = attempts and attempts[-1].answer is None
        if e.kind == "requested":
            if not open_request:
                attempts.append(Attempt(e.day))
        elif e.kind in ("accepted", "refused"):
            request = attempts.pop().request if open_request else e.day
            attempts.append(Attempt(request, e.day, e.kind == "accepted"))
        else:
            if not attempts or attempts[-1].accepted is not True:
                request = attempts.pop().request if open_request else e.day
                attempts.append(Attempt(request, e.day, True))
            visit, achieved = e.day, e.achieved
    return Past(tuple(attempts), visit, achieved)


@dataclass(frozen=True)
class Conditioning:
    """A scenario's observed past, as the world and the model use it."""

    as_of: float
    observations: Observations
    pasts: dict[str, Past]

    def summary(self, start: dt.date) -> list[str]:
        """What the run is conditioned on, one line per fact, with dates from `start`."""

        def when(day: float) -> str:
            return f"{start + dt.timedelta(days=day):%Y-%m-%d} (day {day:g})"

        lines = [f"as of {when(self.as_of)}"]
        for event in self.observations.events:
            if not isinstance(event, VisitorEvent):
                lines.append(f"{when(event.day)}: {_describe(event)}")
        for visitor, past in self.pasts.items():
            lines.append(f"{visitor}: {_state(past, when)}")
        return lines


def _describe(event: Event) -> str:
    if isinstance(event, GateOpened):
        return f"gate {event.gate} opened"
    if isinstance(event, Incident):
        return f"incident of severity {event.severity:g}"
    assert isinstance(event, ClimateReading)
    return f"climate read {event.value:+g}"


def _state(past: Past, when: Callable[[float], str]) -> str:
    last = past.last
    if past.visit is not None:
        items = (
            "" if past.achieved is None else f" (achieved: {', '.join(past.achieved) or 'none'})"
        )
        return f"visited on {when(past.visit)}{items}"
    if last is None:
        return "nothing yet"
    if last.answer is None:
        return f"asked on {when(last.request)}, no answer yet"
    if last.accepted:
        return f"accepted on {when(last.answer)}, preparing"
    return f"refused on {when(last.answer)} (request {len(past.attempts)})"


def conditioning(scenario: Scenario) -> Conditioning | None:
    """The scenario's observed past, or None for an unconditioned scenario."""
    observed = scenario.observed
    if observed is None:
        return None
    observations = observed.observations()
    pasts = {}
    for v in scenario.visitors:
        events = observations.visitor_events(v.id)
        if events:
            pasts[v.id] = _past(events)
    return Conditioning(observed.as_of, observations, pasts)


# -- conditional draws ---------------------------------------------------------------------


def truncated_ppf(dist: Distribution, u: FloatArray, lower: float) -> FloatArray:
    """Draw X | X > `lower` from uniforms `u`, by inverse CDF on [F(lower), 1).

    When the distribution cannot exceed `lower` (the time already spent has outrun
    it), every draw is `lower`: the step ends on the as-of day.
    """
    f = dist.cdf(lower)
    if f <= 0.0:
        return dist.ppf(u)
    if f >= 1.0:
        return np.full(np.shape(u), lower, dtype=np.float64)
    return dist.ppf(f + np.asarray(u, dtype=np.float64) * (1.0 - f))


def gate_opening_after(
    gate: UntilGate, after: float, u_opens: FloatArray, u_crisis: FloatArray, u_ext: FloatArray
) -> FloatArray:
    """The opening day of `gate` given that it was still closed on day `after`.

    Without a crisis the gate opens at O | O > after. With one (chance p), at
    max(O, deadline) + E. Before the deadline a crisis opening is always later than
    `after`; past it, P(max(O, D) + E > after) is computed on a quantile grid of O,
    and O given the crisis opening is later is drawn from that grid, E given O from
    its truncated range. The crisis chance is updated by Bayes' rule.
    """
    opens = gate.opens
    survive_open = 1.0 - opens.cdf(after)
    if gate.crisis is None or gate.deadline is None:
        return truncated_ppf(opens, u_opens, after)
    p, deadline, extension = gate.crisis.probability, gate.deadline, gate.crisis.extension
    grid = np.maximum(opens.ppf((np.arange(_QUADRATURE) + 0.5) / _QUADRATURE), deadline)
    survive_ext = np.array([1.0 - extension.cdf(after - g) for g in grid])
    survive_crisis = float(survive_ext.mean())
    total = p * survive_crisis + (1.0 - p) * survive_open
    if total <= 0.0:
        return np.full(np.shape(u_opens), after, dtype=np.float64)
    # the crisis chance given the gate still closed (unchanged when no opening is earlier)
    chance = p if survive_crisis >= 1.0 and survive_open >= 1.0 else p * survive_crisis / total
    crisis = u_crisis < chance
    quiet = truncated_ppf(opens, u_opens, after)
    if survive_crisis >= 1.0:  # before the deadline: any crisis opening is later
        late = np.maximum(opens.ppf(u_opens), deadline) + extension.ppf(u_ext)
        return np.where(crisis, late, quiet)
    weights = np.cumsum(survive_ext)
    if weights[-1] <= 0.0:  # no crisis opening can be that late
        return quiet
    start = np.minimum(
        np.searchsorted(weights / weights[-1], u_opens, side="right"), _QUADRATURE - 1
    )
    base = grid[start]
    late = np.array(
        [
            truncated_ppf(extension, np.array([u]), after - b)[0]
            for u, b in zip(u_ext, base, strict=True)
        ]
    )
    return np.where(crisis, base + late, quiet)


def shocks_after(
    as_of: float, horizon: float, observations: Observations, gaps: FloatArray, severity: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Incident days and severities: the observed ones up to `as_of`, then the drawn
    Poisson process restarted at `as_of` (`gaps`, `severity`: (R, K) drawn arrays)."""
    seen = observations.incidents()
    rows = gaps.shape[0]
    times = as_of + np.cumsum(gaps, axis=1) if gaps.shape[1] else gaps
    times = np.where(times >= horizon, np.inf, times)
    if not seen:
        return times, severity
    days = np.tile([e.day for e in seen], (rows, 1))
    sizes = np.tile([e.severity for e in seen], (rows, 1))
    return np.concatenate([days, times], axis=1), np.concatenate([sizes, severity], axis=1)


def item_uniforms(scenario: Scenario, pasts: dict[str, Past], item_u: FloatArray) -> FloatArray:
    """Item uniforms with the agenda items of observed visits forced to their outcome."""
    out = item_u.copy()
    i = 0
    for v in scenario.visitors:
        past = pasts.get(v.id)
        for item in v.agenda:
            if past is not None and past.visit is not None and past.achieved is not None:
                out[:, i] = FORCED_SUCCESS if item.id in past.achieved else FORCED_FAILURE
            i += 1
    return out


def spent(past: Past, as_of: float) -> float:
    """Days an accepted visitor had already prepared by `as_of` (NaN if not preparing)."""
    last = past.last
    if past.visit is not None or last is None or not last.accepted or last.answer is None:
        return math.nan
    return as_of - last.answer
