"""Monte Carlo over candidate orderings: every ordering faces the same worlds.

A fixed design runs replications 0..N-1 of every candidate. The unit of work is a
world block (`world.BLOCK_SIZE` replications): its world is drawn once and every
ordering is simulated in it, which is what common random numbers mean in practice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .constraints import candidate_orderings
from .distributions import FloatArray
from .errors import InputError
from .executors import Executor, SerialExecutor
from .model import Draws, compile_spec, simulate
from .schema import Scenario, metric_names
from .types import Ordering
from .world import BLOCK_SIZE, draw_block

Progress = Callable[[int, int], None]
"""Called with (replications done, replications total) after each block."""


@dataclass(frozen=True)
class BlockTask:
    """Simulate every ordering on the worlds of one block (picklable for workers)."""

    scenario: Scenario
    orderings: tuple[Ordering, ...]
    seed: int

    def __call__(self, block: int, count: int) -> FloatArray:
        """Records of shape (orderings, count, metrics) for the block's first `count`."""
        spec = compile_spec(self.scenario)
        plans = [spec.index(o) for o in self.orderings]
        world = draw_block(self.scenario, self.seed, block)
        out = np.empty((len(plans), count, len(spec.metrics)))
        for r in range(count):
            draws = Draws.of(world, r)
            for k, plan in enumerate(plans):
                out[k, r] = simulate(spec, plan, draws)
        return out


@dataclass(frozen=True)
class ExperimentResult:
    """Outcome records of a fixed design: `records[k, r]` is ordering k, replication r."""

    scenario: Scenario
    orderings: tuple[Ordering, ...]
    metrics: tuple[str, ...]
    records: FloatArray  # (orderings, replications, metrics)
    seed: int

    @property
    def replications(self) -> int:
        return int(self.records.shape[1])

    def metric(self, name: str) -> FloatArray:
        """One metric for every ordering and replication: shape (orderings, replications)."""
        return self.records[:, :, self.metrics.index(name)]


def block_plan(replications: int) -> list[tuple[int, int]]:
    """Blocks covering replications 0..N-1, as (block, replications used) pairs."""
    blocks = math.ceil(replications / BLOCK_SIZE)
    return [(b, min(BLOCK_SIZE, replications - b * BLOCK_SIZE)) for b in range(blocks)]


def resolve_design(
    scenario: Scenario, replications: int | None, seed: int | None
) -> tuple[int, int, tuple[Ordering, ...]]:
    """Replications, seed and candidates of a run, checked before any work starts."""
    n = scenario.experiment.replications if replications is None else replications
    seed = scenario.experiment.seed if seed is None else seed
    if n < 2:
        raise InputError(f"--replications must be at least 2 (got {n})")
    if seed < 0:
        raise InputError(f"--seed must be non-negative (got {seed})")
    orderings = candidate_orderings(scenario)
    if not orderings:
        raise InputError(f"scenario {scenario.name!r}: the constraints rule out every ordering")
    return n, seed, orderings


def run_fixed(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run N replications of every candidate ordering on common worlds."""
    n, seed, orderings = resolve_design(scenario, replications, seed)
    task = BlockTask(scenario, orderings, seed)
    executor = executor or SerialExecutor()
    parts = []
    done = 0
    for part in executor.map_blocks(task, block_plan(n)):
        parts.append(part)
        done += part.shape[1]
        if progress is not None:
            progress(done, n)
    return ExperimentResult(
        scenario=scenario,
        orderings=orderings,
        metrics=metric_names(scenario),
        records=np.concatenate(parts, axis=1),
        seed=seed,
    )
