"""One replication of one ordering, run alone and traced, exactly as a run does it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ReplicationFailed, SettingError, literal
from ..model import Draws, Trace, TraceEvent, compile_spec, simulate
from ..scenario import Scenario, UntilGate
from ..types import FloatArray, Ordering
from ..world import BLOCK_SIZE
from .task import draw_world, failure


@dataclass(frozen=True)
class Replay:
    """One replication of one ordering, run alone: its outcome record and its events.

    If the replication fails, `record` is None, `error` says why and `trace` holds the
    events up to the failure.
    """

    ordering: Ordering
    replication: int
    seed: int
    metrics: tuple[str, ...]
    record: FloatArray | None
    trace: Trace
    error: str | None = None
    details: str = ""


def parse_replay(scenario: Scenario, text: str) -> tuple[Ordering, int]:
    """`ORDERING:INDEX` (visitor ids separated by commas, the `replay_which` setting) as
    an ordering and an index."""
    ordering_text, sep, index_text = text.rpartition(":")
    if not sep:
        ordering_text, index_text = text, "0"
    ordering = tuple(v.strip() for v in ordering_text.split(",") if v.strip())
    ids = [v.id for v in scenario.visitors]
    given = literal(text)
    if sorted(ordering) != sorted(ids):
        raise SettingError(
            f"{{replay_which}} {given}: the ordering must name every visitor once, separated "
            f"by commas (visitors: {literal(', '.join(ids))}), e.g. {{replay_which}} "
            f"{literal(','.join(ids))}:0",
            setting="replay_which",
        )
    if not index_text.strip().isdigit():
        raise SettingError(
            f"{{replay_which}} {given}: the replication index after ':' must be a whole "
            "number >= 0",
            setting="replay_which",
        )
    return ordering, int(index_text)


def replay_replication(
    scenario: Scenario, ordering: Ordering, replication: int, seed: int | None = None
) -> Replay:
    """Run replication `replication` of `ordering` alone, exactly as a run does, traced.

    The record equals that replication's record in any run of the scenario with this
    seed. Gate openings and summit windows are added to the model's events.
    """
    seed = scenario.experiment.seed if seed is None else seed
    if not 0 <= seed < 2**63:
        raise SettingError(f"{{seed}} must be between 0 and 2**63 - 1 (got {seed})", setting="seed")
    block, r = divmod(replication, BLOCK_SIZE)
    spec = compile_spec(scenario)
    try:
        world = draw_world(scenario, seed, block)
    except Exception as error:
        raise failure(None, replication, seed, error) from error
    draws = Draws.of(world, r)
    plan = spec.index(ordering)
    events: Trace = [
        TraceEvent(
            0.0,
            "start",
            None,
            f"plan {'→'.join(ordering)}; climate starts at {draws.initial_climate:+.2f}",
        )
    ]
    for g, gate in enumerate(scenario.gates):
        if isinstance(gate, UntilGate):
            day = draws.gate_open[g]
            if day < scenario.horizon_days:
                events.append(TraceEvent(day, "gate", None, f"gate {gate.id} opens"))
            else:
                events.append(
                    TraceEvent(0.0, "gate", None, f"gate {gate.id} stays closed past the horizon")
                )
        else:
            events.append(TraceEvent(gate.start_day, "gate", None, f"window {gate.id} begins"))
            events.append(TraceEvent(gate.end_day, "gate", None, f"window {gate.id} ends"))
    trace: Trace = []
    record: FloatArray | None = None
    failed: ReplicationFailed | None = None
    try:
        record = np.array(simulate(spec, plan, draws, trace), dtype=np.float64)
    except Exception as error:
        failed = failure(ordering, replication, seed, error)
    if record is not None and not math.isfinite(record[0]):
        failed = ReplicationFailed(
            ordering, replication, seed, f"the utility is {record[0]} (not a finite number)"
        )
    end = trace[-1].day if failed is not None and trace else scenario.horizon_days
    timeline = sorted([e for e in events if e.day <= end] + trace, key=lambda e: e.day)
    return Replay(
        ordering,
        replication,
        seed,
        spec.metrics,
        record,
        timeline,
        None if failed is None else failed.error,
        "" if failed is None else failed.details,
    )
