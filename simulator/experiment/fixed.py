"""The fixed design: N replications of every candidate ordering on common worlds."""

from __future__ import annotations

from ..executors import Executor, SerialExecutor
from ..scenario import Scenario, metric_names
from ..types import Progress
from .design import kept_replications, resolve_design
from .ranking import utility_stream
from .records import Checkpoint, ExperimentResult, RecordStore
from .task import BlockTask


def run_fixed(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
    keep: bool | None = True,
) -> ExperimentResult:
    """Run N replications of every candidate ordering on common worlds.

    Ranking statistics and per-metric moments are streamed as blocks arrive; `keep`
    (see `kept_replications`) decides how many replications' records are also held.
    With a checkpoint, completed work items are saved as they arrive and items already
    saved are reused: the result is the same as an uninterrupted run's.
    """
    n, seed, orderings = resolve_design(scenario, replications, seed, keep=keep)
    metrics = len(metric_names(scenario))
    executor = executor or SerialExecutor()
    store = RecordStore(
        len(orderings),
        metrics,
        checkpoint,
        keep=kept_replications(len(orderings), n, metrics, keep),
        stream=utility_stream(len(orderings), n, seed),
        workers=executor.workers,
    )
    with executor.session(BlockTask(scenario, orderings, seed)) as run:
        store.collect(run, 0, n, done=None if progress is None else lambda r: progress(r, n, ""))
    return store.result(scenario, orderings, seed)
