"""The SimPy model of one replication: visitors, host, gates, shocks and climate.

The model draws no random numbers. It consumes one replication of a pre-drawn world
(`world.WorldBlock`) and returns one outcome record, a float vector laid out as
`schema.metric_names`. `Spec` holds what the model needs from a scenario in flat,
index-addressed form, built once per scenario rather than per replication.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import simpy

from .distributions import FloatArray
from .schema import Scenario, UntilGate, WindowGate, metric_names
from .types import Ordering
from .world import WorldBlock

Process = Generator[simpy.Event, Any, Any]


class TraceEvent(NamedTuple):
    """One line of a replication's timeline: when, what kind, who (if anyone), and what."""

    day: float
    kind: str
    visitor: str | None
    text: str


Trace = list[TraceEvent]


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1.0 - 1e-9)
    return math.log(p / (1.0 - p))


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


Boost = tuple[int | None, str | None, float]  # (after visitor, after track, logit)


class AgendaItem(NamedTuple):
    """One agenda item: its number among all visitors' items, base logit, climate weight,
    value, and the boosts that apply once a given visitor or track has visited."""

    index: int
    logit: float
    climate_weight: float
    value: float
    boosts: tuple[Boost, ...]


@dataclass(frozen=True)
class Spec:
    """A scenario compiled into index-addressed arrays for the model's hot path."""

    horizon: float
    ids: tuple[str, ...]
    tracks: tuple[str, ...]
    earliest: tuple[float, ...]
    until_gates: tuple[tuple[int, ...], ...]  # per visitor: indices of blocking until-gates
    windows: tuple[tuple[tuple[float, float], ...], ...]  # per visitor: blocking windows
    windows_end: tuple[float, ...]  # per visitor: end of the last blocking window, or -inf
    accept_logit: tuple[float, ...]  # base + track bonus + invitation bonus
    climate_weight: float
    first_track: str | None
    preference: tuple[float, ...]  # per visitor, until a first-track visit: bonus or -penalty
    max_attempts: int
    agenda: tuple[tuple[AgendaItem, ...], ...]  # per visitor
    item_count: int
    precedence: tuple[tuple[tuple[int, float], ...], ...]  # per earlier visitor: (later, cost)
    discount: float
    visit_gain: tuple[float, ...]
    item_gain: float
    climate_bounds: tuple[float, float]
    climate_hit: float
    postpone_days: float
    cancel_threshold: float
    opportunistic: bool
    min_gap: float
    patience: float
    weights: tuple[tuple[int, float], ...]  # (record index, weight) of the objective
    metrics: tuple[str, ...]

    def index(self, ordering: Ordering) -> tuple[int, ...]:
        """Visitor indices of an ordering given by ids."""
        return tuple(self.ids.index(v) for v in ordering)


