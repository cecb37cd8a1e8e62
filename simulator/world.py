"""Sampling of all uncertainty for a block of replications (the "world").

Contract (DESIGN §4): everything random in replication r is drawn here, before any
SimPy run, so every ordering of replication r faces the same world (common random
numbers). Each named quantity (a visitor's preparation, a gate's opening, ...) has its
own stream, derived from `SeedSequence(seed, spawn_key=(block, key(name)))`: draws are
keyed by names, never by positions in an ordering, and adding a visitor leaves the
others' draws alone. Values come from uniforms by inverse CDF, and uniforms are drawn
slot-major (shape `(slots, block)`) so that raising a slot count (attempts, shock cap)
keeps the earlier slots' values: CRN survives parameter sweeps.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .evidence.condition import (
    Conditioning,
    conditioning,
    gate_opening_after,
    item_uniforms,
    shocks_after,
    spent,
    truncated_ppf,
)
from .scenario import Distribution, Scenario, UntilGate, Visitor, soft_conditions
from .streams import stream
from .types import FloatArray

BLOCK_SIZE = 100
"""Replications per world block. Part of the reproducibility contract: never change."""

_SHOCK_TAIL = 1e-12  # probability mass of shock counts beyond the drawn cap


def _uniforms(seed: int, block: int, name: str, slots: int = 0) -> FloatArray:
    """Uniforms of one named stream: shape (BLOCK_SIZE,) or (BLOCK_SIZE, slots)."""
    rng = stream(seed, name, block)
    if slots == 0:
        return rng.random(BLOCK_SIZE)
    return rng.random((slots, BLOCK_SIZE)).T


def shock_cap(scenario: Scenario) -> int:
    """Shock slots drawn per replication: enough that overflow has chance < 1e-12."""
    mean = scenario.shocks.rate_per_day * scenario.horizon_days
    if mean == 0:
        return 0
    return int(stats.poisson.isf(_SHOCK_TAIL, mean)) + 1


@dataclass(frozen=True)
class WorldBlock:
    """All random inputs of replications `block*BLOCK_SIZE ...` (+BLOCK_SIZE).

    Visitor arrays are indexed (replication, visitor[, attempt]) in the scenario's
    visitor order; the model addresses visitors by that index, not by plan position.
    """

    block: int
    initial_climate: FloatArray  # (R,)
    gate_open: FloatArray  # (R, gates): opening day of `until` gates, NaN for windows
    shock_times: FloatArray  # (R, K): ascending days, inf past the horizon
    shock_severity: FloatArray  # (R, K)
    preparation: FloatArray  # (R, V)
    visit_days: FloatArray  # (R, V)
    response_delay: FloatArray  # (R, V, A)
    accept_u: FloatArray  # (R, V, A)
    retry_delay: FloatArray  # (R, V, A)
    item_u: FloatArray  # (R, items): all visitors' agenda items, in scenario order
    waiver_after: FloatArray  # (R, soft conditions): days of waiting, inf if never waived

    @property
    def first(self) -> int:
        """Global index of this block's first replication."""
        return self.block * BLOCK_SIZE


def _gate_opening(gate: UntilGate, seed: int, block: int, past: Conditioning | None) -> FloatArray:
    """The gate's opening day: observed, or drawn (later than the as-of day, if any)."""
    u_opens = _uniforms(seed, block, f"gate:{gate.id}:opens")
    if past is not None:
        seen = past.observations.gate_opened(gate.id)
        if seen is not None:
            return np.full(BLOCK_SIZE, seen)
        u_crisis = _uniforms(seed, block, f"gate:{gate.id}:crisis")
        u_ext = _uniforms(seed, block, f"gate:{gate.id}:extension")
        return gate_opening_after(gate, past.as_of, u_opens, u_crisis, u_ext)
    opens = gate.opens.ppf(u_opens)
    if gate.crisis is None or gate.deadline is None:
        return opens
    crisis = _uniforms(seed, block, f"gate:{gate.id}:crisis") < gate.crisis.probability
    extension = gate.crisis.extension.ppf(_uniforms(seed, block, f"gate:{gate.id}:extension"))
    return np.where(crisis, np.maximum(opens, gate.deadline) + extension, opens)


