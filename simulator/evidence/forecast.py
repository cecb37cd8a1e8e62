"""The forecast to be scored: the scenario as it stood on a day, run for one ordering.

The forecast as of day d is the scenario with what had been observed by d written into
its `observed:` block (`load.observed_scenario`: the run starts from that state); as of
the start it is the scenario as written. Its predictive distribution of each event's
day is the event's day in N replications of one ordering (`events.sample_days`):
visitor days from the outcome records, gate openings from the worlds (which no
ordering changes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..executors import Executor, SerialExecutor
from ..experiment import BlockTask, RecordStore, check_memory
from ..experiment.task import draw_world
from ..scenario import Scenario, is_candidate, iter_orderings, metric_names
from ..types import FloatArray, Ordering, Progress
from ..world import BLOCK_SIZE
from .events import sample_days
from .observations import Observations
from .targets import Target


@dataclass(frozen=True)
class Forecast:
    """Samples of each event's day (shape (events, replications), NaN: not within the
    horizon) from `replications` runs of `ordering` in `scenario` with `seed`."""

    scenario: Scenario
    ordering: Ordering
    ordering_reason: str
    seed: int
    replications: int
    events: tuple[Target, ...]
    samples: FloatArray


def default_ordering(scenario: Scenario, observations: Observations) -> tuple[Ordering, str]:
    """The plan the record suggests, and why: the visitors who visited, in the order
    they did, then the others in the scenario's order. When the constraints exclude
    that ordering, the allowed one that agrees with it for the most leading visitors."""
    visited = observations.visited()
    ids = [v.id for v in scenario.visitors]
    wanted = (*visited, *(i for i in ids if i not in visited))
    if visited:
        why = "the observed visit order, then the other visitors in the scenario's order"
    else:
        why = "no visit was observed: the visitors in the scenario's order"
    if is_candidate(scenario, wanted):
        return wanted, why

    def agreement(ordering: Ordering) -> int:
        n = 0
        while n < len(ordering) and ordering[n] == wanted[n]:
            n += 1
        return n

    best = max(iter_orderings(scenario), key=agreement)  # the first of the best
    return best, (
        f"{why}; that ordering breaks the scenario's constraints, so the allowed ordering "
        f"that starts the same way for longest ({agreement(best)} visitors)"
    )


def gate_openings(scenario: Scenario, seed: int, replications: int) -> FloatArray:
    """The worlds' gate openings of replications 0..replications-1: (replications, gates)."""
    blocks = -(-replications // BLOCK_SIZE)
    drawn = [draw_world(scenario, seed, b).gate_open for b in range(blocks)]
    return np.concatenate(drawn, axis=0)[:replications]


def simulate_forecast(
    scenario: Scenario,
    events: tuple[Target, ...],
    ordering: Ordering,
    ordering_reason: str,
    *,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Forecast:
    """Run `ordering` `replications` times on the worlds of `seed` (replication r is
    the world of every run with that seed) and collect each event's day."""
    metrics = len(metric_names(scenario))
    check_memory(1, replications, metrics)
    executor = executor or SerialExecutor()
    store = RecordStore(1, metrics, workers=executor.workers)
    done = None if progress is None else lambda r: progress(r, replications, "")
    with executor.session(BlockTask(scenario, (ordering,), seed)) as run:
        store.collect(run, 0, replications, done=done)
    samples = sample_days(
        events, scenario, store.records[0], gate_openings(scenario, seed, replications)
    )
    return Forecast(scenario, ordering, ordering_reason, seed, replications, events, samples)
