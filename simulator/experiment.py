"""Monte Carlo over candidate orderings: every ordering faces the same worlds.

The unit of work is a slice of a world block (`world.BLOCK_SIZE` replications) for a
set of orderings: the block's world is drawn once and every ordering is simulated in
it, which is what common random numbers mean in practice. The fixed design runs
replications 0..N-1 of every candidate; the adaptive design (`selection.py`) asks for
more replications of the surviving candidates, batch by batch.

A `Checkpoint` keeps each completed work item as it arrives, so that an interrupted
run resumes from what it finished: a work item's records are a pure function of the
item, so reusing them gives the same bytes as simulating them again. A replication
that raises (or yields a non-finite utility) stops the run with `ReplicationFailed`,
which names the ordering, replication and seed that reproduce it alone
(`replay_replication`).
"""

from __future__ import annotations

import math
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from .errors import InputError, SettingError, SimulatorError
from .executors import Executor, Mapper, SerialExecutor, WorkItem
from .model import Draws, Trace, TraceEvent, compile_spec, simulate
from .scenario import RECORD_HEAD, Scenario, UntilGate, candidate_orderings, metric_names
from .stats.moments import MetricMoments
from .stats.ranking import BOOTSTRAP_SAMPLES, RANK_MATRIX_LIMIT, UtilityStream
from .stats.selection import Selection, kn_select, rinott_sample_sizes
from .streams import stream
from .types import FloatArray, Ordering
from .world import BLOCK_SIZE, WorldBlock, draw_block

Progress = Callable[[int, int | None, str], None]
"""Called with (replications done, total if known, a short status) as work completes."""

MAX_REPLICATIONS = 10_000_000
"""Most replications per ordering a run may ask for (as `experiment.replications`)."""

UTILITY = RECORD_HEAD.index("utility")
"""Where utility sits in an outcome record."""

MAX_RECORD_BYTES = 4 << 30
"""Most memory the outcome records of a run may take (orderings x replications x metrics)."""


class ReplicationFailed(SimulatorError):
    """One replication raised inside the model, or gave a utility that is not finite.

    Carries what reproduces it alone: the ordering, the replication index and the seed
    (with the scenario). `ordering` is None when drawing the replication's world failed.
    """

    def __init__(
        self, ordering: Ordering | None, replication: int, seed: int, error: str, details: str = ""
    ) -> None:
        super().__init__(ordering, replication, seed, error, details)
        self.ordering = ordering
        self.replication = replication
        self.seed = seed
        self.error = error
        self.details = details
        self.directory: Path | None = None  # the run directory, once one records the failure

    def __str__(self) -> str:
        if self.ordering is None:
            block = self.replication // BLOCK_SIZE
            first = block * BLOCK_SIZE
            return (
                f"drawing the world of replications {first}-{first + BLOCK_SIZE - 1} "
                f"failed (seed {self.seed}): {self.error}"
            )
        return (
            f"replication {self.replication} of ordering {'→'.join(self.ordering)} failed "
            f"(seed {self.seed}): {self.error}"
        )

    @property
    def replay(self) -> str | None:
        """`ORDERING:INDEX`, the replication to replay alone."""
        return None if self.ordering is None else f"{','.join(self.ordering)}:{self.replication}"

    def document(self) -> dict[str, Any]:
        """What a manifest records of the failure."""
        return {
            "ordering": None if self.ordering is None else ",".join(self.ordering),
            "replication": self.replication,
            "seed": self.seed,
            "error": self.error,
            "replay": self.replay,
            "traceback": self.details,
        }


def _failure(
    ordering: Ordering | None, replication: int, seed: int, error: Exception
) -> ReplicationFailed:
    details = "".join(traceback.format_exception(error))
    return ReplicationFailed(
        ordering, replication, seed, f"{type(error).__name__}: {error}", details
    )