def _shocks(
    scenario: Scenario, seed: int, block: int, past: Conditioning | None
) -> tuple[FloatArray, FloatArray]:
    shocks = scenario.shocks
    cap = shock_cap(scenario)
    if cap == 0:
        gaps = severity = np.empty((BLOCK_SIZE, 0))
    else:
        gaps = -np.log1p(-_uniforms(seed, block, "shocks:gaps", cap)) / shocks.rate_per_day
        severity = shocks.severity.ppf(_uniforms(seed, block, "shocks:severity", cap))
    if past is not None:
        return shocks_after(past.as_of, scenario.horizon_days, past.observations, gaps, severity)
    times = np.cumsum(gaps, axis=1)
    times[times >= scenario.horizon_days] = np.inf
    return times, severity


def draw_block(scenario: Scenario, seed: int, block: int) -> WorldBlock:
    """Draw the world of every replication in `block`, vectorized over replications."""
    attempts = scenario.host.max_attempts
    host = scenario.host
    past = conditioning(scenario)

    def per_visitor(quantity: str, dist_for: Callable[[Visitor], Distribution]) -> FloatArray:
        return np.stack(
            [
                dist_for(v).ppf(_uniforms(seed, block, f"visitor:{v.id}:{quantity}"))
                for v in scenario.visitors
            ],
            axis=1,
        )

    def per_attempt(quantity: str) -> FloatArray:
        return np.stack(
            [
                _uniforms(seed, block, f"visitor:{v.id}:{quantity}", attempts)
                for v in scenario.visitors
            ],
            axis=1,
        )

    gate_open = np.full((BLOCK_SIZE, len(scenario.gates)), np.nan)
    for g, gate in enumerate(scenario.gates):
        if isinstance(gate, UntilGate):
            gate_open[:, g] = _gate_opening(gate, seed, block, past)
    items = [
        _uniforms(seed, block, f"item:{v.id}:{item.id}")
        for v in scenario.visitors
        for item in v.agenda
    ]
    shock_times, shock_severity = _shocks(scenario, seed, block, past)
    waivers = [
        np.where(
            _uniforms(seed, block, f"visitor:{vid}:waiver:{key}:chance") < waiver.probability,
            waiver.after.ppf(_uniforms(seed, block, f"visitor:{vid}:waiver:{key}:after")),
            np.inf,
        )
        for vid, key, waiver in soft_conditions(scenario)
    ]
    world = WorldBlock(
        block=block,
        initial_climate=scenario.climate.initial.ppf(_uniforms(seed, block, "climate:initial")),
        gate_open=gate_open,
        shock_times=shock_times,
        shock_severity=shock_severity,
        preparation=per_visitor("preparation", lambda v: v.preparation),
        visit_days=per_visitor("visit_days", lambda v: v.visit_days),
        response_delay=host.response_delay.ppf(per_attempt("response_delay")),
        accept_u=per_attempt("accept"),
        retry_delay=host.retry_delay.ppf(per_attempt("retry_delay")),
        item_u=np.stack(items, axis=1) if items else np.empty((BLOCK_SIZE, 0)),
        waiver_after=np.stack(waivers, axis=1) if waivers else np.empty((BLOCK_SIZE, 0)),
    )
    return world if past is None else _condition_visitors(scenario, world, seed, past)


def _condition_visitors(
    scenario: Scenario, world: WorldBlock, seed: int, past: Conditioning
) -> WorldBlock:
    """Redraw, given the time already spent by the as-of day, the steps each visitor
    had under way (preparation, an unanswered request, the wait after a refusal), and
    force the agenda items of visits made."""
    preparation = world.preparation.copy()
    response_delay = world.response_delay.copy()
    retry_delay = world.retry_delay.copy()
    host, block, as_of = scenario.host, world.block, past.as_of
    attempts = host.max_attempts
    for i, v in enumerate(scenario.visitors):
        history = past.pasts.get(v.id)
        last = None if history is None else history.last
        if history is None or last is None or history.visit is not None:
            continue
        k = len(history.attempts) - 1
        if last.answer is None and k < attempts:
            u = _uniforms(seed, block, f"visitor:{v.id}:response_delay", attempts)[:, k]
            response_delay[:, i, k] = truncated_ppf(host.response_delay, u, as_of - last.request)
        elif last.accepted:
            u = _uniforms(seed, block, f"visitor:{v.id}:preparation")
            preparation[:, i] = truncated_ppf(v.preparation, u, spent(history, as_of))
        elif last.answer is not None and k < attempts:
            u = _uniforms(seed, block, f"visitor:{v.id}:retry_delay", attempts)[:, k]
            retry_delay[:, i, k] = truncated_ppf(host.retry_delay, u, as_of - last.answer)
    return dataclasses.replace(
        world,
        preparation=preparation,
        response_delay=response_delay,
        retry_delay=retry_delay,
        item_u=item_uniforms(scenario, past.pasts, world.item_u),
    )
