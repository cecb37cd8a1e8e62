"""The unit of work of every design, and the task that simulates it.

A work item is a slice of a world block (`world.BLOCK_SIZE` replications) for a set of
orderings: the block's world is drawn once and every ordering is simulated in it, which
is what common random numbers mean in practice. A work item's records are a pure
function of the item, so any executor, and any rerun, gives the same bytes. A
replication that raises (or yields a non-finite utility) stops the run with
`ReplicationFailed`, which names the ordering, replication and seed that reproduce it
alone (`replay_replication`).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import ReplicationFailed
from ..executors import WorkItem
from ..model import Checkpoints, Draws, Spec, common_prefixes, compile_spec, simulate
from ..scenario import Orderings, Scenario
from ..types import FloatArray, Ordering
from ..world import BLOCK_SIZE, WorldBlock, draw_block


def failure(
    ordering: Ordering | None, replication: int, seed: int, error: Exception
) -> ReplicationFailed:
    """`error`, raised in replication `replication` of `ordering` (in drawing its world
    when `ordering` is None), as the `ReplicationFailed` that reproduces it."""
    details = "".join(traceback.format_exception(error))
    first = replication // BLOCK_SIZE * BLOCK_SIZE
    worlds = range(first, first + BLOCK_SIZE) if ordering is None else None
    return ReplicationFailed(
        ordering, replication, seed, f"{type(error).__name__}: {error}", details, worlds
    )


def draw_world(scenario: Scenario, seed: int, block: int) -> WorldBlock:
    """A world block; a duration so long that it overflows is infinite, which the model
    reads as never, so numpy's overflow warning is silenced."""
    with np.errstate(over="ignore"):
        return draw_block(scenario, seed, block)


@dataclass(frozen=True)
class BlockTask:
    """Simulate candidates on a slice of one world block (picklable for workers).

    A task keeps the last world block it drew: the work items of a design come block
    by block, each block's in many items (a batch of a few replications of every
    ordering still alive, cut by orderings over the workers), and drawing a block costs
    more than simulating a small item in it. The block is not pickled with the task.
    """

    scenario: Scenario
    orderings: Sequence[Ordering]  # `Orderings` pickles small to every worker
    seed: int
    _world: dict[int, WorldBlock] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __getstate__(self) -> dict[str, Any]:
        """The task without its drawn world or compiled model (workers make their own)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_world", "spec", "rows")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _world={})

    @cached_property
    def spec(self) -> Spec:
        """The scenario compiled for the model, once per process."""
        return compile_spec(self.scenario)

    @cached_property
    def rows(self) -> Orderings:
        """The orderings as rows of the model's visitor indices, once per process."""
        return Orderings.of(self.spec.ids, self.orderings)

    def world(self, block: int) -> WorldBlock:
        """World block `block` of this task's scenario and seed, drawn once per process
        for consecutive items of that block."""
        world = self._world.get(block)
        if world is None:
            world = draw_world(self.scenario, self.seed, block)
            self._world.clear()
            self._world[block] = world
        return world

    def __call__(self, item: WorkItem) -> FloatArray:
        """Records of shape (candidates, stop - start, metrics) for one work item.

        Raises ReplicationFailed, naming the first replication that failed.
        """
        block, start, stop, systems = item
        spec = self.spec
        chosen = range(len(self.orderings)) if systems is None else systems
        rows = self.rows.plans(systems)
        plans: list[tuple[int, ...]] = list(map(tuple, rows.tolist()))
        following = common_prefixes(rows)
        first = block * BLOCK_SIZE
        try:
            world = self.world(block)
        except Exception as error:
            raise failure(None, first, self.seed, error) from error
        out = np.empty((len(plans), stop - start, len(spec.metrics)))
        for r in range(start, stop):
            draws = Draws.of(world, r)
            shared = Checkpoints(draws)  # plans with the same first visitors share their turns
            for k, plan in enumerate(plans):
                shared.then(following[k])
                try:
                    out[k, r - start] = simulate(spec, plan, draws, checkpoints=shared)
                except Exception as error:
                    ordering = self.orderings[chosen[k]]
                    raise failure(ordering, first + r, self.seed, error) from error
        bad = np.argwhere(~np.isfinite(out[:, :, 0]))
        if bad.size:
            k, r = (int(i) for i in bad[np.lexsort((bad[:, 0], bad[:, 1]))[0]])
            raise ReplicationFailed(
                self.orderings[chosen[k]],
                first + start + r,
                self.seed,
                f"the utility is {out[k, r, 0]} (not a finite number)",
            )
        return out


def work_items(start: int, stop: int, systems: tuple[int, ...] | None) -> list[WorkItem]:
    """Work items covering global replications start..stop-1, split at block edges."""
    items: list[WorkItem] = []
    r = start
    while r < stop:
        block = r // BLOCK_SIZE
        end = min(stop, (block + 1) * BLOCK_SIZE)
        items.append((block, r - block * BLOCK_SIZE, end - block * BLOCK_SIZE, systems))
        r = end
    return items


def split_item(
    item: WorkItem, candidates: int, parts: int, most: int | None = None
) -> list[WorkItem]:
    """A work item cut over consecutive slices of its orderings: into at least `parts`
    items, so that more workers share it, and into slices of at most `most` orderings,
    so that no one result is large. Their results, stacked, are the item's."""
    block, start, stop, systems = item
    count = candidates if systems is None else len(systems)
    if most is not None:
        parts = max(parts, -(-count // max(1, most)))
    if parts <= 1 or count < 2:
        return [item]
    chosen = np.arange(candidates) if systems is None else np.asarray(systems)
    chunks = np.array_split(chosen, min(parts, count))
    return [(block, start, stop, tuple(chunk.tolist())) for chunk in chunks]
