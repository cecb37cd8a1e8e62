"""The SimPy agents of one replication: visitors, the host, and incidents.

Every visitor is its own process, started on day 0 beside the host's and the
incidents'. A visitor waits until its preconditions for asking hold, sends a request
to the host's queue, waits for the answer (asking again after a refusal, up to the
host's limit), prepares, waits until its preconditions for travelling hold and the
host's calendar is free, and visits. The policy adds the plan to those
preconditions: `sequential` makes the previous planned visitor's turn a condition for
asking, `pipelined` a condition for travelling, and `opportunistic` a travel
condition waived after `patience_days`.

A precondition is an event that succeeds when it first holds (a gate opening, a visit
ending, the climate reaching a level), with the value False when it can no longer
hold (the visitor it waits for gave up). A soft one is waived after the waiting the
world drew for it. The model draws no random numbers: it consumes one replication of
a pre-drawn world and returns one outcome record laid out as `schema.metric_names`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from ..types import FloatArray
from .draws import Draws
from .events import Due, HostCalendar, Trace, TraceEvent
from .spec import ASK, TRAVEL, Cond, Spec

Process = Generator[simpy.Event, Any, Any]
Waiting = Generator[simpy.Event, Any, bool]


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


class _Replication:
    """The shared state and the agents of one simulated replication.

    With a `trace` list, each event point appends a `TraceEvent`; without one (the
    experiment's hot path) the only cost is an `is not None` test at those points.
    """

    def __init__(
        self, spec: Spec, draws: Draws, plan: tuple[int, ...], trace: Trace | None = None
    ) -> None:
        n = len(spec.ids)
        self.spec = spec
        self.trace = trace
        self.draws = draws
        self.plan = plan
        self.env = env = simpy.Environment()
        self.position = [0] * n
        for position, v in enumerate(plan):
            self.position[v] = position
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
        # what conditions read, and the events of those being waited for
        self.ended = [False] * n  # the visit is over
        self.gave_up = [False] * n
        self.tracks_left = dict(spec.track_sizes)  # visitors of each track not given up
        self.ended_tracks: set[str] = set()
        self.on_visit: dict[int, simpy.Event] = {}
        self.on_accept: dict[int, simpy.Event] = {}
        self.on_track: dict[str, simpy.Event] = {}
        self.on_climate: list[tuple[float, simpy.Event]] = []
        self.turn_over = [False] * n  # by plan position: that visitor's turn is over
        self.on_turn: dict[int, Due] = {}
        self.planned: list[simpy.Process] = []  # accepted, not yet travelling
        self.hold = [0.0] * n  # travel not before this day (an incident's postponement)
        self.requests: deque[tuple[int, int, Due]] = deque()  # the host's queue
        self.doorbell: simpy.Event | None = None  # rung when a request reaches an idle host
        self.calendar = HostCalendar(env, spec.spacing)
        self.waiting: dict[int, str] = {}  # only when tracing: what a visitor waits for

    def log(self, kind: str, v: int | None, text: str) -> None:
        """Add a trace event at the current day (only called when tracing)."""
        assert self.trace is not None
        self.trace.append(
            TraceEvent(self.env.now, kind, None if v is None else self.spec.ids[v], text)
        )

    def run(self) -> FloatArray:
        """Run the replication to completion and return its outcome record."""
        env = self.env
        if self.draws.shock_times and not math.isinf(self.draws.shock_times[0]):
            env.process(self.shocks())
        env.process(self.host())
        for v in self.plan:
            env.process(self.visitor(v))
        env.run()
        if self.trace is not None:
            horizon, ids = self.spec.horizon, self.spec.ids
            for v in self.plan:
                if not (self.ended[v] or self.gave_up[v]):
                    text = f"still waiting for {self.waiting.get(v, 'its turn')}"
                    self.trace.append(TraceEvent(horizon, "give_up", ids[v], text))
        return self.record()

    # -- the visitor ----------------------------------------------------------------------

    def visitor(self, v: int) -> Process:
        """One visitor: ask, prepare, travel, visit; give up when it cannot."""
        env, spec, draws, trace = self.env, self.spec, self.draws, self.trace
        position = self.position[v]
        if spec.policy == "sequential" and position > 0 and not self.turn_over[position - 1]:
            if trace is not None:
                self.waiting[v] = self.plan_text(position)
            yield self.turn_event(position - 1)
        attempts, preparation = spec.max_attempts, draws.preparation[v]
        attempt = 0
        while attempt < attempts:
            if not self.ready(v, ASK) and not (yield from self.wait(v, ASK)):
                yield from self.give_up(v)
                return
            if trace is not None:
                self.log("request", v, f"asks for a visit (request {attempt + 1} of {attempts})")
            if math.isnan(self.request_day[v]):
                self.request_day[v] = env.now
            reply = Due(env)
            self.requests.append((v, attempt, reply))
            if self.doorbell is not None and not self.doorbell.triggered:
                self.doorbell.succeed()
            yes = yield reply
            if env.now >= spec.horizon:
                if trace is not None:
                    self.log("give_up", v, "no answer from the host before the horizon")
                yield from self.give_up(v)
                return
            if not yes:
                if trace is not None and attempt + 1 < attempts:
                    days = draws.retry_delay[v][attempt]
                    self.log("retry", v, f"will ask again in {days:.1f} days")
                yield env.timeout(draws.retry_delay[v][attempt])
                attempt += 1
                continue
            self.accepted(v)
            if trace is not None:
                self.log("prepare", v, f"accepted; prepares for {preparation:.1f} days")
            left = (yield from self.prepare(v, preparation)) if preparation > 0 else 0.0
            go = None if left > 0 else (yield from self.ready_to_travel(v))
            if go is None:  # cancelled: ask again, with the preparation left
                if trace is not None:
                    self.log("cancel", v, "the incident cancels the planned visit")
                preparation = left
                attempt += 1
                continue
            if not go:
                yield from self.give_up(v)
                return
            yield from self.travel(v)
            return
        if trace is not None:
            self.log("give_up", v, f"gives up after {attempts} requests")
        yield from self.give_up(v)

    def prepare(self, v: int, days: float) -> Generator[simpy.Event, Any, float]:
        """Prepare for `days`; an incident postpones it or, if severe, cancels it.
        Returns the preparation left (0 when done)."""
        env, spec = self.env, self.spec
        me = env.active_process
        assert me is not None
        self.planned.append(me)
        end = env.now + days
        while (now := env.now) < end:
            try:
                yield env.timeout(end - now)
            except simpy.Interrupt as shock:
                severity = shock.cause
                if severity >= spec.cancel_threshold:
                    break
                end += spec.postpone_days * severity
                if self.trace is not None:
                    days = spec.postpone_days * severity
                    self.log("postpone", v, f"preparation postponed by {days:.1f} days")
        self.planned.remove(me)
        return max(end - env.now, 1e-9) if env.now < end else 0.0

    def ready_to_travel(self, v: int) -> Generator[simpy.Event, Any, bool | None]:
        """Wait until `v` may travel (True) or cannot before the horizon (False). While it
        waits, its visit is planned: an incident postpones it or, if severe, cancels it
        (None), as during the preparation."""
        env, spec = self.env, self.spec
        me = env.active_process
        assert me is not None
        self.planned.append(me)
        start = env.now
        try:
            while True:
                try:
                    return self.ready(v, TRAVEL) or (yield from self.wait(v, TRAVEL, start))
                except simpy.Interrupt as shock:
                    severity = shock.cause
                    if severity >= spec.cancel_threshold:
                        return None
                    days = spec.postpone_days * severity
                    self.hold[v] = max(self.hold[v], env.now + days)
                    if self.trace is not None:
                        self.log("postpone", v, f"travel postponed by {days:.1f} days")
        finally:
            self.planned.remove(me)

    def travel(self, v: int) -> Process:
        """Book the host's calendar, wait out blocking windows, visit, end the turn."""
        env, spec, draws, trace = self.env, self.spec, self.draws, self.trace
        booking = self.calendar.book()
        if booking is not None:
            if trace is not None:
                spacing = f", {spec.spacing:g} days apart" if spec.spacing > 0 else ""
                text = f"waits for the host's calendar (one visit at a time{spacing})"
                self.log("wait", v, text)
            yield booking
        now = env.now
        # past the end of v's last window, no window can be in the way
        day = now if now >= spec.windows_end[v] else self.travel_day(v, now)
        if day >= spec.horizon:
            self.calendar.release()
            if trace is not None:
                self.log("give_up", v, f"cannot travel before the horizon (day {day:.1f})")
            yield from self.give_up(v)
            return
        if day > now:
            if trace is not None:
                self.log("wait", v, f"waits for a travel window until day {day:.1f}")
            yield env.timeout(day - now)
        achieved = self.visit(v)
        yield env.timeout(draws.visit_days[v])
        before = self.climate
        self.adjust_climate(spec.visit_gain[v] + spec.item_gain * achieved)
        if trace is not None:
            self.log("visit_end", v, f"visit ends; climate {before:+.2f} -> {self.climate:+.2f}")
        self.visit_ended(v)
        self.calendar.release()
        self.end_turn(self.position[v], after=spec.min_gap)

    def give_up(self, v: int) -> Process:
        """`v` will not visit: conditions on it can no longer hold, and once the previous
        planned visitor's turn is over, so is `v`'s."""
        self.gave_up[v] = True
        event = self.on_visit.pop(v, None)
        if event is not None:
            event.succeed(False)
        event = self.on_accept.pop(v, None)
        if event is not None:
            event.succeed(False)
        track = self.spec.tracks[v]
        self.tracks_left[track] -= 1
        if self.tracks_left[track] == 0 and track not in self.ended_tracks:
            event = self.on_track.pop(track, None)
            if event is not None:
                event.succeed(False)
        position = self.position[v]
        if position > 0 and not self.turn_over[position - 1]:
            yield self.turn_event(position - 1)
        self.end_turn(position)

    def turn_event(self, position: int) -> Due:
        """The event that the turn of the visitor at `position` in the plan is over."""
        event = self.on_turn.get(position)
        if event is None:
            event = self.on_turn[position] = Due(self.env)
        return event

    def end_turn(self, position: int, after: float = 0.0) -> None:
        """The turn of the visitor at `position` in the plan is over, `after` days from now."""
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

    # -- preconditions --------------------------------------------------------------------

    def ready(self, v: int, phase: int) -> bool:
        """Whether `v` may go on at once in `phase`: nothing to wait for and the horizon
        not reached (the common case, checked without starting `wait`)."""
        spec = self.spec
        if spec.conditions[phase][v]:
            return False
        if phase == TRAVEL and spec.policy != "sequential":
            position = self.position[v]
            if position > 0 and not self.turn_over[position - 1]:
                return False
        return self.calendar_day(v, phase) <= self.env.now < spec.horizon

    def calendar_day(self, v: int, phase: int) -> float:
        """The first day `v`'s calendar preconditions of `phase` allow: its fixed day, the
        until gates, and (to travel) an incident's postponement."""
        day, gates = self.spec.earliest[phase][v]
        if phase == TRAVEL and self.hold[v] > day:
            day = self.hold[v]
        gate_open = self.draws.gate_open
        for g in gates:
            opens = gate_open[g]
            day = opens if opens > day else day  # max(day, opens) without the call
        return day

    def plan_text(self, position: int) -> str:
        """What the visitor at `position` waits for under the plan (for the trace)."""
        return f"{self.spec.ids[self.plan[position - 1]]}'s turn to be over (the plan)"

    def wait(self, v: int, phase: int, start: float | None = None) -> Waiting:
        """Wait until `v`'s preconditions of `phase` hold, soft ones counting their waiver
        from `start` (default: now). False: they cannot hold before the horizon (a hard
        one became impossible, or the calendar is past it)."""
        env, spec, horizon = self.env, self.spec, self.spec.horizon
        start = env.now if start is None else start
        if phase == TRAVEL and spec.policy != "sequential":
            position = self.position[v]
            if position > 0:
                waiver = spec.patience if spec.policy == "opportunistic" else math.inf
                text = "" if self.trace is None else self.plan_text(position)
                plan = None if self.turn_over[position - 1] else self.turn_event(position - 1)
                if not (yield from self.until(v, plan, start + waiver, text)):
                    return False
        day = self.calendar_day(v, phase)
        if day >= horizon:
            if self.trace is not None:
                what = "ask" if phase == ASK else "travel"
                self.log("give_up", v, f"cannot {what} before the horizon (day {day:.1f})")
            return False
        now = env.now
        if day > now:
            if self.trace is not None:
                what = "ask" if phase == ASK else "travel"
                self.log("wait", v, f"waits until day {day:.1f} to {what} (a date or a gate)")
            yield env.timeout(day - now)
        waiver_after = self.draws.waiver_after
        for cond in spec.conditions[phase][v]:
            waived_at = start + waiver_after[cond.waiver] if cond.waiver >= 0 else math.inf
            if not (yield from self.until(v, self.event(cond), waived_at, cond.text)):
                return False
        if env.now >= horizon:
            if self.trace is not None:
                self.log("give_up", v, "its preconditions held only after the horizon")
            return False
        return True

    def until(
        self, v: int, event: simpy.Event | float | None, waived_at: float, text: str
    ) -> Waiting:
        """Wait for one condition: its `event` (a day when the world fixes it; None: it
        holds now), or until `waived_at` (inf: hard). False: a hard condition cannot
        hold (its event fired False, or its day is past the horizon)."""
        env, trace, horizon = self.env, self.trace, self.spec.horizon
        soft = not math.isinf(waived_at)
        if isinstance(event, float):  # a day: wait for it or for the waiver
            if event <= env.now:
                return True
            until = event if event < waived_at else waived_at
            if until >= horizon:
                return False
            if trace is not None:
                self.log("wait", v, f"waits for {text}" + (" (soft)" if soft else ""))
            yield env.timeout(until - env.now)
            if until < event and trace is not None:
                self.log("waive", v, f"no longer waits for {text} (waived)")
            return True
        if event is not None and not event.processed and waived_at > env.now:
            if trace is not None:
                self.log("wait", v, f"waits for {text}" + (" (soft)" if soft else ""))
                self.waiting[v] = text
            if soft and waived_at < horizon:
                yield event | env.timeout(waived_at - env.now)
            else:
                yield event
        if event is None or (event.processed and event.value):
            return True
        if not soft:  # it fired False: it can no longer hold
            if trace is not None:
                self.log("give_up", v, f"gives up: {text} can no longer happen")
            return False
        if trace is not None:
            self.log("waive", v, f"no longer waits for {text} (waived)")
        return True

    def event(self, cond: Cond) -> simpy.Event | float | None:
        """The event of a condition (value False if it can no longer hold), or the day
        it holds when the world fixes that day, or None if it holds now."""
        env, kind, target = self.env, cond.kind, cond.target
        if kind in {"visited", "accepted"}:
            v = int(target)
            holds = self.ended[v] if kind == "visited" else not math.isnan(self.accept_day[v])
            if holds:
                return None
            if self.gave_up[v]:
                return _decided(env, False)
            events = self.on_visit if kind == "visited" else self.on_accept
            return events.setdefault(v, env.event())
        if kind == "track_visited":
            track = str(target)
            if track in self.ended_tracks:
                return None
            if self.tracks_left.get(track, 0) == 0:
                return _decided(env, False)
            return self.on_track.setdefault(track, env.event())
        if kind == "climate_at_least":
            if self.climate >= float(target):
                return None
            event = env.event()
            self.on_climate.append((float(target), event))
            return event
        return self.draws.gate_open[int(target)] if kind == "gate" else float(target)

    # -- the host -------------------------------------------------------------------------

    def host(self) -> Process:
        """The host: takes each request from its queue and answers it when its response
        delay is over, with the state of the relationship at that time; sleeps until a
        request arrives when the queue is empty."""
        env, draws, requests = self.env, self.draws, self.requests
        while True:
            while requests:
                v, attempt, reply = requests.popleft()
                delay = draws.response_delay[v][attempt]
                u = draws.accept_u[v][attempt]
                if delay > 0:
                    reply.due(delay, self.answer, v, u)
                else:
                    reply.succeed(self.answer(v, u))
            self.doorbell = env.event()
            yield self.doorbell

    def answer(self, v: int, u: float) -> bool:
        """The host's vote on `v`'s request: yes if the uniform `u` is below the chance of
        acceptance, which depends on the climate now and on whether a visit of the
        host's preferred first track has happened yet."""
        spec = self.spec
        logit = spec.accept_logit[v] + spec.climate_weight * self.climate
        if not self.first_track_visited:
            logit += spec.preference[v]
        chance = _logistic(logit)
        if self.trace is not None:
            verdict = "accepts" if u < chance else "declines"
            text = f"host {verdict} (chance {chance:.2f} at climate {self.climate:+.2f})"
            self.log("answer", v, text)
        return u < chance

    # -- the world around them ------------------------------------------------------------

    def shocks(self) -> Process:
        """Incidents: lower the climate, postpone or cancel every planned visit (accepted,
        in preparation or waiting to travel)."""
        env, trace = self.env, self.trace
        for t, severity in zip(self.draws.shock_times, self.draws.shock_severity, strict=True):
            if math.isinf(t):
                return
            yield env.timeout(t - env.now)
            before = self.climate
            self.adjust_climate(-self.spec.climate_hit * severity)
            if trace is not None:
                text = f"incident of severity {severity:.2f}; climate {before:+.2f} -> "
                self.log("shock", None, text + f"{self.climate:+.2f}")
            for process in list(self.planned):
                process.interrupt(severity)

    def travel_day(self, v: int, now: float) -> float:
        """First day from `now` whose visit does not overlap a window blocking `v`."""
        day, length = now, self.draws.visit_days[v]
        moved = True
        while moved:
            moved = False
            for start, end in self.spec.windows[v]:
                if day < end and day + length > start:
                    day, moved = end, True
        return day

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

    # -- outcomes -------------------------------------------------------------------------

    def visit(self, v: int) -> int:
        """Visitor `v` arrives today: score the agenda and the sequence effects."""
        spec, climate, realized = self.spec, self.climate, self.realized
        today = self.env.now
        worth = math.exp(-spec.discount * today)  # of a point of value achieved today
        item_u, done_tracks = self.draws.item_u, self.done_tracks
        achieved = 0
        for i, base, climate_weight, value, boosts in spec.agenda[v]:
            logit = base + climate_weight * climate
            for after, track, boost in boosts:
                if (after is not None and after in realized) or track in done_tracks:
                    logit += boost
            if item_u[i] < _logistic(logit):
                self.achieved[i] = 1.0
                self.value += value * worth
                achieved += 1
        for later, cost in spec.precedence[v]:
            if math.isnan(self.day[later]):
                self.precedence_cost += cost
        if self.trace is not None:
            self.log("visit", v, self.visit_text(v))
        self.day[v] = today
        realized.append(v)
        done_tracks.add(spec.tracks[v])
        if spec.tracks[v] == spec.first_track:
            self.first_track_visited = True
        return achieved

    def visit_text(self, v: int) -> str:
        """What a visit achieved, for the trace."""
        spec = self.spec
        names = spec.metrics[len(spec.metrics) - spec.item_count :]
        items = [
            names[item.index].rsplit(".", 1)[1]
            for item in spec.agenda[v]
            if self.achieved[item.index]
        ]
        text = f"visits for {self.draws.visit_days[v]:.1f} days; achieved: "
        text += ", ".join(items) if items else "nothing"
        costs = [
            f"{cost:g} for going before {spec.ids[later]}"
            for later, cost in spec.precedence[v]
            if math.isnan(self.day[later])
        ]
        return text + (f"; precedence cost {', '.join(costs)}" if costs else "")

    def record(self) -> FloatArray:
        """The outcome record, laid out as `spec.metrics`: `schema.RECORD_HEAD`, the
        visit, request and acceptance days, then the agenda items."""
        spec, realized, plan, day = self.spec, self.realized, self.plan, self.day
        positions = [self.position[v] for v in realized]
        values = [
            0.0,  # utility, filled in below
            self.value,  # agenda_value
            float(sum(self.achieved)),  # items_achieved
            float(len(realized)),  # visits_completed
            day[realized[0]] if realized else spec.horizon,  # days_to_first_visit (in order)
            self.climate,  # final_climate
            self.precedence_cost,  # precedence_cost
            float(tuple(realized) == plan),  # realized_equals_plan
            float(positions == sorted(positions)),  # plan_order_kept
            *day,
            *self.request_day,
            *self.accept_day,
            *self.achieved,
        ]
        values[0] = sum([w * values[i] for i, w in spec.weights])
        return np.array(values)


def _decided(env: simpy.Environment, value: bool) -> simpy.Event:
    """An event already decided (a condition that can no longer hold)."""
    event = env.event()
    event.succeed(value)
    return event


def simulate(
    spec: Spec, plan: tuple[int, ...], draws: Draws, trace: Trace | None = None
) -> FloatArray:
    """Simulate one replication of the plan (visitor indices) in its world.

    Pass a list as `trace` to receive the replication's events; the record is the same.
    """
    return _Replication(spec, draws, plan, trace).run()
