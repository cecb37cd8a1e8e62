"""Simulate a scenario at many settings of its assumptions, on the common worlds of a seed.

Every tuning command uses the same seed at every setting, so replication r faces the
same uniforms everywhere: differences between settings (and between orderings) are
not blurred by fresh noise, and curves over a parameter are smooth.

A batch of settings runs in one executor session: its work items are the world blocks
of every setting, so workers run different settings in parallel (a setting of 100
replications is a single block) and the worker pool starts once per batch. Each
setting's utilities equal those of `run_fixed` on that scenario with that seed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..executors import Executor, SerialExecutor, WorkItem
from ..experiment import (
    BlockTask,
    ExperimentResult,
    RecordStore,
    resolve_design,
    run_fixed,
    work_items,
)
from ..scenario import Scenario, candidate_orderings, metric_names
from ..stats.compare import Difference, paired_difference
from ..types import FloatArray, Ordering, Progress

Done = Callable[[int], None]
"""Called with the number of settings finished so far."""


def run_orderings(
    scenario: Scenario,
    orderings: Sequence[Ordering],
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Run N replications of the given orderings only, on the worlds of `seed`.

    Replication r is the same world as in a full run with that seed, so the records
    equal those rows of `run_fixed`.
    """
    n, seed, _ = resolve_design(scenario, replications, seed)
    executor = executor or SerialExecutor()
    store = RecordStore(len(orderings), len(metric_names(scenario)), workers=executor.workers)
    with executor.session(BlockTask(scenario, orderings, seed)) as run:
        store.collect(run, 0, n, done=None if progress is None else lambda r: progress(r, n, ""))
    return store.result(scenario, orderings, seed)


def recommended_ordering(
    scenario: Scenario,
    *,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> tuple[int, int, int]:
    """The ordering `visitsim run` recommends for `scenario` with `seed`, by simulating
    what it does by default: the fixed design at the scenario's replications, ranked by
    mean utility. Returns its index among the candidates, the replications and the seed.

    A tuning command's own budget per setting is smaller, and at it a close runner-up
    can come out ahead; this is the ordering an analyst has been recommended.
    """
    n, seed, _ = resolve_design(scenario, None, seed, keep=False)
    result = run_fixed(
        scenario, replications=n, seed=seed, executor=executor, progress=progress, keep=False
    )
    assert result.stream is not None
    return result.stream.ranking(result.orderings).order[0], n, seed


@dataclass(frozen=True)
class SettingsTask:
    """Utilities of every candidate at one of several settings, for one work item.

    A work item's candidate field names the setting (a one-element tuple): the item
    asks for every ordering of that setting's scenario.
    """

    tasks: tuple[BlockTask, ...]

    def __call__(self, item: WorkItem) -> FloatArray:
        block, start, stop, setting = item
        assert setting is not None
        task = self.tasks[setting[0]]
        utility = metric_names(task.scenario).index("utility")
        return task((block, start, stop, None))[:, :, utility]


@dataclass(frozen=True)
class Evaluation:
    """Every ordering's utility at one setting: shape (orderings, replications)."""

    utility: FloatArray
    mean: FloatArray = field(init=False)
    order: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        mean = self.utility.mean(axis=1)
        object.__setattr__(self, "mean", mean)
        order = sorted(range(mean.size), key=lambda k: (-mean[k], k))
        object.__setattr__(self, "order", tuple(order))

    @property
    def best(self) -> int:
        """The ordering with the highest mean utility (the earliest candidate on ties)."""
        return self.order[0]

    @property
    def runner_up(self) -> int:
        """The second-best ordering (the best itself if there is only one)."""
        return self.order[min(1, len(self.order) - 1)]

    def rival(self, k: int) -> int:
        """The best ordering other than k."""
        return self.runner_up if k == self.best else self.best

    def margin(self, k: int) -> float:
        """Ordering k's mean utility minus the best other ordering's (< 0: k is not best)."""
        return float(self.mean[k] - self.mean[self.rival(k)])

    def difference(self, i: int, j: int, confidence: float = 0.95) -> Difference:
        """Mean utility of i minus j, with its paired confidence interval."""
        return paired_difference(self.utility[i], self.utility[j], confidence)


def evaluate_settings(
    scenarios: Sequence[Scenario],
    *,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    done: Done | None = None,
) -> list[Evaluation]:
    """Every candidate ordering at each scenario (same candidates), on common worlds."""
    if not scenarios:
        return []
    orderings = candidate_orderings(scenarios[0])
    task = SettingsTask(tuple(BlockTask(s, orderings, seed) for s in scenarios))
    per_setting = len(work_items(0, replications, None))
    items = [item for s in range(len(scenarios)) for item in work_items(0, replications, (s,))]
    parts: list[FloatArray] = []
    evaluations: list[Evaluation] = []
    with (executor or SerialExecutor()).session(task) as run:
        for part in run(items):
            parts.append(part)
            if len(parts) == per_setting:
                evaluations.append(Evaluation(np.concatenate(parts, axis=1)))
                parts = []
                if done is not None:
                    done(len(evaluations))
    return evaluations
