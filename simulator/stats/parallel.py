"""A sampler's calls split over an executor's workers, by chunks of systems.

`knockout_select` asks its sampler for many systems at once. Given an executor, each
call becomes one work item per chunk of systems, run by the session's workers, and the
chunks' rows are put back together in order. The sampler travels to the workers once
per session (it must be picklable) and must give each system's row independently of
which other systems the call names, as common random numbers need anyway (replication
r of every system is simulated in world r): then the result is byte-identical to one
call in this process, whatever the executor and the number of workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from ..executors import Executor, WorkItem
from ..types import FloatArray, IntArray
from .selection import Sampler

CHUNKS_PER_WORKER = 2
"""Work items per worker for one sampler call: enough to even out unequal chunks."""


@dataclass(frozen=True)
class SamplerTask:
    """Run a sampler on one work item (picklable for workers).

    A work item here is (0, start, stop, systems): replications start..stop − 1 of
    `systems`, the sampler's own replication indices (no world blocks).
    """

    sampler: Sampler

    def __call__(self, item: WorkItem) -> FloatArray:
        _, start, stop, systems = item
        chosen: IntArray = np.array(systems, dtype=np.int64)
        return np.asarray(self.sampler(chosen, start, stop), dtype=float)


@contextmanager
def parallel_sampler(sampler: Sampler, executor: Executor | None) -> Iterator[Sampler]:
    """`sampler`, run by `executor`'s workers for the length of the context; `sampler`
    itself when there is no executor."""
    if executor is None:
        yield sampler
        return
    parts = CHUNKS_PER_WORKER * executor.workers
    with executor.session(SamplerTask(sampler)) as run:

        def sample(systems: IntArray, start: int, stop: int) -> FloatArray:
            chunks = np.array_split(np.asarray(systems), min(parts, max(1, len(systems))))
            items: list[WorkItem] = [
                (0, start, stop, tuple(int(s) for s in chunk)) for chunk in chunks
            ]
            return np.concatenate(list(run(items)), axis=0)

        yield sample
