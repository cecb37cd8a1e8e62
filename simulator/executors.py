"""Executors: map a block task over replication blocks, yielding results in block order.

Results never depend on timing or worker count: each block's output is a pure function
of (scenario, orderings, seed, block), and the caller consumes them in block order.
Workers of the process executor receive the task (and with it the scenario) once, via
the pool initializer, not with every block.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol

from .distributions import FloatArray
from .errors import InputError

BlockTask = Callable[[int, int], FloatArray]
"""A picklable callable: (block index, replications used from it) -> results array."""

EXECUTORS = ("serial", "process")


class Executor(Protocol):
    """Runs a block task over blocks; yields results in the order of `blocks`."""

    name: str
    workers: int

    def map_blocks(
        self, task: BlockTask, blocks: Sequence[tuple[int, int]]
    ) -> Iterator[FloatArray]:
        """Yield `task(block, count)` for each `(block, count)`, in order."""
        ...


class SerialExecutor:
    """Runs every block in this process: simplest, and best for debugging."""

    name = "serial"
    workers = 1

    def map_blocks(
        self, task: BlockTask, blocks: Sequence[tuple[int, int]]
    ) -> Iterator[FloatArray]:
        for block, count in blocks:
            yield task(block, count)


_worker_task: BlockTask | None = None


def _install(task: BlockTask) -> None:
    global _worker_task  # noqa: PLW0603 - the per-worker copy of the task, set once
    _worker_task = task


def _run(block: int, count: int) -> FloatArray:
    assert _worker_task is not None, "worker initializer did not run"
    return _worker_task(block, count)


def _start_method() -> str:
    """Fork when it is safe (POSIX, no other threads): workers start in milliseconds.

    Otherwise spawn, which re-imports the package in each worker but cannot inherit a
    lock held by another thread.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


class ProcessExecutor:
    """Runs blocks on local worker processes."""

    name = "process"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map_blocks(
        self, task: BlockTask, blocks: Sequence[tuple[int, int]]
    ) -> Iterator[FloatArray]:
        context = multiprocessing.get_context(_start_method())
        with ProcessPoolExecutor(
            max_workers=min(self.workers, max(len(blocks), 1)),
            mp_context=context,
            initializer=_install,
            initargs=(task,),
        ) as pool:
            futures = [pool.submit(_run, block, count) for block, count in blocks]
            for future in futures:
                yield future.result()


def make_executor(name: str, workers: int | None = None) -> Executor:
    """The executor called `name` (one of EXECUTORS)."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})")
    if name == "serial":
        return SerialExecutor()
    if name == "process":
        return ProcessExecutor(workers)
    raise InputError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
