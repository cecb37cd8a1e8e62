"""What a design gathers: its outcome records, their statistics and its checkpoint.

A `RecordStore` takes in a design's work items as their results arrive, keeping the
records it has room for and merging every one into statistics; a `Checkpoint` keeps
each completed work item, so that an interrupted run resumes from what it finished.
A work item's records are a pure function of the item, so reusing them gives the same
bytes as simulating them again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import InputError
from ..executors import Mapper, WorkItem
from ..scenario import RECORD_HEAD, Scenario, metric_names
from ..stats.moments import MetricMoments
from ..stats.ranking import UtilityStream
from ..types import FloatArray, IntArray, Ordering
from ..world import BLOCK_SIZE
from .task import split_item, work_items

UTILITY = RECORD_HEAD.index("utility")
"""Where utility sits in an outcome record."""

PIECE_VALUES = 2 << 20
"""Most outcome values (orderings x replications x metrics, 16 MiB) in one piece of
work a worker returns: a large work item is cut by orderings into pieces of this size,
each merged as it arrives, so memory does not grow with the number of orderings."""

PIECE_ORDERINGS = 256
"""Fewest orderings in a piece cut only to share work: a piece's first ordering is
simulated from day 0 in every replication, its others resume shared turns (`model`)."""

PIECES_PER_WORKER = 8
"""Most pieces per worker a large batch is cut into, so that the workers end it at about
the same time (the last piece to end leaves the other workers idle until it does)."""

STATE_SECONDS = 10.0
"""How often a streamed run saves its merged statistics to its checkpoint."""


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


@dataclass(frozen=True)
class ExperimentResult:
    """Outcome records: `records[k, r]` is ordering k, replication r.

    Ordering k has `counts[k]` replications; its row beyond them is NaN (an ordering
    the adaptive design eliminated early). A fixed design that does not keep every
    replication holds only the first `kept` of them in `records`; `moments` and
    `stream` then carry the statistics of all of them.
    """

    scenario: Scenario
    orderings: Sequence[Ordering]
    metrics: tuple[str, ...]
    records: FloatArray  # (orderings, kept replications, metrics)
    counts: IntArray
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


def replication_text(counts: IntArray) -> str:
    """`24 orderings x 1,000 replications`, or with a range when the counts differ."""
    low, high = int(counts.min()), int(counts.max())
    each = f"{high:,} replications" if low == high else f"{low:,} to {high:,} replications"
    return f"{counts.size:,} orderings x {each}"


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
        self.counts: IntArray = np.zeros(candidates, dtype=np.int64)
        # first world not yet taken in
        self.reached: IntArray = np.zeros(candidates, dtype=np.int64)
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
        when there are fewer items than 2 to PIECES_PER_WORKER per worker, as many as
        pieces of PIECE_ORDERINGS allow, and into pieces of at most PIECE_VALUES values,
        each taken in as it arrives); `done` hears the replication
        reached as each item's results arrive, in order.
        """
        chosen = tuple(range(len(self.counts))) if systems is None else tuple(systems)
        rows = list(chosen)
        held = stop if self.keep is None else min(stop, self.keep)
        self._grow(held, stop)
        items = work_items(start, stop, None if systems is None else chosen)
        saved = self.checkpoint
        streamed = saved is not None and held < stop and self.stream is not None
        merged = self._resume(saved, start) if streamed and saved is not None else start
        skipped = [item[0] * BLOCK_SIZE + item[2] <= merged for item in items]
        kept = [saved is not None and item in saved for item in items]
        todo = [
            item
            for item, was_kept, skip in zip(items, kept, skipped, strict=True)
            if not (was_kept or skip)
        ]
        wanted = max(2, min(PIECES_PER_WORKER, len(chosen) // PIECE_ORDERINGS // self.workers))
        parts = -(-wanted * self.workers // len(todo)) if todo else 1
        metrics = self.records.shape[2]
        pieces = [
            split_item(
                item, len(self.counts), parts, PIECE_VALUES // ((item[2] - item[1]) * metrics)
            )
            for item in todo
        ]
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
                results: Iterable[FloatArray] = [self._load_kept(saved, item, len(chosen))]
            else:
                pieces_of_item = (next(computed) for _ in range(next(sizes)))
                save = saved if not (streamed and r >= held) else None
                results = self._arrived(item, pieces_of_item, save)
            low = 0  # each piece is taken in as it arrives, so no item is held whole
            for part in results:
                high = low + len(part)
                utility[low:high, r - start : r - start + width] = part[:, :, UTILITY]
                self._take_in(rows[low:high], r, held, part)
                low = high
            r += width
            if streamed and r > held and time.monotonic() >= next_state:
                assert saved is not None
                saved.save_state(self._state(r))
                next_state = time.monotonic() + STATE_SECONDS
            if done is not None:
                done(r)
        return utility

    def _arrived(
        self, item: WorkItem, pieces: Iterator[FloatArray], save: Checkpoint | None
    ) -> Iterable[FloatArray]:
        """The records of a simulated item, piece by piece as they arrive; whole when the
        checkpoint `save` keeps it or the ranking stream takes in all orderings at once."""
        if save is None and self.stream is None:
            return pieces
        whole = np.concatenate(list(pieces), axis=0)
        if save is not None:
            save.save(item, whole)
        return [whole]

    def _grow(self, held: int, stop: int) -> None:
        """Widen the buffers to hold `held` replications' records and `stop` utilities."""
        if self.records.shape[1] < held:
            grow = np.full(
                (len(self.counts), held - self.records.shape[1], self.records.shape[2]), np.nan
            )
            self.records = np.concatenate([self.records, grow], axis=1)
        if self.every_utility is not None and self.every_utility.shape[1] < stop:
            more = np.full((len(self.counts), stop - self.every_utility.shape[1]), np.nan)
            self.every_utility = np.concatenate([self.every_utility, more], axis=1)

    def _load_kept(self, saved: Checkpoint, item: WorkItem, systems: int) -> FloatArray:
        """The records a checkpoint kept for `item`, refused if shaped for another run."""
        part = saved.load(item)
        width = item[2] - item[1]
        if part.shape != (systems, width, self.records.shape[2]):
            raise InputError(
                f"a checkpoint of replications {item[0] * BLOCK_SIZE + item[1]}-"
                f"{item[0] * BLOCK_SIZE + item[2] - 1} has shape {part.shape}, not "
                f"{(systems, width, self.records.shape[2])}: it is not this run's"
            )
        return part

    def _take_in(self, rows: list[int], r: int, held: int, part: FloatArray) -> None:
        """Hold an item's records from replication `r` (those before `held`) and its
        utilities, and merge it into the running statistics."""
        width = part.shape[1]
        if r < held:
            self.records[rows, r : min(r + width, held)] = part[:, : held - r]
        if self.every_utility is not None:
            self.every_utility[rows, r : r + width] = part[:, :, UTILITY]
        self._merge(rows, r, part)

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
        # the state file keeps these counts as integers: astype copies them, typed so
        self.counts = state["counts"].astype(np.int64)
        self.reached = state["reached"].astype(np.int64)
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
        self, scenario: Scenario, orderings: Sequence[Ordering], seed: int
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