def compile_spec(scenario: Scenario) -> Spec:
    """Flatten a scenario for the model (done once per scenario)."""
    ids = tuple(v.id for v in scenario.visitors)
    host = scenario.host
    preference = host.preference

    def blocks(gate: UntilGate | WindowGate, visitor_index: int) -> bool:
        v = scenario.visitors[visitor_index]
        return gate.id in v.gates or v.track in gate.tracks

    item_ids = [(v.id, item.id) for v in scenario.visitors for item in v.agenda]
    boosts: list[list[Boost]] = [[] for _ in item_ids]
    for b in scenario.effects.agenda_boosts:
        after = ids.index(b.after_visitor) if b.after_visitor is not None else None
        boosts[item_ids.index((b.visitor, b.item))].append((after, b.after_track, b.logit))
    precedence: list[list[tuple[int, float]]] = [[] for _ in ids]
    for p in scenario.effects.precedence_costs:
        precedence[ids.index(p.earlier)].append((ids.index(p.later), p.cost))
    windows = tuple(
        tuple(
            (gate.start_day, gate.end_day)
            for gate in scenario.gates
            if isinstance(gate, WindowGate) and blocks(gate, i)
        )
        for i in range(len(ids))
    )
    items = iter(
        AgendaItem(i, _logit(item.success), item.climate_weight, item.value, tuple(boosts[i]))
        for i, item in enumerate(item for v in scenario.visitors for item in v.agenda)
    )
    names = metric_names(scenario)
    return Spec(
        horizon=scenario.horizon_days,
        ids=ids,
        tracks=tuple(v.track for v in scenario.visitors),
        earliest=tuple(v.earliest_day for v in scenario.visitors),
        until_gates=tuple(
            tuple(
                g
                for g, gate in enumerate(scenario.gates)
                if isinstance(gate, UntilGate) and blocks(gate, i)
            )
            for i in range(len(ids))
        ),
        windows=windows,
        windows_end=tuple(max((end for _, end in w), default=-math.inf) for w in windows),
        accept_logit=tuple(
            _logit(host.acceptance)
            + host.track_bonus.get(v.track, 0.0)
            + (host.invitation_bonus if v.invited else 0.0)
            for v in scenario.visitors
        ),
        climate_weight=host.climate_weight,
        first_track=preference.first_track,
        preference=tuple(
            preference.bonus if v.track == preference.first_track else -preference.penalty
            for v in scenario.visitors
        ),
        max_attempts=host.max_attempts,
        agenda=tuple(tuple(next(items) for _ in v.agenda) for v in scenario.visitors),
        item_count=len(item_ids),
        precedence=tuple(tuple(p) for p in precedence),
        discount=scenario.effects.discount_per_day,
        visit_gain=tuple(scenario.climate.visit_gain.get(v.track, 0.0) for v in scenario.visitors),
        item_gain=scenario.climate.item_gain,
        climate_bounds=scenario.climate.bounds,
        climate_hit=scenario.shocks.climate_hit,
        postpone_days=scenario.shocks.postpone_days,
        cancel_threshold=scenario.shocks.cancel_threshold,
        opportunistic=scenario.policy.mode == "opportunistic",
        min_gap=scenario.policy.min_gap_days,
        patience=scenario.policy.patience_days,
        weights=tuple((names.index(k), w) for k, w in scenario.objective.items()),
        metrics=names,
    )


@dataclass(frozen=True)
class Draws:
    """One replication's slice of a world block, as plain Python floats."""

    initial_climate: float
    gate_open: list[float]
    shock_times: list[float]
    shock_severity: list[float]
    preparation: list[float]
    visit_days: list[float]
    response_delay: list[list[float]]
    accept_u: list[list[float]]
    retry_delay: list[list[float]]
    item_u: list[float]

    @classmethod
    def of(cls, world: WorldBlock, r: int) -> Draws:
        """Replication `r` (index within the block) of a world block."""
        return cls(
            initial_climate=float(world.initial_climate[r]),
            gate_open=world.gate_open[r].tolist(),
            shock_times=world.shock_times[r].tolist(),
            shock_severity=world.shock_severity[r].tolist(),
            preparation=world.preparation[r].tolist(),
            visit_days=world.visit_days[r].tolist(),
            response_delay=world.response_delay[r].tolist(),
            accept_u=world.accept_u[r].tolist(),
            retry_delay=world.retry_delay[r].tolist(),
            item_u=world.item_u[r].tolist(),
        )


