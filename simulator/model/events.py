"""The model's own event kinds: a due event, the host's calendar, and trace lines."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any, NamedTuple

import simpy


class TraceEvent(NamedTuple):
    """One line of a replication's timeline: when, what kind, who (if anyone), and what."""

    day: float
    kind: str
    visitor: str | None
    text: str


Trace = list[TraceEvent]


class Due(simpy.Event):
    """An event created now and scheduled later: a `simpy.Timeout` whose delay is known
    only after others have started waiting for it, and whose value is decided when it
    is processed. One event where a timeout and a second event would be two."""

    def due(self, delay: float, decide: Callable[..., Any], *args: Any) -> None:
        """Process this event `delay` days from now, with the value `decide(*args)` says
        at that time."""
        self._ok = True
        self._decide = decide, args
        self.callbacks.insert(0, _decide)  # before anyone waiting reads the value
        self.env.schedule(self, delay=delay)


def _decide(event: Any) -> None:
    """Give a `Due` event the value its `decide` says now (its first callback)."""
    decide, args = event._decide
    event._value = decide(*args)


class HostCalendar:
    """The host's calendar: it receives one visit at a time and keeps `spacing` days
    free after each; bookings are served first come, first served.

    Lighter than a `simpy.Resource`: a booking made while the calendar is free costs
    no event at all, and a release costs one only when someone is waiting.
    """

    def __init__(self, env: simpy.Environment, spacing: float) -> None:
        self.env = env
        self.spacing = spacing
        self.busy = False
        self.free_at = -math.inf
        self.waiting: deque[simpy.Event] = deque()

    def book(self) -> simpy.Event | None:
        """Book the next visit: None when it is booked now, else the event that fires
        when it is."""
        env = self.env
        if not self.busy and not self.waiting and env.now >= self.free_at:
            self.busy = True
            return None
        event = env.event()
        self.waiting.append(event)
        if not self.busy and len(self.waiting) == 1:
            env.timeout(self.free_at - env.now).callbacks.append(self._serve)
        return event

    def occupy(self) -> bool:
        """Take the calendar for a visit that happens whatever it says (an observed
        one): True when it was free and is now taken, False (nothing booked) when not."""
        if self.busy:
            return False
        self.busy = True
        return True

    def release(self) -> None:
        """The visit is over: the next booking is served `spacing` days from now."""
        self.busy = False
        self.free_at = self.env.now + self.spacing
        if self.waiting:
            if self.spacing > 0:
                self.env.timeout(self.spacing).callbacks.append(self._serve)
            else:
                self._serve(None)

    def _serve(self, _: object) -> None:
        if not self.busy and self.waiting and self.env.now >= self.free_at:
            self.busy = True
            self.waiting.popleft().succeed()
