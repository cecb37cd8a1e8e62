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


@dataclass(frozen=True)
class Spec:
    """A scenario compiled into index-addressed arrays for the model's hot path."""

    horizon: float
    ids: tuple[str, ...]
    tracks: tuple[str, ...]
    earliest: tuple[float, ...]
    until_gates: tuple[tuple[int, ...], ...]  # per visitor: indices of blocking until-gates
    windows: tuple[tuple[tuple[float, float], ...], ...]  # per visitor: blocking windows
    accept_logit: tuple[float, ...]  # base + track bonus + invitation bonus
    climate_weight: float
    first_track: str | None
    pref_bonus: float
    pref_penalty: float
    max_attempts: int
    items: tuple[tuple[int, ...], ...]  # per visitor: indices into the item arrays
    item_logit: tuple[float, ...]
    item_climate_weight: tuple[float, ...]
    item_value: tuple[float, ...]
    item_boosts: tuple[tuple[tuple[int | None, str | None, float], ...], ...]
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

    def blocks(gate: UntilGate | WindowGate, visitor_index: int) -> bool:
        v = scenario.visitors[visitor_index]
        return gate.id in v.gates or v.track in gate.tracks

    item_ids = [(v.id, item.id) for v in scenario.visitors for item in v.agenda]
    items_flat = [item for v in scenario.visitors for item in v.agenda]
    boosts: list[list[tuple[int | None, str | None, float]]] = [[] for _ in items_flat]
    for b in scenario.effects.agenda_boosts:
        after = ids.index(b.after_visitor) if b.after_visitor is not None else None
        boosts[item_ids.index((b.visitor, b.item))].append((after, b.after_track, b.logit))
    precedence: list[list[tuple[int, float]]] = [[] for _ in ids]
    for p in scenario.effects.precedence_costs:
        precedence[ids.index(p.earlier)].append((ids.index(p.later), p.cost))
    names = metric_names(scenario)
    counter = iter(range(len(items_flat)))
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
        windows=tuple(
            tuple(
                (gate.start_day, gate.end_day)
                for gate in scenario.gates
                if isinstance(gate, WindowGate) and blocks(gate, i)
            )
            for i in range(len(ids))
        ),
        accept_logit=tuple(
            _logit(host.acceptance)
            + host.track_bonus.get(v.track, 0.0)
            + (host.invitation_bonus if v.invited else 0.0)
            for v in scenario.visitors
        ),
        climate_weight=host.climate_weight,
        first_track=host.preference.first_track,
        pref_bonus=host.preference.bonus,
        pref_penalty=host.preference.penalty,
        max_attempts=host.max_attempts,
        items=tuple(tuple(next(counter) for _ in v.agenda) for v in scenario.visitors),
        item_logit=tuple(_logit(item.success) for item in items_flat),
        item_climate_weight=tuple(item.climate_weight for item in items_flat),
        item_value=tuple(item.value for item in items_flat),
        item_boosts=tuple(tuple(b) for b in boosts),
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
        self.achieved = [0.0] * len(spec.item_value)
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

    def ready_day(self, v: int, now: float) -> float:
        """First day from `now` on which `v` may request: earliest day, until-gates open."""
        day = max(now, self.spec.earliest[v])
        for g in self.spec.until_gates[v]:
            day = max(day, self.draws.gate_open[g])
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
        low, high = self.spec.climate_bounds
        self.climate = min(max(self.climate + delta, low), high)

    # -- agents -------------------------------------------------------------------------

    def planner(self) -> Process:
        """Follow the plan: one visitor's turn at a time, per the policy."""
        remaining = list(self.plan)
        while remaining:
            v = remaining[0]
            if self.spec.opportunistic:
                v, start = self.choose(remaining)
                if start >= self.spec.horizon:
                    return
                if start > self.env.now:
                    yield self.env.timeout(start - self.env.now)
                if self.trace is not None and v != remaining[0]:
                    self.log(
                        "plan", v, f"goes before {self.spec.ids[remaining[0]]}, who is blocked"
                    )
            remaining.remove(v)
            visited = yield from self.turn(v)
            if visited and self.spec.min_gap > 0:
                yield self.env.timeout(self.spec.min_gap)

    def choose(self, remaining: Sequence[int]) -> tuple[int, float]:
        """Opportunistic policy: the head of the plan, unless blocked beyond patience.

        When the head cannot request within `patience` days, the first later visitor
        who can request by then goes instead (or whoever becomes ready first).
        """
        now = self.env.now
        head = remaining[0]
        head_ready = self.ready_day(head, now)
        deadline = now + self.spec.patience
        if head_ready <= deadline:
            return head, now
        best, best_day = head, head_ready
        for v in remaining[1:]:
            day = max(self.ready_day(v, now), deadline)
            if day < best_day:
                best, best_day = v, day
        return best, best_day

    def turn(self, v: int) -> Process:
        """One visitor's turn: request, retry, prepare, travel, visit. True if visited."""
        spec, draws, env, trace = self.spec, self.draws, self.env, self.trace
        remaining_prep = draws.preparation[v]
        for attempt in range(spec.max_attempts):
            ready = self.ready_day(v, env.now)
            if ready >= spec.horizon:
                if trace is not None:
                    self.log(
                        "give_up", v, f"cannot ask before the horizon (ready on day {ready:.1f})"
                    )
                return False
            if ready > env.now:
                if trace is not None:
                    self.log(
                        "wait", v, f"waits until day {ready:.1f} to ask (earliest day or a gate)"
                    )
                yield env.timeout(ready - env.now)
            if trace is not None:
                self.log(
                    "request", v, f"asks for a visit (request {attempt + 1} of {spec.max_attempts})"
                )
            delay = draws.response_delay[v][attempt]
            if delay > 0:
                yield env.timeout(delay)
            if not self.answer(v, attempt):
                if trace is not None and attempt + 1 < spec.max_attempts:
                    self.log(
                        "retry", v, f"will ask again in {draws.retry_delay[v][attempt]:.1f} days"
                    )
                yield env.timeout(draws.retry_delay[v][attempt])
                continue
            remaining_prep = yield from self.prepare(v, remaining_prep)
            if remaining_prep > 0:
                continue  # cancelled by a severe shock: ask again
            day = self.travel_day(v, env.now)
            if day >= spec.horizon:
                if trace is not None:
                    self.log("give_up", v, f"cannot travel before the horizon (day {day:.1f})")
                return False
            if day > env.now:
                if trace is not None:
                    self.log("wait", v, f"waits for a travel window until day {day:.1f}")
                yield env.timeout(day - env.now)
            achieved = self.visit(v)
            yield env.timeout(draws.visit_days[v])
            before = self.climate
            self.adjust_climate(spec.visit_gain[v] + spec.item_gain * achieved)
            if trace is not None:
                self.log(
                    "visit_end", v, f"visit ends; climate {before:+.2f} -> {self.climate:+.2f}"
                )
            return True
        if trace is not None:
            self.log("give_up", v, f"gives up after {spec.max_attempts} requests")
        return False

    def prepare(self, v: int, days: float) -> Process:
        """Prepare for `days`; shocks postpone. Returns preparation left if cancelled."""
        env, trace = self.env, self.trace
        end = env.now + days
        self.preparing = env.active_process
        if trace is not None:
            self.log("prepare", v, f"accepted; prepares for {days:.1f} days")
        while env.now < end:
            try:
                yield env.timeout(end - env.now)
            except simpy.Interrupt as stop:
                severity = float(stop.cause)
                if severity >= self.spec.cancel_threshold:
                    if trace is not None:
                        self.log("cancel", v, "the incident cancels the planned visit")
                    self.preparing = None
                    return max(end - env.now, 1e-9)
                end += self.spec.postpone_days * severity
                if trace is not None:
                    delay = self.spec.postpone_days * severity
                    self.log("postpone", v, f"preparation postponed by {delay:.1f} days")
        self.preparing = None
        return 0.0

    def answer(self, v: int, attempt: int) -> bool:
        """The host's vote on `v`'s request, cast now, when its response delay is over.

        The chance depends on the climate today and on whether a visit of the host's
        preferred first track has happened yet.
        """
        spec = self.spec
        logit = spec.accept_logit[v] + spec.climate_weight * self.climate
        if not self.first_track_visited:
            if spec.tracks[v] == spec.first_track:
                logit += spec.pref_bonus
            else:
                logit -= spec.pref_penalty
        chance = _logistic(logit)
        accepted = self.draws.accept_u[v][attempt] < chance
        if self.trace is not None:
            verdict = "accepts" if accepted else "declines"
            self.log(
                "answer", v, f"host {verdict} (chance {chance:.2f} at climate {self.climate:+.2f})"
            )
        return accepted

    def shocks(self) -> Process:
        """Incidents: lower the climate, postpone or cancel visits in preparation."""
        env = self.env
        for t, severity in zip(self.draws.shock_times, self.draws.shock_severity, strict=True):
            if math.isinf(t):
                return
            yield env.timeout(t - env.now)
            before = self.climate
            self.adjust_climate(-self.spec.climate_hit * severity)
            if self.trace is not None:
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
        spec, draws = self.spec, self.draws
        today = self.env.now
        done_tracks = self.done_tracks
        achieved = 0
        for i in spec.items[v]:
            logit = spec.item_logit[i] + spec.item_climate_weight[i] * self.climate
            for after, track, boost in spec.item_boosts[i]:
                if (after is not None and after in self.realized) or track in done_tracks:
                    logit += boost
            if draws.item_u[i] < _logistic(logit):
                self.achieved[i] = 1.0
                self.value += spec.item_value[i] * math.exp(-spec.discount * today)
                achieved += 1
        for later, cost in spec.precedence[v]:
            if math.isnan(self.day[later]):
                self.precedence_cost += cost
        if self.trace is not None:
            self.log("visit", v, self.visit_text(v))
        self.day[v] = today
        self.realized.append(v)
        done_tracks.add(spec.tracks[v])
        if spec.tracks[v] == spec.first_track:
            self.first_track_visited = True
        return achieved

    def visit_text(self, v: int) -> str:
        """What a visit achieved, for the trace."""
        spec = self.spec
        names = spec.metrics[len(spec.metrics) - len(spec.item_value) :]
        items = [names[i].rsplit(".", 1)[1] for i in spec.items[v] if self.achieved[i]]
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
        spec, realized = self.spec, self.realized
        days = [self.day[v] for v in realized]
        positions = [self.plan.index(v) for v in realized]
        values = [
            0.0,  # utility, filled in below
            self.value,  # agenda_value
            float(sum(self.achieved)),  # items_achieved
            float(len(realized)),  # visits_completed
            min(days) if days else spec.horizon,  # days_to_first_visit
            self.climate,  # final_climate
            self.precedence_cost,  # precedence_cost
            float(tuple(realized) == self.plan),  # realized_equals_plan
            float(positions == sorted(positions)),  # plan_order_kept
            *self.day,
            *self.achieved,
        ]
        values[0] = sum(w * values[i] for i, w in spec.weights)
        return np.array(values)


def simulate(
    spec: Spec, plan: tuple[int, ...], draws: Draws, trace: Trace | None = None
) -> FloatArray:
    """Simulate one replication of the plan (visitor indices) in its world.

    Pass a list as `trace` to receive the replication's events; the record is the same.
    """
    return _Replication(spec, draws, plan, trace).run()