class _Replication:
    """The state and processes of one simulated replication.

    With a `trace` list, each event point appends a `TraceEvent`; without one (the
    experiment's hot path) the only cost is an `is not None` test at those points.
    """

    def __init__(
        self, spec: Spec, draws: Draws, plan: tuple[int, ...], trace: Trace | None = None
    ) -> None:
        self.spec = spec
        self.trace = trace
        self.draws = draws
        self.plan = plan
        self.env = simpy.Environment()
        self.climate = draws.initial_climate
        self.realized: list[int] = []
        self.day = [math.nan] * len(spec.ids)
        self.achieved = [0.0] * spec.item_count
        self.value = 0.0
        self.precedence_cost = 0.0
        self.first_track_visited = spec.first_track is None
        self.preparing: simpy.Process | None = None  # turns are sequential: one at most
        self.done_tracks: set[str] = set()

    def log(self, kind: str, v: int | None, text: str) -> None:
        """Add a trace event at the current day (only called when tracing)."""
        assert self.trace is not None
        self.trace.append(
            TraceEvent(self.env.now, kind, None if v is None else self.spec.ids[v], text)
        )

    # -- environment ------------------------------------------------------------------

    def run(self) -> FloatArray:
        """Run the replication to completion and return its outcome record."""
        if self.draws.shock_times and not math.isinf(self.draws.shock_times[0]):
            self.env.process(self.shocks())
        self.env.process(self.planner())
        self.env.run()
        return self.record()

    def opening_day(self, v: int) -> float:
        """First day on which `v` may request: its earliest day, once its until-gates open."""
        day, gate_open = self.spec.earliest[v], self.draws.gate_open
        for g in self.spec.until_gates[v]:
            opens = gate_open[g]
            day = opens if opens > day else day  # max(day, opens) without the call
        return day

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
        """Move the climate by `delta`, within its bounds."""
        low, high = self.spec.climate_bounds
        climate = self.climate + delta
        climate = low if low > climate else climate  # min(max(...)) without the calls
        self.climate = high if high < climate else climate

    # -- agents -------------------------------------------------------------------------

    def planner(self) -> Process:
        """Follow the plan per the policy: one visitor's turn at a time.

        A turn runs inside this process: request (after the earliest day and the
        visitor's until-gates), the host's answer after its response delay, a retry after
        a refusal, preparation, travel outside blocking windows, the visit, then the
        policy's gap. A shock interrupts the preparation: it postpones the visit or, if
        severe, cancels it, and the visitor asks again with the preparation left.
        """
        env, spec, draws, trace = self.env, self.spec, self.draws, self.trace
        timeout, horizon, attempts = env.timeout, spec.horizon, spec.max_attempts
        remaining = list(self.plan)
        while remaining:
            v = remaining[0]
            if spec.opportunistic:
                v, start = self.choose(remaining)
                if start >= horizon:
                    return
                if start > env.now:
                    yield timeout(start - env.now)
                if trace is not None and v != remaining[0]:
                    self.log("plan", v, f"goes before {spec.ids[remaining[0]]}, who is blocked")
            remaining.remove(v)
            opens, preparation = self.opening_day(v), draws.preparation[v]
            delays, retries = draws.response_delay[v], draws.retry_delay[v]
            accept_u = draws.accept_u[v]
            for attempt in range(attempts):
                now = env.now
                ready = opens if opens > now else now  # max(now, opens)
                if ready >= horizon:
                    if trace is not None:
                        text = f"cannot ask before the horizon (ready on day {ready:.1f})"
                        self.log("give_up", v, text)
                    break
                if ready > now:
                    if trace is not None:
                        text = f"waits until day {ready:.1f} to ask (earliest day or a gate)"
                        self.log("wait", v, text)
                    yield timeout(ready - now)
                if trace is not None:
                    text = f"asks for a visit (request {attempt + 1} of {attempts})"
                    self.log("request", v, text)
                if delays[attempt] > 0:
                    yield timeout(delays[attempt])
                if not self.answer(v, accept_u[attempt]):
                    if trace is not None and attempt + 1 < attempts:
                        self.log("retry", v, f"will ask again in {retries[attempt]:.1f} days")
                    yield timeout(retries[attempt])
                    continue
                if trace is not None:
                    self.log("prepare", v, f"accepted; prepares for {preparation:.1f} days")
                end = env.now + preparation
                self.preparing = env.active_process
                while (now := env.now) < end:
                    try:
                        yield timeout(end - now)
                    except simpy.Interrupt as shock:
                        severity = shock.cause
                        if severity >= spec.cancel_threshold:
                            break
                        end += spec.postpone_days * severity
                        if trace is not None:
                            days = spec.postpone_days * severity
                            self.log("postpone", v, f"preparation postponed by {days:.1f} days")
                self.preparing = None
                if now < end:  # cancelled: ask again, with the preparation left
                    if trace is not None:
                        self.log("cancel", v, "the incident cancels the planned visit")
                    preparation = max(end - env.now, 1e-9)
                    continue
                # past the end of v's last window, no window can be in the way
                day = now if now >= spec.windows_end[v] else self.travel_day(v, now)
                if day >= horizon:
                    if trace is not None:
                        self.log("give_up", v, f"cannot travel before the horizon (day {day:.1f})")
                    break
                if day > now:
                    if trace is not None:
                        self.log("wait", v, f"waits for a travel window until day {day:.1f}")
                    yield timeout(day - now)
                achieved = self.visit(v)
                yield timeout(draws.visit_days[v])
                before = self.climate
                self.adjust_climate(spec.visit_gain[v] + spec.item_gain * achieved)
                if trace is not None:
                    text = f"visit ends; climate {before:+.2f} -> {self.climate:+.2f}"
                    self.log("visit_end", v, text)
                if spec.min_gap > 0:
                    yield timeout(spec.min_gap)
                break
            else:
                if trace is not None:
                    self.log("give_up", v, f"gives up after {attempts} requests")

    def choose(self, remaining: Sequence[int]) -> tuple[int, float]:
        """Opportunistic policy: the head of the plan, unless blocked beyond patience.

        When the head cannot request within `patience` days, the first later visitor
        who can request by then goes instead (or whoever becomes ready first).
        """
        now = self.env.now
        head = remaining[0]
        head_ready = max(now, self.opening_day(head))
        deadline = now + self.spec.patience
        if head_ready <= deadline:
            return head, now
        best, best_day = head, head_ready
        for v in remaining[1:]:
            day = max(now, self.opening_day(v), deadline)
            if day < best_day:
                best, best_day = v, day
        return best, best_day

    def answer(self, v: int, u: float) -> bool:
        """The host's vote on `v`'s request, cast now, when its response delay is over:
        yes if the uniform `u` is below the chance of acceptance.

        The chance depends on the climate today and on whether a visit of the host's
        preferred first track has happened yet.
        """
        spec = self.spec
        logit = spec.accept_logit[v] + spec.climate_weight * self.climate
        if not self.first_track_visited:
            logit += spec.preference[v]
        chance = _logistic(logit)
        if self.trace is not None:
            verdict = "accepts" if u < chance else "declines"
            self.log(
                "answer", v, f"host {verdict} (chance {chance:.2f} at climate {self.climate:+.2f})"
            )
        return u < chance

    def shocks(self) -> Process:
        """Incidents: lower the climate, postpone or cancel visits in preparation."""
        env, trace = self.env, self.trace
        for t, severity in zip(self.draws.shock_times, self.draws.shock_severity, strict=True):
            if math.isinf(t):
                return
            yield env.timeout(t - env.now)
            before = self.climate
            self.adjust_climate(-self.spec.climate_hit * severity)
            if trace is not None:
                self.log(
                    "shock",
                    None,
                    f"incident of severity {severity:.2f}; climate {before:+.2f} -> "
                    f"{self.climate:+.2f}",
                )
            if self.preparing is not None:
                self.preparing.interrupt(severity)

    # -- outcomes -----------------------------------------------------------------------

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
        """The outcome record, laid out as `spec.metrics`: `schema.RECORD_HEAD`, then the
        visit days, then the agenda items."""
        spec, realized, plan, day = self.spec, self.realized, self.plan, self.day
        positions = [plan.index(v) for v in realized]
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
            *self.achieved,
        ]
        values[0] = sum([w * values[i] for i, w in spec.weights])
        return np.array(values)


def simulate(
    spec: Spec, plan: tuple[int, ...], draws: Draws, trace: Trace | None = None
) -> FloatArray:
    """Simulate one replication of the plan (visitor indices) in its world.

    Pass a list as `trace` to receive the replication's events; the record is the same.
    """
    return _Replication(spec, draws, plan, trace).run()
