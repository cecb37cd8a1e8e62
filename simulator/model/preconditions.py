"""Preconditions: how a visitor waits until it may ask or travel.

A precondition is an event that succeeds when it first holds (a gate opening, a visit
ending, the climate reaching a level), with the value False when it can no longer
hold (the visitor it waits for gave up). A soft one is waived after the waiting the
world drew for it.
"""

from __future__ import annotations

import math

import simpy

from .spec import ASK, TRAVEL, Cond
from .state import ReplicationState, Waiting


class Preconditions(ReplicationState):
    """Waiting for a visitor's preconditions of asking or travelling to hold."""

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
            if position > 0 and not self.turn_over[position - 1]:
                waiver = spec.patience if spec.policy == "opportunistic" else math.inf
                text = "" if self.trace is None else self.plan_text(position)
                plan = self.turn_event(position - 1)
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
        if isinstance(event, float):  # a day: wait for it or for the waiver
            return (yield from self.until_day(v, event, waived_at, text))
        env, trace, horizon = self.env, self.trace, self.spec.horizon
        soft = not math.isinf(waived_at)
        # `callbacks is None`: processed (SimPy's `processed`, without the property call)
        if event is not None and event.callbacks is not None and waived_at > env.now:
            if trace is not None:
                self.log("wait", v, f"waits for {text}" + (" (soft)" if soft else ""))
                self.waiting[v] = text
            if soft and waived_at < horizon:
                yield event | env.timeout(waived_at - env.now)
            else:
                yield event
        if event is None or (event.callbacks is None and event._value):
            return True
        if not soft:  # it fired False: it can no longer hold
            if trace is not None:
                self.log("give_up", v, f"gives up: {text} can no longer happen")
            return False
        if trace is not None:
            self.log("waive", v, f"no longer waits for {text} (waived)")
        return True

    def until_day(self, v: int, day: float, waived_at: float, text: str) -> Waiting:
        """Wait for a condition that holds from `day` on, or until `waived_at`. False:
        neither comes before the horizon."""
        env = self.env
        if day <= env.now:
            return True
        until = day if day < waived_at else waived_at
        if until >= self.spec.horizon:
            return False
        if self.trace is not None:
            soft = not math.isinf(waived_at)
            self.log("wait", v, f"waits for {text}" + (" (soft)" if soft else ""))
        yield env.timeout(until - env.now)
        if until < day and self.trace is not None:
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


def _decided(env: simpy.Environment, value: bool) -> simpy.Event:
    """An event already decided (a condition that can no longer hold)."""
    event = env.event()
    event.succeed(value)
    return event