def _draw(scenario: Scenario, seed: int, block: int) -> WorldBlock:
    """A world block; a duration so long that it overflows is infinite, which the model
    reads as never, so numpy's overflow warning is silenced."""
    with np.errstate(over="ignore"):
        return draw_block(scenario, seed, block)


@dataclass(frozen=True)
class BlockTask:
    """Simulate candidates on a slice of one world block (picklable for workers)."""

    scenario: Scenario
    orderings: tuple[Ordering, ...]
    seed: int

    def __call__(self, item: WorkItem) -> FloatArray:
        """Records of shape (candidates, stop - start, metrics) for one work item.

        Raises ReplicationFailed, naming the first replication that failed.
        """
        block, start, stop, systems = item
        spec = compile_spec(self.scenario)
        chosen = range(len(self.orderings)) if systems is None else systems
        plans = [spec.index(self.orderings[k]) for k in chosen]
        first = block * BLOCK_SIZE
        try:
            world = _draw(self.scenario, self.seed, block)
        except Exception as error:
            raise _failure(None, first, self.seed, error) from error
        out = np.empty((len(plans), stop - start, len(spec.metrics)))
        for r in range(start, stop):
            draws = Draws.of(world, r)
            for k, plan in enumerate(plans):
                try:
                    out[k, r - start] = simulate(spec, plan, draws)
                except Exception as error:
                    ordering = self.orderings[chosen[k]]
                    raise _failure(ordering, first + r, self.seed, error) from error
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


class Checkpoint(Protocol):
    """Where completed work items are kept while a run goes, to resume it if stopped."""

    def __contains__(self, item: WorkItem) -> bool:
        """Whether this item's records were saved."""
        ...

    def load(self, item: WorkItem) -> FloatArray:
        """The saved records of an item."""
        ...

    def save(self, item: WorkItem, records: FloatArray) -> None:
        """Keep an item's records (whole, or not at all)."""
        ...

    def save_state(self, state: dict[str, FloatArray]) -> None:
        """Keep a streamed run's merged statistics (whole, or not at all)."""
        ...

    def load_state(self) -> dict[str, FloatArray] | None:
        """The statistics `save_state` kept last, if any."""
        ...


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
    the adaptive design eliminated early). A fixed design that does not keep every
    replication holds only the first `kept` of them in `records`; `moments` and
    `stream` then carry the statistics of all of them.
    """

    scenario: Scenario
    orderings: tuple[Ordering, ...]
    metrics: tuple[str, ...]
    records: FloatArray  # (orderings, kept replications, metrics)
    counts: NDArray[np.int64]
    seed: int
    moments: MetricMoments | None = None  # of every replication; from `records` if None
    stream: UtilityStream | None = None  # a fixed design's ranking statistics, streamed
    every_utility: FloatArray | None = None  # (orderings, replications), when kept apart

    @property
    def replications(self) -> int:
        """The largest replication count of any ordering."""
        return int(self.counts.max())

    @property
    def kept(self) -> int:
        """How many replications (from index 0) `records` holds."""
        return int(self.records.shape[1])

    @property
    def complete(self) -> bool:
        """Whether `records` holds every replication."""
        return self.kept >= self.replications

    def metric(self, name: str) -> FloatArray:
        """One metric for every ordering and kept replication: (orderings, replications)."""
        if name not in self.metrics:
            raise InputError(f"unknown metric {name!r}; allowed: {', '.join(self.metrics)}")
        return self.records[:, :, self.metrics.index(name)]

    @property
    def utility(self) -> FloatArray:
        """Utility of every ordering and replication, NaN beyond an ordering's count
        (the adaptive design keeps it whole even when it keeps only the first records)."""
        return self.metric("utility") if self.every_utility is None else self.every_utility

    def metric_moments(self) -> MetricMoments:
        """Count, mean and sd of every (ordering, metric) over all replications."""
        if self.moments is not None:
            return self.moments
        moments = MetricMoments(len(self.orderings), len(self.metrics))
        moments.add(self.records)
        return moments

    def __repr__(self) -> str:
        return (
            f"<ExperimentResult {self.scenario.name}: {replication_text(self.counts)}, "
            f"{len(self.metrics)} metrics, seed {self.seed}>"
        )


def replication_text(counts: NDArray[np.int64]) -> str:
    """`24 orderings x 1,000 replications`, or with a range when the counts differ."""
    low, high = int(counts.min()), int(counts.max())
    each = f"{high:,} replications" if low == high else f"{low:,} to {high:,} replications"
    return f"{counts.size:,} orderings x {each}"


def split_item(item: WorkItem, candidates: int, parts: int) -> list[WorkItem]:
    """A work item cut into up to `parts` items over consecutive slices of its orderings,
    so that more workers share it; their results, stacked, are the item's."""
    block, start, stop, systems = item
    chosen = np.arange(candidates) if systems is None else np.asarray(systems)
    if parts <= 1 or len(chosen) < 2:
        return [item]
    chunks = np.array_split(chosen, min(parts, len(chosen)))
    return [(block, start, stop, tuple(int(s) for s in chunk)) for chunk in chunks]


