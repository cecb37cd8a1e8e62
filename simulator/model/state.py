"""The shared state of one replication, and the changes to it that others wait for.

Every agent of the replication (`agents`) reads and changes this state; a change that
a precondition may wait for (a turn ending, an acceptance, a visit ending, the climate
moving) fires the events of those waiting for it (`preconditions`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import Any

import simpy

from .checkpoints import Checkpoints
from .draws import Draws
from .events import Clock, HostCalendar, Signal, Trace, TraceEvent
from .spec import Spec

Process = Generator[simpy.Event, Any, Any]
Waiting = Generator[simpy.Event, Any, bool]


MACHINERY = frozenset(
    {"spec", "trace", "draws", "plan", "position", "env", "calendar", "checkpoints"}
    | {"incidents", "shock_next", "doorbell", "requests", "planned", "waiting"}
    | {"on_visit", "on_accept", "on_track", "on_climate", "on_turn"}
)
"""The fields of a replication that a checkpoint does not save: the plan, the SimPy
machinery, and what is empty or re-created when a turn starts (`checkpoints`)."""


class ReplicationState:
    """The shared state of one simulated replication.

    With a `trace` list, each event point appends a `TraceEvent`; without one (the
    experiment's hot path) the only cost is an `is not None` test at those points.

    The state's attributes are slots. CPython 3.11 keeps at most 30 attributes of an
    instance in its compact layout; with more, the instance gets a dictionary, and
    every `self.method()` call of the agents then misses its cache (the dictionary
    is searched first). This state has more than 30, so it declares them here.
    """

    __slots__ = (
        "accept_day",
        "achieved",
        "calendar",
        "checkpoints",
        "climate",
        "day",
        "done_tracks",
        "doorbell",
        "draws",
        "ended",
        "ended_tracks",
        "env",
        "first_track_visited",
        "gave_up",
        "hold",
        "incidents",
        "on_accept",
        "on_climate",
        "on_track",
        "on_turn",
        "on_visit",
        "plan",
        "planned",
        "position",
        "precedence_cost",
        "realized",
        "request_day",
        "requests",
        "shock_next",
        "spec",
        "trace",
        "tracks_left",
        "turn_over",
        "value",
        "waiting",
    )

    def __init__(
        self,
        spec: Spec,
        draws: Draws,
        plan: tuple[int, ...],
        trace: Trace | None = None,
        state: tuple[Any, ...] | None = None,
    ) -> None:
        """A replication on day 0, or, given `state` (the values of its `STATE` fields,
        in that order, as a checkpoint restores them), in the middle of its run."""
        n = len(spec.ids)
        self.spec = spec
        self.trace = trace
        self.draws = draws
        self.plan = plan
        self.env = env = Clock()
        self.position = [0] * n
        for position, v in enumerate(plan):
            self.position[v] = position
        if state is not None:
            self.restore(state)
        else:
            self.climate = draws.initial_climate
            self.realized: list[int] = []
            self.day = [math.nan] * n
            self.request_day = [math.nan] * n
            self.accept_day = [math.nan] * n
            self.achieved = [0.0] * spec.item_count
            self.value = 0.0
            self.precedence_cost = 0.0
            self.first_track_visited = spec.first_track is None
            self.done_tracks: set[str] = set()
            # what conditions read
            self.ended = [False] * n  # the visit is over
            self.gave_up = [False] * n
            self.tracks_left = dict(spec.track_sizes)  # visitors of each track not given up
            self.ended_tracks: set[str] = set()
            self.turn_over = [False] * n  # by plan position: that visitor's turn is over
            self.hold = [0.0] * n  # travel not before this day (an incident's postponement)
        # the events of those waiting for a change
        self.on_visit: dict[int, simpy.Event] = {}
        self.on_accept: dict[int, simpy.Event] = {}
        self.on_track: dict[str, simpy.Event] = {}
        self.on_climate: list[tuple[float, simpy.Event]] = []
        self.on_turn: dict[int, Signal] = {}
        self.planned: list[simpy.Process] = []  # accepted, not yet travelling
        self.requests: deque[tuple[int, int, Signal]] = deque()  # the host's queue
        self.doorbell: simpy.Event | None = None  # rung when a request reaches an idle host
        self.calendar = HostCalendar(env, spec.spacing)
        self.waiting: dict[int, str] = {}  # only when tracing: what a visitor waits for
        self.checkpoints: Checkpoints | None = None  # where a sequential run saves turns
        self.incidents: simpy.Process | None = None  # the incidents' process, if any occur
        self.shock_next = 0  # the index of the incident the incidents' process waits for

    def restore(self, state: tuple[Any, ...]) -> None:
        """Set the `STATE` fields to `state`, in that order (one assignment: a resumed
        run does this for every plan)."""
        (
            self.accept_day,
            self.achieved,
            self.climate,
            self.day,
            self.done_tracks,
            self.ended,
            self.ended_tracks,
            self.first_track_visited,
            self.gave_up,
            self.hold,
            self.precedence_cost,
            self.realized,
            self.request_day,
            self.tracks_left,
            self.turn_over,
            self.value,
        ) = state

    def snapshot(self) -> tuple[Any, ...]:
        """The `STATE` fields' values, in that order, each container copied: what a
        checkpoint saves. Written out field by field, as `restore` is: a run saves one
        at most turns, and a loop over the fields took twice as long."""
        return (
            self.accept_day.copy(),
            self.achieved.copy(),
            self.climate,
            self.day.copy(),
            self.done_tracks.copy(),
            self.ended.copy(),
            self.ended_tracks.copy(),
            self.first_track_visited,
            self.gave_up.copy(),
            self.hold.copy(),
            self.precedence_cost,
            self.realized.copy(),
            self.request_day.copy(),
            self.tracks_left.copy(),
            self.turn_over.copy(),
            self.value,
        )

    @staticmethod
    def copied(state: tuple[Any, ...]) -> tuple[Any, ...]:
        """A saved state (`snapshot`) with each container copied, for a resumed run to
        change without changing the checkpoint (field by field, as `snapshot`)."""
        (
            accept_day,
            achieved,
            climate,
            day,
            done_tracks,
            ended,
            ended_tracks,
            first_track_visited,
            gave_up,
            hold,
            precedence_cost,
            realized,
            request_day,
            tracks_left,
            turn_over,
            value,
        ) = state
        return (
            accept_day.copy(),
            achieved.copy(),
            climate,
            day.copy(),
            done_tracks.copy(),
            ended.copy(),
            ended_tracks.copy(),
            first_track_visited,
            gave_up.copy(),
            hold.copy(),
            precedence_cost,
            realized.copy(),
            request_day.copy(),
            tracks_left.copy(),
            turn_over.copy(),
            value,
        )

    def log(self, kind: str, v: int | None, text: str) -> None:
        """Add a trace event at the current day (only called when tracing)."""
        assert self.trace is not None
        self.trace.append(
            TraceEvent(self.env.now, kind, None if v is None else self.spec.ids[v], text)
        )

    def turn_event(self, position: int) -> Signal:
        """The event that the turn of the visitor at `position` in the plan is over."""
        event = self.on_turn.get(position)
        if event is None:
            event = self.on_turn[position] = self.env.event()
        return event

    def end_turn(self, position: int, after: float = 0.0) -> None:
        """The turn of the visitor at `position` in the plan is over, `after` days from now.

        Nobody comes after the last visitor in the plan, so the end of its turn is neither
        awaited nor read: it costs no event."""
        if position == len(self.plan) - 1:
            return
        if after > 0:
            self.turn_event(position).due(after, self.turn_ends, position)
            return
        event = self.on_turn.get(position)
        self.turn_ends(position)
        if event is not None:
            event.succeed(True)

    def turn_ends(self, position: int) -> bool:
        """Mark the turn at `position` over (for those who look later); True."""
        self.turn_over[position] = True
        self.on_turn.pop(position, None)
        return True

    def adjust_climate(self, delta: float) -> None:
        """Move the climate by `delta`, within its bounds; tell whoever waits for it."""
        low, high = self.spec.climate_bounds
        climate = self.climate + delta
        climate = low if low > climate else climate  # min(max(...)) without the calls
        self.climate = high if high < climate else climate
        if self.on_climate:
            reached = [(level, e) for level, e in self.on_climate if self.climate >= level]
            for level, event in reached:
                self.on_climate.remove((level, event))
                event.succeed(True)

    def accepted(self, v: int) -> None:
        """The host has accepted `v` (the first acceptance is the one recorded)."""
        if math.isnan(self.accept_day[v]):
            self.accept_day[v] = self.env.now
            event = self.on_accept.pop(v, None)
            if event is not None:
                event.succeed(True)

    def visit_ended(self, v: int) -> None:
        """`v`'s visit is over: conditions on it, and on its track, now hold."""
        self.ended[v] = True
        event = self.on_visit.pop(v, None)
        if event is not None:
            event.succeed(True)
        track = self.spec.tracks[v]
        if track not in self.ended_tracks:
            self.ended_tracks.add(track)
            event = self.on_track.pop(track, None)
            if event is not None:
                event.succeed(True)


STATE = tuple(name for name in ReplicationState.__slots__ if name not in MACHINERY)
"""The fields of a replication that a checkpoint saves: its state, not its machinery."""
