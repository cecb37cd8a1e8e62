"""Monte Carlo over candidate orderings: every ordering faces the same worlds.

The unit of work is a slice of a world block (`world.BLOCK_SIZE` replications) for a
set of orderings: the block's world is drawn once and every ordering is simulated in
it, which is what common random numbers mean in practice. The fixed design runs
replications 0..N-1 of every candidate; the adaptive design (`selection.py`) asks for
more replications of the surviving candidates, batch by batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .constraints import candidate_orderings
from .distributions import FloatArray
from .errors import InputError
from .executors import Executor, Mapper, SerialExecutor, WorkItem
from .model import Draws, compile_spec, simulate
from .schema import Scenario, metric_names
from .stats.selection import Selection, kn_select, rinott_sample_sizes
from .streams import stream
from .types import Ordering
from .world import BLOCK_SIZE, draw_block

Progress = Callable[[int, int | None, str], None]
"""Called with (replications done, total if known, a short status) as work completes."""


@dataclass(frozen=True)
class BlockTask:
    """Simulate candidates on a slice of one world block (picklable for workers)."""

    scenario: Scenario
    orderings: tuple[Ordering, ...]
    seed: int

    def __call__(self, item: WorkItem) -> FloatArray:
        """Records of shape (candidates, stop - start, metrics) for one work item."""
        block, start, stop, systems = item
        spec = compile_spec(self.scenario)
        chosen = range(len(self.orderings)) if systems is None else systems
        plans = [spec.index(self.orderings[k]) for k in chosen]
        world = draw_block(self.scenario, self.seed, block)
        out = np.empty((len(plans), stop - start, len(spec.metrics)))
        for r in range(start, stop):
            draws = Draws.of(world, r)
            for k, plan in enumerate(plans):
                out[k, r - start] = simulate(spec, plan, draws)
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


@dataclass(frozen=True)
class ExperimentResult:
    """Outcome records: `records[k, r]` is ordering k, replication r.

    Ordering k has `counts[k]` replications; its row beyond them is NaN (an ordering
    the adaptive design eliminated early).
    """

    scenario: Scenario
    orderings: tuple[Ordering, ...]
    metrics: tuple[str, ...]
    records: FloatArray  # (orderings, replications, metrics)
    counts: NDArray[np.int64]
    seed: int

    @property
    def replications(self) -> int:
        """The largest replication count of any ordering."""
        return int(self.records.shape[1])

    def metric(self, name: str) -> FloatArray:
        """One metric for every ordering and replication: shape (orderings, replications)."""
        return self.records[:, :, self.metrics.index(name)]


class RecordStore:
    """Grows as batches of replications arrive for subsets of the candidates."""

    def __init__(self, candidates: int, metrics: int) -> None:
        self.records = np.full((candidates, 0, metrics), np.nan)
        self.counts = np.zeros(candidates, dtype=np.int64)

    def collect(
        self,
        run: Mapper,
        start: int,
        stop: int,
        systems: Sequence[int] | None = None,
        done: Callable[[int], None] | None = None,
    ) -> None:
        """Simulate replications start..stop-1 of `systems` (default all) and keep them.

        All work items are submitted at once (workers run them in parallel); `done`
        hears the replication reached as each item's results arrive, in order.
        """
        chosen = tuple(range(len(self.counts))) if systems is None else tuple(systems)
        if self.records.shape[1] < stop:
            grow = np.full(
                (len(self.counts), stop - self.records.shape[1], self.records.shape[2]), np.nan
            )
            self.records = np.concatenate([self.records, grow], axis=1)
        r = start
        items = work_items(start, stop, None if systems is None else chosen)
        for item, part in zip(items, run(items), strict=True):
            width = item[2] - item[1]
            self.records[list(chosen), r : r + width] = part
            r += width
            if done is not None:
                done(r)
        self.counts[list(chosen)] = stop

    def result(
        self, scenario: Scenario, orderings: tuple[Ordering, ...], seed: int
    ) -> ExperimentResult:
        return ExperimentResult(
            scenario=scenario,
            orderings=orderings,
            metrics=metric_names(scenario),
            records=self.records,
            counts=self.counts.copy(),
            seed=seed,
        )


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
    store = RecordStore(len(orderings), len(metric_names(scenario)))
    executor = executor or SerialExecutor()
    with executor.session(BlockTask(scenario, orderings, seed)) as run:
        store.collect(run, 0, n, done=None if progress is None else lambda r: progress(r, n, ""))
    return store.result(scenario, orderings, seed)


@dataclass(frozen=True)
class AdaptiveSettings:
    """Settings of the Kim-Nelson adaptive design (see `stats.selection`)."""

    delta: float | None = None
    alpha: float = 0.05
    n0: int = 20
    batch: int = 50
    max_replications: int | None = None


DELTA_FRACTION = 0.05
"""Default indifference zone: this fraction of the utility's standard deviation."""


