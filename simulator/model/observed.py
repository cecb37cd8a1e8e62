"""The observed past of a conditioned replication: what visitors had done by the as-of
day is replayed on its observed days, not simulated (DESIGN §9, `evidence.condition`).

A visitor observed to have visited asks, is accepted and visits on the days recorded;
a visitor with requests under way replays them and hands over to the simulation at
the step it had reached (an unanswered request goes to the host, whose delay the world
has drawn given the time already waited). Climate readings set the climate on their
days.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from ..evidence.condition import Past
from .outcome import Outcome
from .state import Process


class ObservedPast(Outcome):
    """Replaying the observed past of visitors and of the climate."""

    def relive(
        self, v: int, past: Past
    ) -> Generator[simpy.Event, Any, tuple[int, bool | None, bool]]:
        """Replay `v`'s observed requests and answers up to the as-of day.

        Returns the number of the request under way, its answer (True: accepted, go on
        to prepare; False: refused, wait to ask again; None: not answered) and whether
        that request is still to be sent to the host today (it was observed made, but
        not answered by the as-of day: the host decides).
        """
        env = self.env
        for k, attempt in enumerate(past.attempts):
            if k >= self.spec.max_attempts:
                return k, None, False
            yield env.timeout(max(attempt.request - env.now, 0.0))
            if attempt.answer is None:
                return k, None, True
            self.observed_request(v)
            yield env.timeout(max(attempt.answer - env.now, 0.0))
            if self.trace is not None:
                verdict = "accepts" if attempt.accepted else "declines"
                self.log("answer", v, f"host {verdict} (observed)")
            if attempt.accepted:
                return k, True, False
        return len(past.attempts) - 1, False, False

    def observed_request(self, v: int) -> None:
        """`v` asks today, as observed."""
        if math.isnan(self.request_day[v]):
            self.request_day[v] = self.env.now
        if self.trace is not None:
            self.log("request", v, "asks for a visit (observed)")

    def observed_visit(self, v: int, past: Past) -> Process:
        """`v`'s whole observed course: requests, answers and the visit, on their days."""
        env = self.env
        for attempt in past.attempts:
            yield env.timeout(max(attempt.request - env.now, 0.0))
            self.observed_request(v)
            if attempt.answer is not None:
                yield env.timeout(max(attempt.answer - env.now, 0.0))
                if attempt.accepted:
                    self.accepted(v)
        assert past.visit is not None
        yield env.timeout(max(past.visit - env.now, 0.0))
        occupied = self.calendar.occupy()
        yield from self.make_visit(v)
        if occupied:
            self.calendar.release()
        self.end_turn(self.position[v], after=self.spec.min_gap)

    def make_visit(self, v: int) -> Process:
        """`v` visits from today: score it, stay for the visit's length, and let the
        climate and whoever waits on the visit know it is over."""
        achieved = self.visit(v)
        yield self.env.timeout(self.draws.visit_days[v])
        before = self.climate
        self.adjust_climate(self.spec.visit_gain[v] + self.spec.item_gain * achieved)
        if self.trace is not None:
            self.log("visit_end", v, f"visit ends; climate {before:+.2f} -> {self.climate:+.2f}")
        self.visit_ended(v)

    def readings(self) -> Process:
        """Observed climate readings: the climate is what was read, on the day it was."""
        for day, value in self.spec.readings:
            yield self.env.timeout(max(day - self.env.now, 0.0))
            self.adjust_climate(value - self.climate)
            if self.trace is not None:
                self.log("climate", None, f"climate read {value:+.2f} (observed)")

    def as_of_marker(self, day: float) -> Process:
        """A trace line where the observed past ends and the simulated future begins."""
        yield self.env.timeout(day)
        self.log("as_of", None, "as of today: what follows is simulated")
