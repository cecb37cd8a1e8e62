"""The replication's clock, its agents and their one kind of event, the host's calendar,
and trace lines."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator
from heapq import heappop, heappush
from itertools import count
from typing import Any, NamedTuple

import simpy
from simpy.events import NORMAL, PENDING


class TraceEvent(NamedTuple):
    """One line of a replication's timeline: when, what kind, who (if anyone), and what."""

    day: float
    kind: str
    visitor: str | None
    text: str


Trace = list[TraceEvent]


class Clock(simpy.Environment):
    """A `simpy.Environment` for one replication, trimmed for the hot path.

    A replication makes one environment and a few dozen events, so SimPy's per-instance
    set-up (binding its event classes early) and its per-event overheads (a `step` call
    per event, a property call per `now`, a constructor call chain per timeout) show.
    Here `now` is a plain attribute (SimPy's `_now` is not kept: `schedule` reads
    `now`), the event constructors are plain methods, a timeout is scheduled inline,
    and `run_all` processes events in one loop. Events are created, numbered and
    processed exactly as SimPy would, so every result is SimPy's.
    """

    now: float = 0.0  # an attribute here, not SimPy's property

    def __init__(self) -> None:
        self.now = 0.0
        self._queue = []
        self._eid = count()
        self._active_proc = None
        self._agents: list[Agent] = []

    def event(self) -> Signal:
        """A new untriggered event (`simpy.Event.__init__`, inline)."""
        event: Signal = _new_event(Signal)
        event.env = self
        event.callbacks = []
        return event

    def timeout(self, delay: float, value: Any = None) -> Signal:  # type: ignore[override]
        """An event processed `delay` days from now (a `simpy.Timeout`, built inline as a
        `Signal`)."""
        if delay < 0:
            raise ValueError(f"Negative delay {delay}")
        event: Signal = _new_event(Signal)
        event.env = self
        event.callbacks = []
        event._value = value
        event._ok = True
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), event))
        return event

    def at(self, day: float) -> Signal:
        """An event processed on `day` exactly (`now + (day - now)` can round to a
        neighbouring number; a run resumed from a checkpoint needs the day itself)."""
        if day < self.now:
            raise ValueError(f"Day {day} is past")
        event: Signal = _new_event(Signal)
        event.env = self
        event.callbacks = []
        event._value = None
        event._ok = True
        heappush(self._queue, (day, NORMAL, next(self._eid), event))
        return event

    def schedule(self, event: simpy.Event, priority: Any = NORMAL, delay: float = 0) -> None:
        """Schedule `event` `delay` days from now (`simpy.Environment.schedule`)."""
        heappush(self._queue, (self.now + delay, priority, next(self._eid), event))

    def process(self, generator: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        """Start the agent `generator` now."""
        agent = Agent(self, generator)
        self._agents.append(agent)
        return agent

    def run_all(self) -> None:
        """Process every event until none is left (`simpy.Environment.run()`, inlined)."""
        queue = self._queue
        while queue:
            self.now, _, _, event = heappop(queue)
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                error = type(event._value)(*event._value.args)
                error.__cause__ = event._value
                raise error
        for agent in self._agents:
            if agent._value is PENDING:  # still waiting, for what can no longer come
                agent.close()
        self._agents.clear()


class Agent(simpy.Process):
    """A `simpy.Process` with SimPy's `_resume`, trimmed for the hot path: the bound
    method it leaves on the events it waits for is made once, not at every wait, and
    an agent that ends with no one waiting for it is not scheduled to be processed (a
    no-op SimPy would pop from the queue; skipping it changes no other event's order).

    An agent also takes its first step when it is created, not at an `Initialize`
    event. SimPy's `Initialize` events are urgent, due now, and processed in the order
    the processes were made, before any other event; a first step schedules no urgent
    event. Agents are all made before the clock runs (on day 0, or on the day a run
    resumes from a checkpoint), so taking each first step at once, in the same order,
    schedules the same events in the same relative order, and only that order breaks
    ties: every later event is SimPy's. (An agent
    made while the clock runs would need SimPy's `Initialize` to keep that order.)

    A replication's objects refer to one another through its agents: an agent to its
    `_wake`, which refers back to it, and a waiting agent's generator to the state
    whose events hold its `_wake`. Left so, each replication waits for the garbage
    collector, whose passes over it cost more than freeing it at once (about 2% of
    the replication's instructions). So an agent drops its `_wake` when it ends, and
    once the clock has no event left `run_all` closes the agents still waiting (the
    host, for a request that cannot come): then reference counting frees the
    replication as soon as it is done.
    """

    def __init__(self, env: Clock, generator: Generator[simpy.Event, Any, Any]) -> None:
        self.env = env
        self.callbacks = []
        self._generator = generator
        self._wake = self._resume
        self._resume(_START)

    def close(self) -> None:
        """End an agent that can never resume (the clock has no event left): its
        generator is closed, as the garbage collector would close it."""
        self._generator.close()
        del self._wake, self._target

    def _resume(self, event: simpy.Event) -> None:
        env = self.env
        env._active_proc = self
        generator = self._generator
        while True:
            try:
                if event._ok:
                    event = generator.send(event._value)
                else:
                    event._defused = True
                    failure = type(event._value)(*event._value.args)
                    failure.__cause__ = event._value
                    event = generator.throw(failure)
            except StopIteration as end:
                self._ok = True
                self._value = end.args[0] if end.args else None
                if self.callbacks:
                    env.schedule(self)
                del self._wake  # it refers to this agent: see the class's note
                break
            except BaseException as error:
                self._ok = False
                self._value = error
                env.schedule(self)
                del self._wake
                break
            callbacks = event.callbacks
            if callbacks is not None:  # not yet processed: wait for it
                callbacks.append(self._wake)
                self._target = event
                break
        env._active_proc = None


_new_event: Callable[[type[Signal]], Signal] = object.__new__


class _Started:
    """What an agent's first step is resumed with: a processed event of value None."""

    _ok = True
    _value = None


_START: Any = _Started()


class Signal(simpy.Event):
    """The replication's events: plain ones (`Clock.event`), timeouts (`Clock.timeout`)
    and due events (`due`) are all of this one class. Python caches each attribute read
    for the one type it last saw there; the event loop and the agents read `callbacks`,
    `_ok` and `_value` of every event, and with SimPy's `Timeout` beside the model's own
    kinds those reads missed their cache at most events.

    A `Signal` schedules itself inline when it succeeds (SimPy's `succeed` calls
    `env.schedule`), and it can be due: created now and scheduled later, a timeout
    whose delay is known only after others have started waiting for it, and whose
    value is decided when it is processed (one event where a timeout and a second
    event would be two).
    """

    def succeed(self, value: Any = None) -> Signal:
        """Succeed with `value`: the event is processed now, after those already due."""
        if self._value is not PENDING:
            raise RuntimeError(f"{self} has already been triggered")
        self._ok = True
        self._value = value
        env = self.env
        heappush(env._queue, (env.now, NORMAL, next(env._eid), self))  # schedule
        return self

    def due(self, delay: float, decide: Callable[..., Any], *args: Any) -> None:
        """Process this event `delay` days from now, with the value `decide(*args)` says
        at that time."""
        self._ok = True
        self._decide = decide, args
        self.callbacks.insert(0, _decide)  # before anyone waiting reads the value
        env = self.env
        heappush(env._queue, (env.now + delay, NORMAL, next(env._eid), self))  # schedule


def _decide(event: Any) -> None:
    """Give a due event the value its `decide` says now (its first callback)."""
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
