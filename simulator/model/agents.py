"""The SimPy agents of one replication: visitors, the host, and incidents.

Every visitor is its own process, started on day 0 beside the host's and the
incidents'. A visitor waits until its preconditions for asking hold, sends a request
to the host's queue, waits for the answer (asking again after a refusal, up to the
host's limit), prepares, waits until its preconditions for travelling hold and the
host's calendar is free, and visits. The policy adds the plan to those
preconditions: `sequential` makes the previous planned visitor's turn a condition for
asking, `pipelined` a condition for travelling, and `opportunistic` a travel
condition waived after `patience_days`.

The agents share the replication's state (`state`), wait on events (`preconditions`)
and score each visit as it happens (`outcome`). The model draws no random numbers: it
consumes one replication of a pre-drawn world and returns one outcome record laid out
as `schema.metric_names`.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy
from simpy.events import PENDING

from .checkpoints import Checkpoint, Checkpoints
from .draws import Draws
from .events import Trace, TraceEvent
from .observed import ObservedPast
from .preconditions import Preconditions
from .spec import ASK, TRAVEL, Spec
from .state import Process


class _Replication(Preconditions, ObservedPast):
    """The agents of one simulated replication: visitors, the host and incidents."""

    def run(self, resume: Checkpoint | None = None) -> list[float]:
        """Run the replication to completion and return its outcome record; from day 0,
        or from a checkpoint of the same world whose prefix the plan starts with (the
        replication was made with that checkpoint's state)."""
        env = self.env
        first = 0
        if resume is not None:  # its state is restored: only the machinery is left to set
            first = len(resume.prefix)
            env.now = resume.now
            self.calendar.free_at = resume.calendar_free
            if resume.next_shock >= 0:
                self.incidents = env.process(self.shocks(resume.next_shock, resume.shock_day))
        elif self.draws.shock_times and not math.isinf(self.draws.shock_times[0]):
            self.incidents = env.process(self.shocks())
        env.process(self.host())
        if self.spec.readings:
            env.process(self.readings())
        if self.trace is not None and self.spec.as_of is not None:
            env.process(self.as_of_marker(self.spec.as_of))
        for v in self.plan[first:]:
            env.process(self.visitor(v))
        env.run_all()
        if self.trace is not None:
            horizon, ids = self.spec.horizon, self.spec.ids
            for v in self.plan:
                if not (self.ended[v] or self.gave_up[v]):
                    text = f"still waiting for {self.waiting.get(v, 'its turn')}"
                    self.trace.append(TraceEvent(horizon, "give_up", ids[v], text))
        return self.record()

    def save(self, position: int) -> None:
        """At the start of the turn at `position`: save the state as a checkpoint, if
        nothing but the next incident is pending (see `checkpoints`)."""
        checkpoints = self.checkpoints
        assert checkpoints is not None
        if not checkpoints.wanted(position):
            return
        env, calendar = self.env, self.calendar
        queue = env._queue
        if len(queue) > 1 or self.requests or self.planned or calendar.busy or calendar.waiting:
            return
        if self.on_visit or self.on_accept or self.on_track or self.on_climate:
            return
        next_shock, shock_day = -1, math.inf
        if queue:
            shock_day, _, _, event = queue[0]
            incidents = self.incidents
            if incidents is None or event is not incidents.target or shock_day <= env.now:
                return
            next_shock = self.shock_next
        fields = self.snapshot()
        checkpoint = Checkpoint(
            self.plan[:position], env.now, fields, calendar.free_at, next_shock, shock_day
        )
        checkpoints.add(checkpoint)

    # -- the visitor ----------------------------------------------------------------------

    def visitor(self, v: int) -> Process:
        """One visitor: ask, prepare, travel, visit; give up when it cannot. In a
        conditioned run, its observed past is replayed first."""
        env, spec = self.env, self.spec
        past = spec.past[v] if spec.past else None
        attempt, yes, send = 0, None, False
        if past is None:
            turn = self.turn_to_await(v)
            if turn is not None:
                yield turn
            if self.checkpoints is not None:  # the turn starts: save the state here
                self.save(self.position[v])
        elif past.visit is not None:
            yield from self.observed_visit(v, past)
            return
        else:
            attempt, yes, send = yield from self.relive(v, past)
        attempts, preparation = spec.max_attempts, self.draws.preparation[v]
        while attempt < attempts:
            if yes is None:
                if not (send or self.ready(v, ASK) or (yield from self.wait(v, ASK))):
                    yield from self.give_up(v)
                    return
                send = False
                yes = yield self.ask(v, attempt)
                if env.now >= spec.horizon:
                    yield from self.give_up(v, "no answer from the host before the horizon")
                    return
            if not yes:
                yield from self.retry_later(v, attempt)
                attempt, yes = attempt + 1, None
                continue
            yes = None
            left, go = yield from self.prepare_visit(v, preparation)
            if go is None:  # cancelled: ask again, with the preparation left
                preparation = left
                attempt += 1
                continue
            if not go:
                yield from self.give_up(v)
                return
            yield from self.travel(v)
            return
        yield from self.give_up(v, f"gives up after {attempts} requests")

    def turn_to_await(self, v: int) -> simpy.Event | None:
        """Under the sequential policy, the event that the previous visitor's turn is over,
        for `v` to wait for before it asks; None when there is nothing to wait for (a
        plain call, not a process: one generator fewer per visitor)."""
        position = self.position[v]
        if self.spec.policy == "sequential" and position > 0 and not self.turn_over[position - 1]:
            if self.trace is not None:
                self.waiting[v] = self.plan_text(position)
            return self.turn_event(position - 1)
        return None

    def ask(self, v: int, attempt: int) -> simpy.Event:
        """Send the host request number `attempt` (from 0): the event of its answer, for
        `v` to wait for (a plain call, not a process: one generator fewer per request)."""
        if self.trace is not None:
            attempts = self.spec.max_attempts
            self.log("request", v, f"asks for a visit (request {attempt + 1} of {attempts})")
        if math.isnan(self.request_day[v]):
            self.request_day[v] = self.env.now
        reply = self.env.event()
        self.requests.append((v, attempt, reply))
        if self.doorbell is not None and self.doorbell._value is PENDING:  # not triggered
            self.doorbell.succeed()
        return reply

    def retry_later(self, v: int, attempt: int) -> Process:
        """After refused request `attempt`, wait the drawn delay before asking again."""
        delay = self.draws.retry_delay[v][attempt]
        if self.trace is not None and attempt + 1 < self.spec.max_attempts:
            self.log("retry", v, f"will ask again in {delay:.1f} days")
        yield self.env.timeout(delay)

    def prepare_visit(
        self, v: int, preparation: float
    ) -> Generator[simpy.Event, Any, tuple[float, bool | None]]:
        """Once accepted: prepare, then wait to travel. Returns the preparation left and
        whether `v` may travel (None: an incident cancelled the planned visit)."""
        self.accepted(v)
        if self.trace is not None:
            self.log("prepare", v, f"accepted; prepares for {preparation:.1f} days")
        left = (yield from self.prepare(v, preparation)) if preparation > 0 else 0.0
        if left > 0:
            go = None
        elif self.ready(v, TRAVEL):  # nothing to wait for: no wait to start (the common case)
            go = True
        else:
            go = yield from self.ready_to_travel(v)
        if go is None and self.trace is not None:
            self.log("cancel", v, "the incident cancels the planned visit")
        return left, go

    def prepare(self, v: int, days: float) -> Generator[simpy.Event, Any, float]:
        """Prepare for `days`; an incident postpones it or, if severe, cancels it.
        Returns the preparation left (0 when done)."""
        env, spec = self.env, self.spec
        me = env._active_proc  # this agent (SimPy's `active_process`, without the call)
        assert me is not None
        self.planned.append(me)
        end = env.now + days
        while (now := env.now) < end:
            try:
                yield env.timeout(end - now)
            except simpy.Interrupt as shock:
                severity = shock.cause
                assert isinstance(severity, float)  # `shocks` interrupts with the severity
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
        me = env._active_proc  # this agent (SimPy's `active_process`, without the call)
        assert me is not None
        self.planned.append(me)
        start = env.now
        try:
            while True:
                try:
                    return self.ready(v, TRAVEL) or (yield from self.wait(v, TRAVEL, start))
                except simpy.Interrupt as shock:
                    severity = shock.cause
                    assert isinstance(severity, float)  # `shocks` interrupts with the severity
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
        env, spec, trace = self.env, self.spec, self.trace
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
        yield from self.make_visit(v)
        self.calendar.release()
        self.end_turn(self.position[v], after=spec.min_gap)

    def give_up(self, v: int, why: str | None = None) -> Process:
        """`v` will not visit: conditions on it can no longer hold, and once the previous
        planned visitor's turn is over, so is `v`'s. `why`, if given, is traced."""
        if why is not None and self.trace is not None:
            self.log("give_up", v, why)
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
        # logistic(logit), inline: 1 / (1 + e^-logit), 0 far below zero (e^-logit overflows)
        chance = 1.0 / (1.0 + math.exp(-logit)) if logit > -700 else 0.0
        if self.trace is not None:
            verdict = "accepts" if u < chance else "declines"
            text = f"host {verdict} (chance {chance:.2f} at climate {self.climate:+.2f})"
            self.log("answer", v, text)
        return u < chance

    # -- the world around them ------------------------------------------------------------

    def shocks(self, first: int = 0, day: float | None = None) -> Process:
        """Incidents: lower the climate, postpone or cancel every planned visit (accepted,
        in preparation or waiting to travel). A run resumed from a checkpoint starts at
        incident `first`, due on `day` exactly."""
        env, trace = self.env, self.trace
        times, severities = self.draws.shock_times, self.draws.shock_severity
        for i in range(first, len(times)):
            t = times[i]
            if math.isinf(t):
                return
            self.shock_next = i
            yield env.timeout(t - env.now) if day is None or i > first else env.at(day)
            severity = severities[i]
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


def simulate(
    spec: Spec,
    plan: tuple[int, ...],
    draws: Draws,
    trace: Trace | None = None,
    checkpoints: Checkpoints | None = None,
) -> list[float]:
    """Simulate one replication of the plan (visitor indices) in its world: its outcome
    record, laid out as `spec.metrics`.

    Pass a list as `trace` to receive the replication's events; the record is the same.
    Pass the same `Checkpoints` of these draws for every plan simulated in this world
    to share the turns that plans with the same first visitors have in common (under
    the sequential policy, in a run not conditioned on evidence, not traced); the
    records are the same.
    """
    if checkpoints is None or trace is not None or not resumable(spec):
        return _Replication(spec, draws, plan, trace).run()
    if checkpoints.draws is not draws:
        raise ValueError("checkpoints of another world")
    resume = checkpoints.deepest(plan)
    state = None
    if resume is not None:  # the saved fields themselves at their last use, else a copy
        state = (
            resume.fields if checkpoints.last_use(resume) else _Replication.copied(resume.fields)
        )
    replication = _Replication(spec, draws, plan, trace, state)
    replication.checkpoints = checkpoints
    return replication.run(resume)


def resumable(spec: Spec) -> bool:
    """Whether runs of `spec` can resume from checkpoints: the sequential policy, with no
    observed past replayed."""
    return spec.policy == "sequential" and spec.as_of is None and not spec.readings