class RecordStore:
    """Takes in batches of replications of subsets of the candidates, in order.

    Keeps the records of replications below `keep` (all by default) and merges every
    record into `moments`, and into `stream` (a fixed design's ranking statistics) if
    given. A world an ordering was already simulated in (the knockout tournament starts
    a round where the last one's decisions ended, which a batch may have passed) is not
    merged twice: `counts` are distinct replications. With a checkpoint, items it holds
    are read back instead of simulated, and every simulated item is saved to it as its
    results arrive; a store that does not keep every replication saves only the items
    it keeps, and its merged statistics every STATE_SECONDS, so the checkpoint stays as
    small as its memory. `workers` only decides how finely items are split for dispatch.
    """

    def __init__(
        self,
        candidates: int,
        metrics: int,
        checkpoint: Checkpoint | None = None,
        *,
        keep: int | None = None,
        stream: UtilityStream | None = None,
        every_utility: bool = False,
        workers: int = 1,
    ) -> None:
        self.records = np.full((candidates, 0, metrics), np.nan)
        self.every_utility = np.full((candidates, 0), np.nan) if every_utility else None
        self.counts = np.zeros(candidates, dtype=np.int64)
        self.reached = np.zeros(candidates, dtype=np.int64)  # first world not yet taken in
        self.checkpoint = checkpoint
        self.keep = keep
        self.moments = MetricMoments(candidates, metrics)
        self.stream = stream
        self.workers = workers

    def collect(
        self,
        run: Mapper,
        start: int,
        stop: int,
        systems: Sequence[int] | None = None,
        done: Callable[[int], None] | None = None,
    ) -> FloatArray:
        """Simulate replications start..stop-1 of `systems` (default all) and take them in.

        Returns their utilities, shape (systems, stop - start). All work items are
        submitted at once (workers run them in parallel; an item is split by orderings
        when there are fewer items than twice the workers); `done` hears the replication
        reached as each item's results arrive, in order.
        """
        chosen = tuple(range(len(self.counts))) if systems is None else tuple(systems)
        rows = list(chosen)
        held = stop if self.keep is None else min(stop, self.keep)
        if self.records.shape[1] < held:
            grow = np.full(
                (len(self.counts), held - self.records.shape[1], self.records.shape[2]), np.nan
            )
            self.records = np.concatenate([self.records, grow], axis=1)
        if self.every_utility is not None and self.every_utility.shape[1] < stop:
            more = np.full((len(self.counts), stop - self.every_utility.shape[1]), np.nan)
            self.every_utility = np.concatenate([self.every_utility, more], axis=1)
        items = work_items(start, stop, None if systems is None else chosen)
        saved = self.checkpoint
        streamed = saved is not None and held < stop and self.stream is not None
        merged = self._resume(saved, start) if streamed else start
        skipped = [item[0] * BLOCK_SIZE + item[2] <= merged for item in items]
        kept = [saved is not None and item in saved for item in items]
        todo = [
            item
            for item, was_kept, skip in zip(items, kept, skipped, strict=True)
            if not (was_kept or skip)
        ]
        parts = -(-2 * self.workers // len(todo)) if todo else 1
        pieces = [split_item(item, len(self.counts), parts) for item in todo]
        computed = run([piece for split in pieces for piece in split]) if todo else iter(())
        sizes = iter(len(split) for split in pieces)
        utility = np.empty((len(chosen), stop - start))
        r = start
        next_state = time.monotonic() + STATE_SECONDS
        for item, was_kept, skip in zip(items, kept, skipped, strict=True):
            width = item[2] - item[1]
            if skip:  # merged before the run stopped: only the records it holds are needed
                if r < held:
                    assert saved is not None
                    self.records[rows, r : min(r + width, held)] = saved.load(item)[:, : held - r]
                r += width
                if done is not None:
                    done(r)
                continue
            if saved is not None and was_kept:
                part = saved.load(item)
                if part.shape != (len(chosen), width, self.records.shape[2]):
                    raise InputError(
                        f"a checkpoint of replications {item[0] * BLOCK_SIZE + item[1]}-"
                        f"{item[0] * BLOCK_SIZE + item[2] - 1} has shape {part.shape}, not "
                        f"{(len(chosen), width, self.records.shape[2])}: it is not this run's"
                    )
            else:
                part = np.concatenate([next(computed) for _ in range(next(sizes))], axis=0)
                if saved is not None and not (streamed and r >= held):
                    saved.save(item, part)
            if r < held:
                self.records[rows, r : min(r + width, held)] = part[:, : held - r]
            utility[:, r - start : r - start + width] = part[:, :, UTILITY]
            if self.every_utility is not None:
                self.every_utility[rows, r : r + width] = part[:, :, UTILITY]
            self._merge(rows, r, part)
            r += width
            if streamed and r > held and time.monotonic() >= next_state:
                assert saved is not None
                saved.save_state(self._state(r))
                next_state = time.monotonic() + STATE_SECONDS
            if done is not None:
                done(r)
        return utility

    def _state(self, position: int) -> dict[str, FloatArray]:
        """Everything merged up to replication `position`, as arrays."""
        state = {"position": np.array(position), "counts": self.counts, "reached": self.reached}
        state |= {f"moments.{k}": v for k, v in self.moments.state().items()}
        if self.stream is not None:
            state |= {f"stream.{k}": v for k, v in self.stream.state().items()}
        return state

    def _resume(self, saved: Checkpoint, start: int) -> int:
        """Restore the merged statistics a checkpoint kept; the replication to go on from."""
        state = saved.load_state()
        if state is None:
            return start
        if state["counts"].shape != self.counts.shape or (
            (self.stream is None) != ("stream.n" not in state)
        ):
            raise InputError("the checkpoint's statistics are not this run's")
        self.counts, self.reached = state["counts"].copy(), state["reached"].copy()
        self.moments.restore({k[8:]: v for k, v in state.items() if k.startswith("moments.")})
        if self.stream is not None:
            self.stream.restore({k[7:]: v for k, v in state.items() if k.startswith("stream.")})
        return int(state["position"])

    def _merge(self, rows: list[int], first: int, part: FloatArray) -> None:
        """Merge replications first.. of `rows` into the statistics, each world once."""
        width = part.shape[1]
        seen = np.clip(self.reached[rows] - first, 0, width)
        if seen.any():
            part = part.copy()
            part[np.arange(width)[None, :] < seen[:, None]] = np.nan
        self.moments.add(part, rows)
        if self.stream is not None:
            self.stream.add(first, part[:, :, UTILITY])
        self.counts[rows] += width - seen
        self.reached[rows] = np.maximum(self.reached[rows], first + width)

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
            moments=self.moments,
            stream=self.stream,
            every_utility=self.every_utility,
        )


