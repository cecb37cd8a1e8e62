"""When the gates that block a visitor open: the days the timeline shades and the report
states.

Computed from the scenario's distributions alone (their `ppf`), never by sampling, so
the same scenario always gives the same days.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..scenario import Scenario, UntilGate, Visitor, WindowGate
from ..types import FloatArray

GRID = 1000
"""Uniforms per distribution in the deterministic grid behind gate-opening quantiles."""


def opening_quantiles(gate: UntilGate, quantiles: Sequence[float]) -> FloatArray:
    """Quantiles of the day an `until` gate opens, from its distributions' `ppf`.

    Without a crisis they are `opens.ppf(q)`. With one, the opening day is a mixture:
    `opens` with probability 1 - p, `max(opens, deadline) + extension` with probability
    p; its quantiles are read off a deterministic grid of uniforms (no sampling noise).
    """
    q = np.asarray(quantiles, dtype=np.float64)
    if gate.crisis is None or gate.deadline is None:
        return gate.opens.ppf(q)
    u = (np.arange(GRID) + 0.5) / GRID
    opens = gate.opens.ppf(u)
    extension = gate.crisis.extension.ppf(u[:: max(1, GRID // 100)])
    late = (np.maximum(opens, gate.deadline)[:, None] + extension[None, :]).ravel()
    p = gate.crisis.probability
    values = np.concatenate([opens, late])
    weights = np.concatenate(
        [np.full(opens.size, (1.0 - p) / opens.size), np.full(late.size, p / late.size)]
    )
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = np.searchsorted(cumulative, q * cumulative[-1] - 1e-12)
    found: FloatArray = values[order][np.minimum(index, values.size - 1)]
    return found


def blocking_gates(scenario: Scenario, visitor: Visitor) -> list[WindowGate | UntilGate]:
    """The gates that block this visitor (by id or by track)."""
    return [g for g in scenario.gates if g.id in visitor.gates or visitor.track in g.tracks]