@dataclass(frozen=True)
class AdaptiveResult:
    """An adaptive run: the records gathered, the selection and how δ was chosen."""

    result: ExperimentResult
    selection: Selection
    delta: float
    delta_source: str
    rinott_total: int


def _pilot_delta(
    scenario: Scenario, orderings: int, seed: int, n0: int, executor: Executor
) -> tuple[float, str]:
    """δ from an independent pilot: DELTA_FRACTION of the pooled sd of utility.

    The pilot uses its own seed (derived from the run's), so the selection's data are
    independent of the δ it is run with.
    """
    pilot_seed = int(stream(seed, "design:pilot").integers(2**62))
    pilot = run_fixed(scenario, replications=n0, seed=pilot_seed, executor=executor)
    pooled = float(np.sqrt(np.mean(np.var(pilot.metric("utility"), axis=1, ddof=1))))
    if pooled == 0:
        raise InputError(
            "utility does not vary in a pilot run, so no default --delta can be set; give one"
        )
    source = (
        f"default: {DELTA_FRACTION:g} x the utility's standard deviation "
        f"({pooled:.4g}) in a {n0}-replication pilot of all {orderings} orderings"
    )
    return DELTA_FRACTION * pooled, source


def check_adaptive(k: int, settings: AdaptiveSettings) -> None:
    """Reject settings the procedure cannot honour, naming the command-line option."""
    if k < 2:
        raise InputError("the adaptive design needs at least 2 candidate orderings")
    if not 0 < settings.alpha < 1 - 1 / k:
        raise InputError(
            f"--alpha must lie in (0, 1 - 1/k) = (0, {1 - 1 / k:.4g}) for k = {k} orderings "
            f"(got {settings.alpha})"
        )
    if settings.delta is not None and not (settings.delta > 0 and math.isfinite(settings.delta)):
        raise InputError(f"--delta must be a positive number (got {settings.delta})")
    if settings.n0 < 2:
        raise InputError(f"--n0 must be at least 2 (got {settings.n0})")
    if settings.batch < 1:
        raise InputError(f"--batch must be at least 1 (got {settings.batch})")
    if settings.max_replications is not None and settings.max_replications < settings.n0:
        raise InputError(
            f"--max-replications must be at least --n0 = {settings.n0} "
            f"(got {settings.max_replications})"
        )


def run_adaptive(
    scenario: Scenario,
    settings: AdaptiveSettings,
    *,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> AdaptiveResult:
    """Select the best ordering with KN, simulating only what elimination leaves."""
    _, seed, orderings = resolve_design(scenario, None, seed)
    k = len(orderings)
    check_adaptive(k, settings)
    executor = executor or SerialExecutor()
    if settings.delta is None:
        delta, source = _pilot_delta(scenario, k, seed, settings.n0, executor)
    else:
        delta, source = settings.delta, "given"
    store = RecordStore(k, len(metric_names(scenario)))
    utility = metric_names(scenario).index("utility")
    with executor.session(BlockTask(scenario, orderings, seed)) as run:

        def sampler(systems: NDArray[np.int64], start: int, stop: int) -> FloatArray:
            store.collect(run, start, stop, systems.tolist())
            return store.records[systems, start:stop, utility]

        def on_batch(done: int, survivors: int) -> None:
            if progress is not None:
                progress(done, None, f"({survivors} of {k} orderings left)")

        selection, _ = kn_select(
            sampler,
            k,
            n0=settings.n0,
            delta=delta,
            alpha=settings.alpha,
            batch=settings.batch,
            max_replications=settings.max_replications,
            on_batch=on_batch,
        )
    first_stage = store.records[:, : settings.n0, utility]
    rinott = rinott_sample_sizes(
        first_stage.std(axis=1, ddof=1), settings.n0, delta, settings.alpha
    )
    return AdaptiveResult(
        result=store.result(scenario, orderings, seed),
        selection=selection,
        delta=delta,
        delta_source=source,
        rinott_total=int(rinott.sum()),
    )
