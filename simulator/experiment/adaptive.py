"""The adaptive design: Kim and Nelson's procedure selects the best ordering,
simulating only what elimination leaves (see `stats.selection`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, SettingError
from ..executors import Executor, SerialExecutor
from ..scenario import Scenario, metric_names
from ..stats.selection import Selection, kn_select, rinott_sample_sizes
from ..streams import stream
from ..types import FloatArray, IntArray, Ordering, Progress
from .design import MAX_REPLICATIONS, check_memory, replications_that_fit, resolve_design
from .records import UTILITY, Checkpoint, ExperimentResult, RecordStore
from .task import BlockTask


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


def pilot_delta(
    scenario: Scenario,
    orderings: Sequence[Ordering],
    seed: int,
    n0: int,
    executor: Executor,
) -> tuple[float, str]:
    """δ from an independent pilot: DELTA_FRACTION of the pooled sd of utility.

    The pilot uses its own seed (derived from the run's), so the selection's data are
    independent of the δ it is run with. It keeps no records, only their moments.
    """
    pilot_seed = int(stream(seed, "design:pilot").integers(2**62))
    store = RecordStore(
        len(orderings), len(metric_names(scenario)), keep=0, workers=executor.workers
    )
    with executor.session(BlockTask(scenario, orderings, pilot_seed)) as run:
        store.collect(run, 0, n0)
    variance = store.moments.sd(metric=UTILITY) ** 2
    pooled = float(np.sqrt(np.mean(variance)))
    if pooled == 0:
        raise SettingError(
            "utility does not vary in a pilot run, so no default {delta} can be set; give one",
            setting="delta",
        )
    source = (
        f"default: {DELTA_FRACTION:g} x the utility's standard deviation "
        f"({pooled:.4g}) in a {n0}-replication pilot of all {len(orderings):,} orderings"
    )
    return DELTA_FRACTION * pooled, source


def check_adaptive(k: int, settings: AdaptiveSettings) -> None:
    """Reject settings the procedure cannot honour, naming the setting."""
    if k < 2:
        raise InputError("the adaptive design needs at least 2 candidate orderings")
    if not 0 < settings.alpha < 1 - 1 / k:
        raise SettingError(
            f"{{alpha}} must lie in (0, 1 - 1/k) = (0, {1 - 1 / k:.4g}) for k = {k} orderings "
            f"(got {settings.alpha})",
            setting="alpha",
        )
    if settings.delta is not None and not (settings.delta > 0 and math.isfinite(settings.delta)):
        raise SettingError(
            f"{{delta}} must be a positive number (got {settings.delta})", setting="delta"
        )
    if settings.n0 < 2:
        raise SettingError(f"{{n0}} must be at least 2 (got {settings.n0})", setting="n0")
    if settings.batch < 1:
        raise SettingError(f"{{batch}} must be at least 1 (got {settings.batch})", setting="batch")
    if settings.max_replications is not None and settings.max_replications < settings.n0:
        raise SettingError(
            f"{{max_replications}} must be at least {{n0}} = {settings.n0} "
            f"(got {settings.max_replications})",
            setting="max_replications",
        )
    for setting, value in (
        ("n0", settings.n0),
        ("batch", settings.batch),
        ("max_replications", settings.max_replications),
    ):
        if value is not None and value > MAX_REPLICATIONS:
            raise SettingError(
                f"{{{setting}}} must be at most {MAX_REPLICATIONS:,} (got {value})",
                setting=setting,
            )


def run_adaptive(
    scenario: Scenario,
    settings: AdaptiveSettings,
    *,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
) -> AdaptiveResult:
    """Select the best ordering with KN, simulating only what elimination leaves.

    Every utility is kept (KN's ranking needs them), but the other metrics' records
    only while they fit in KEEP_CELLS, like a fixed design's.

    The procedure is deterministic given its data, so a rerun with a checkpoint asks
    for the same work items in the same order and reuses those already saved. (The
    pilot that sets a default δ is small and simply runs again.)
    """
    _, seed, orderings = resolve_design(scenario, None, seed, fixed=False)
    k = len(orderings)
    check_adaptive(k, settings)
    if settings.max_replications is not None:
        check_memory(k, settings.max_replications, 1, "max_replications")
    executor = executor or SerialExecutor()
    if settings.delta is None:
        delta, source = pilot_delta(scenario, orderings, seed, settings.n0, executor)
    else:
        delta, source = settings.delta, "given"
    metrics = len(metric_names(scenario))
    store = RecordStore(
        k,
        metrics,
        checkpoint,
        keep=replications_that_fit(k, metrics),
        every_utility=True,
        workers=executor.workers,
    )
    with executor.session(BlockTask(scenario, orderings, seed)) as run:

        def sampler(systems: IntArray, start: int, stop: int) -> FloatArray:
            return store.collect(run, start, stop, systems.tolist())

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
    assert store.every_utility is not None
    first_stage = store.every_utility[:, : settings.n0]
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
