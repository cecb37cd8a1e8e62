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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

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


def _gate_opening(scenario: Scenario, gate: UntilGate, seed: int, block: int) -> FloatArray:
    opens = gate.opens.ppf(_uniforms(seed, block, f"gate:{gate.id}:opens"))
    if gate.crisis is None or gate.deadline is None:
        return opens
    crisis = _uniforms(seed, block, f"gate:{gate.id}:crisis") < gate.crisis.probability
    extension = gate.crisis.extension.ppf(_uniforms(seed, block, f"gate:{gate.id}:extension"))
    return np.where(crisis, np.maximum(opens, gate.deadline) + extension, opens)


def _shocks(scenario: Scenario, seed: int, block: int) -> tuple[FloatArray, FloatArray]:
    shocks = scenario.shocks
    cap = shock_cap(scenario)
    if cap == 0:
        empty = np.empty((BLOCK_SIZE, 0))
        return empty, empty
    gaps = -np.log1p(-_uniforms(seed, block, "shocks:gaps", cap)) / shocks.rate_per_day
    times = np.cumsum(gaps, axis=1)
    times[times >= scenario.horizon_days] = np.inf
    severity = shocks.severity.ppf(_uniforms(seed, block, "shocks:severity", cap))
    return times, severity


def draw_block(scenario: Scenario, seed: int, block: int) -> WorldBlock:
    """Draw the world of every replication in `block`, vectorized over replications."""
    attempts = scenario.host.max_attempts
    host = scenario.host

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
            gate_open[:, g] = _gate_opening(scenario, gate, seed, block)
    items = [
        _uniforms(seed, block, f"item:{v.id}:{item.id}")
        for v in scenario.visitors
        for item in v.agenda
    ]
    shock_times, shock_severity = _shocks(scenario, seed, block)
    waivers = [
        np.where(
            _uniforms(seed, block, f"visitor:{vid}:waiver:{key}:chance") < waiver.probability,
            waiver.after.ppf(_uniforms(seed, block, f"visitor:{vid}:waiver:{key}:after")),
            np.inf,
        )
        for vid, key, waiver in soft_conditions(scenario)
    ]
    return WorldBlock(
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