STATE_SECONDS = 10.0
"""How often a streamed run saves its merged statistics to its checkpoint."""

KEEP_CELLS = 8 << 20
"""Largest outcome table (orderings x replications x metrics) a fixed design keeps by
default: 8,388,608 numbers, 64 MiB. Below it every replication is kept and written
to replications.csv.gz; above it statistics are streamed and only the first
replications that fit are kept, for the quantiles."""


def keeps_every_replication(
    orderings: int, replications: int, metrics: int, keep: bool | None
) -> bool:
    """`keep` if given, else whether the whole outcome table fits in KEEP_CELLS."""
    if keep is not None:
        return keep
    return orderings * replications * metrics <= KEEP_CELLS


def kept_replications(orderings: int, replications: int, metrics: int, keep: bool | None) -> int:
    """How many replications (from index 0) a fixed design holds in memory: all when
    it keeps every one (`keeps_every_replication`), else as many as fit in KEEP_CELLS."""
    if keeps_every_replication(orderings, replications, metrics, keep):
        return replications
    return max(2, min(replications, KEEP_CELLS // (orderings * metrics)))


def resolve_design(
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    *,
    fixed: bool = True,
    keep: bool | None = True,
) -> tuple[int, int, tuple[Ordering, ...]]:
    """Replications, seed and candidates of a run, checked before any work starts.

    For a fixed design (N replications of every candidate) this also checks that the
    outcome records it keeps (see `kept_replications`) fit in memory.
    """
    n = scenario.experiment.replications if replications is None else replications
    seed = scenario.experiment.seed if seed is None else seed
    if not 2 <= n <= MAX_REPLICATIONS:
        raise SettingError(
            f"{{replications}} must be between 2 and {MAX_REPLICATIONS:,} (got {n})",
            setting="replications",
        )
    if not 0 <= seed < 2**63:
        raise SettingError(f"{{seed}} must be between 0 and 2**63 - 1 (got {seed})", setting="seed")
    orderings = candidate_orderings(scenario)
    if not orderings:
        raise InputError(f"scenario {scenario.name!r}: the constraints rule out every ordering")
    if fixed:
        metrics = len(metric_names(scenario))
        check_memory(
            len(orderings),
            kept_replications(len(orderings), n, metrics, keep),
            metrics,
            also="--no-keep-replications to stream the statistics",
        )
    return n, seed, orderings


BASE_BYTES = 256 << 20
"""Memory of the interpreter, the libraries and the scenario before any run (a
2-visitor run peaks at 170 MB), with a margin."""


def memory_estimate(orderings: int, replications: int, metrics: int) -> int:
    """Peak bytes of a run holding `replications` outcome records of every ordering.

    Besides the records, ranking streams the paired bootstrap's sums (orderings x
    BOOTSTRAP_SAMPLES floats) and makes one block's contribution as large before adding
    it, and keeps k x k co-moments up to RANK_MATRIX_LIMIT orderings. An 8-visitor run
    (40,320 orderings, `-n 2 --no-keep-replications`) is estimated at 1.6 GB and
    measured at 1.2 GB.
    """
    records = orderings * replications * metrics * 8
    bootstrap = 2 * orderings * BOOTSTRAP_SAMPLES * 8
    comoments = orderings * orderings * 8 if orderings <= RANK_MATRIX_LIMIT else 0
    return BASE_BYTES + records + bootstrap + comoments


def available_memory() -> int | None:
    """Bytes of memory available to a new run (MemAvailable), or None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(
    orderings: int,
    replications: int,
    metrics: int,
    option: str = "--replications",
    also: str = "constraints that rule out orderings",
) -> None:
    """Refuse a run whose outcome records would not fit in MAX_RECORD_BYTES, or whose
    estimated peak memory (`memory_estimate`) exceeds the memory available now."""
    need = orderings * replications * metrics * 8
    if need > MAX_RECORD_BYTES:
        most = MAX_RECORD_BYTES // (orderings * metrics * 8)
        raise InputError(
            f"{orderings:,} orderings x {replications:,} replications x {metrics} "
            f"metric{'s' if metrics != 1 else ''} "
            f"would need {need / 2**30:,.1f} GiB for the outcome records (limit "
            f"{MAX_RECORD_BYTES >> 30} GiB); use {option} {most:,} or fewer, or {also}"
        )
    estimate = memory_estimate(orderings, replications, metrics)
    available = available_memory()
    if available is not None and estimate > available:
        raise InputError(
            f"{orderings:,} orderings x {replications:,} replications would need about "
            f"{estimate / 2**30:,.1f} GiB of memory, but only {available / 2**30:,.1f} GiB "
            f"is available; free memory, or use a smaller {option}, or {also}"
        )


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
        stream=UtilityStream(len(orderings), n, seed),
        workers=executor.workers,
    )
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


def pilot_delta(
    scenario: Scenario,
    orderings: tuple[Ordering, ...],
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
    variance = store.moments.sd()[:, UTILITY] ** 2
    pooled = float(np.sqrt(np.mean(variance)))
    if pooled == 0:
        raise InputError(
            "utility does not vary in a pilot run, so no default --delta can be set; give one"
        )
    source = (
        f"default: {DELTA_FRACTION:g} x the utility's standard deviation "
        f"({pooled:.4g}) in a {n0}-replication pilot of all {len(orderings):,} orderings"
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
    for option, value in (
        ("--n0", settings.n0),
        ("--batch", settings.batch),
        ("--max-replications", settings.max_replications),
    ):
        if value is not None and value > MAX_REPLICATIONS:
            raise InputError(f"{option} must be at most {MAX_REPLICATIONS:,} (got {value})")


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
        check_memory(k, settings.max_replications, 1, "--max-replications")
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
        keep=KEEP_CELLS // (k * metrics),
        every_utility=True,
        workers=executor.workers,
    )
    with executor.session(BlockTask(scenario, orderings, seed)) as run:

        def sampler(systems: NDArray[np.int64], start: int, stop: int) -> FloatArray:
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
    """`ORDERING:INDEX` (visitor ids separated by commas) as an ordering and an index."""
    ordering_text, sep, index_text = text.rpartition(":")
    if not sep:
        ordering_text, index_text = text, "0"
    ordering = tuple(v.strip() for v in ordering_text.split(",") if v.strip())
    ids = [v.id for v in scenario.visitors]
    if sorted(ordering) != sorted(ids):
        raise InputError(
            f"--replay {text}: the ordering must name every visitor once, separated by "
            f"commas (visitors: {', '.join(ids)}), e.g. --replay {','.join(ids)}:0"
        )
    if not index_text.strip().isdigit():
        raise InputError(
            f"--replay {text}: the replication index after ':' must be a whole number >= 0"
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
        raise InputError(f"--seed must be between 0 and 2**63 - 1 (got {seed})")
    block, r = divmod(replication, BLOCK_SIZE)
    spec = compile_spec(scenario)
    try:
        world = _draw(scenario, seed, block)
    except Exception as error:
        raise _failure(None, replication, seed, error) from error
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
    failure: ReplicationFailed | None = None
    try:
        record = simulate(spec, plan, draws, trace)
    except Exception as error:
        failure = _failure(ordering, replication, seed, error)
    if record is not None and not math.isfinite(record[0]):
        failure = ReplicationFailed(
            ordering, replication, seed, f"the utility is {record[0]} (not a finite number)"
        )
    end = trace[-1].day if failure is not None and trace else scenario.horizon_days
    timeline = sorted([e for e in events if e.day <= end] + trace, key=lambda e: e.day)
    return Replay(
        ordering,
        replication,
        seed,
        spec.metrics,
        record,
        timeline,
        None if failure is None else failure.error,
        "" if failure is None else failure.details,
    )
