"""Executors: run a block task over work items, yielding results in item order.

Results never depend on timing or worker count: each item's output is a pure function
of (task, item), and callers consume results in the order they asked for them. An
executor opens a *session* for one task; workers receive the task (and with it the
scenario) once per session, not with every item, and a session can map many batches
of items (the adaptive design asks for one batch at a time).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from .distributions import FloatArray
from .errors import InputError

WorkItem = tuple[int, int, int, tuple[int, ...] | None]
"""(block, first replication in the block, end replication, candidate indices or None=all)."""

BlockTask = Callable[[WorkItem], FloatArray]
"""A picklable callable turning one work item into a results array."""

Mapper = Callable[[Sequence[WorkItem]], Iterator[FloatArray]]

EXECUTORS = ("serial", "process")


class Executor(Protocol):
    """Opens sessions that map a task over work items, in order."""

    name: str
    workers: int

    def session(self, task: BlockTask) -> AbstractContextManager[Mapper]:
        """A context in which `map(items)` yields `task(item)` for each item, in order."""
        ...


class SerialExecutor:
    """Runs every item in this process: simplest, and best for debugging."""

    name = "serial"
    workers = 1

    @contextmanager
    def session(self, task: BlockTask) -> Iterator[Mapper]:
        def run(items: Sequence[WorkItem]) -> Iterator[FloatArray]:
            for item in items:
                yield task(item)

        yield run


_worker_task: BlockTask | None = None


def _install(task: BlockTask) -> None:
    global _worker_task  # noqa: PLW0603 - the per-worker copy of the task, set once
    _worker_task = task


def _run(item: WorkItem) -> FloatArray:
    assert _worker_task is not None, "worker initializer did not run"
    return _worker_task(item)


def _start_method() -> str:
    """Fork when it is safe (POSIX, no other threads): workers start in milliseconds.

    Otherwise spawn, which re-imports the package in each worker but cannot inherit a
    lock held by another thread.
    """
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


class ProcessExecutor:
    """Runs items on local worker processes, kept for the length of a session."""

    name = "process"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    @contextmanager
    def session(self, task: BlockTask) -> Iterator[Mapper]:
        with ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(_start_method()),
            initializer=_install,
            initargs=(task,),
        ) as pool:

            def run(items: Sequence[WorkItem]) -> Iterator[FloatArray]:
                futures = [pool.submit(_run, item) for item in items]
                for future in futures:
                    yield future.result()

            yield run


def make_executor(name: str, workers: int | None = None) -> Executor:
    """The executor called `name` (one of EXECUTORS)."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be at least 1 (got {workers})")
    if name == "serial":
        return SerialExecutor()
    if name == "process":
        return ProcessExecutor(workers)
    raise InputError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
