"""Executors: run a block task over work items, yielding results in item order.

Results never depend on timing or worker count: each item's output is a pure function
of (task, item), and callers consume results in the order they asked for them. An
executor opens a *session* for one task; workers receive the task (and with it the
scenario) once per session, not with every item, and a session can map many batches
of items (the adaptive design asks for one batch at a time).

While a session runs, this process merges the arriving results into statistics with
numpy; its BLAS is held to one thread then, because the workers already use every core
and a multi-threaded BLAS competing with them costs more than it gains.
"""

from __future__ import annotations

import ctypes
import itertools
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from threadpoolctl import threadpool_limits

from .errors import InputError, SettingError, WorkerLost
from .types import FloatArray

WORKERS_PER_CORE = 4
"""Most worker processes per core (`max_workers`): more only compete for the cores,
and each holds its own copy of the scenario and a block of worlds."""


def max_workers() -> int:
    """The largest `workers` setting accepted on this machine."""
    return WORKERS_PER_CORE * (os.cpu_count() or 1)


def worker_count(workers: int | None) -> int:
    """`workers` (default: one per core), refused before any process starts unless it
    lies in 1..max_workers()."""
    if workers is None:
        return os.cpu_count() or 1
    if not 1 <= workers <= max_workers():
        raise SettingError(
            f"{{workers}} must be between 1 and {max_workers()} ({WORKERS_PER_CORE} x the "
            f"{os.cpu_count() or 1} cores) (got {workers})",
            setting="workers",
        )
    return workers


WorkItem = tuple[int, int, int, tuple[int, ...] | None]
"""(block, first replication in the block, end replication, candidate indices or None=all)."""

WorkTask = Callable[[WorkItem], FloatArray]
"""A picklable callable turning one work item into a results array."""

Mapper = Callable[[Sequence[WorkItem]], Iterator[FloatArray]]

EXECUTORS = ("serial", "process", "dask")

WINDOW_PER_WORKER = 4
"""Work items in flight (submitted, result not yet read) per worker."""


class Executor(Protocol):
    """Opens sessions that map a task over work items, in order."""

    name: str
    workers: int

    def session(self, task: WorkTask) -> AbstractContextManager[Mapper]:
        """A context in which `map(items)` yields `task(item)` for each item, in order."""
        ...


class SerialExecutor:
    """Runs every item in this process: simplest, and best for debugging."""

    name = "serial"
    workers = 1

    @contextmanager
    def session(self, task: WorkTask) -> Iterator[Mapper]:
        def run(items: Sequence[WorkItem]) -> Iterator[FloatArray]:
            for item in items:
                yield task(item)

        yield run


_worker_task: WorkTask | None = None


PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal the kernel sends this process when its parent dies."""

WATCH_SECONDS = 1.0
"""How often a worker without prctl checks that its parent is still alive."""


def _exit_with_parent(parent: int, *, use_prctl: bool = True) -> None:
    """Make this worker end when `parent`, the process that started it, dies.

    A parent killed with SIGKILL never stops its pool, and a worker blocked waiting for
    work would otherwise live on, holding its memory, for ever. On Linux the kernel
    kills the worker (prctl PR_SET_PDEATHSIG; it fires when the thread that forked the
    worker ends, which in a session is the thread consuming its results); elsewhere a
    daemon thread polls the parent pid. Either way, a parent already gone ends the
    worker at once.
    """
    if use_prctl and sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # died before the signal was armed
                os._exit(1)
            return
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int, interval: float = WATCH_SECONDS) -> None:
    """Exit this process as soon as its parent is no longer `parent` (it died, and the
    process was handed to another)."""
    while os.getppid() == parent:
        time.sleep(interval)
    os._exit(1)


def _watch_alive(parent: int, interval: float = WATCH_SECONDS) -> None:
    """Exit this process as soon as process `parent` no longer exists."""
    while True:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(1)
        time.sleep(interval)


def _install(task: WorkTask | None, parent: int, served: bool = False) -> None:
    """Worker initializer: keep the task; leave Ctrl-C to the parent, which stops us;
    end with the parent (`_exit_with_parent`). A worker a fork server `served` is the
    server's child: it watches the run's process, `parent`, for itself."""
    global _worker_task  # noqa: PLW0603 - the per-worker copy of the task, set once
    if served:
        threading.Thread(target=_watch_alive, args=(parent,), daemon=True).start()
    else:
        _exit_with_parent(parent)
    _worker_task = task
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now, abandoning the blocks they are running.

    SIGKILL, not SIGTERM: a worker runs Python signal handlers only between bytecodes
    of its main thread, and a stop must not wait on a worker that is slow to get there
    (on a loaded machine, that wait has been seen to outlast a minute). Nothing a
    worker holds needs cleaning up: its results are abandoned and it writes no files.
    """
    kill = getattr(pool, "kill_workers", None)  # Python 3.14+
    if kill is not None:
        kill()
        return
    # No public API before 3.14: reach for the worker processes.
    for process in list((pool._processes or {}).values()):
        process.kill()
    # A worker killed while it wrote a result leaves the pool's manager thread waiting
    # for the rest of that message, for ever: this process holds the pipe's other write
    # end. Closing it (the workers' ends close as they die) gives the manager
    # end-of-file instead, so it marks the pool broken and ends, and shutdown returns.
    results = pool._result_queue
    if results is not None:  # None: the pool was shut down already
        results._writer.close()  # type: ignore[attr-defined]
    pool.shutdown(wait=True, cancel_futures=True)


def _run(item: WorkItem) -> FloatArray:
    assert _worker_task is not None, "worker initializer did not run"
    return _worker_task(item)


_worker_session = -1
"""The session whose task a kept pool's worker holds (`_run_in`)."""


def _run_in(session: int, task: bytes, item: WorkItem) -> FloatArray:
    """Run `item` in a kept pool's worker: the pickled `task` of `session` is unpickled
    once per worker and session, then held for the session's later items."""
    global _worker_task, _worker_session  # noqa: PLW0603 - the worker's task of a session
    if session != _worker_session:
        _worker_task = pickle.loads(task)  # our own task, from our parent
        _worker_session = session
    return _run(item)


def _start_method() -> str:
    """Fork when it is safe (POSIX, no other threads): workers start in milliseconds.

    With other threads running (a web page's server, a notebook's kernel), fork could
    copy a lock another thread holds. Then a fork server, where there is one: it starts
    once per process, with the package imported (`FORKSERVER_PRELOAD`), and forks every
    later worker from that clean copy in milliseconds too. Otherwise spawn, which
    re-imports the package in each worker.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return "fork"
    if "forkserver" in methods:
        multiprocessing.get_context("forkserver").set_forkserver_preload(FORKSERVER_PRELOAD)
        return "forkserver"
    return "spawn"


FORKSERVER_PRELOAD = ["simulator.experiment.task", "simulator.executors"]
"""Modules the fork server imports once, so that its workers start ready to simulate."""


def _submitter(
    pool: ProcessPoolExecutor, kept: tuple[int, bytes] | None
) -> Callable[[WorkItem], Future[FloatArray]]:
    """Submit one work item to `pool`, to run in a worker with its task: the pool's own,
    or, in a `kept` pool, the session's (its number and pickled task)."""

    def submit(item: WorkItem) -> Future[FloatArray]:
        if kept is None:
            return pool.submit(_run, item)
        return pool.submit(_run_in, *kept, item)

    return submit


def _in_order(
    submit: Callable[[WorkItem], Any], items: Sequence[WorkItem], window: int
) -> Iterator[FloatArray]:
    """Results of `items` in order, from futures `submit` returns.

    At most `window` items are submitted and not yet read at any time, so a run of any
    length holds a bounded number of results, however fast the workers are.
    """
    pending: deque[Any] = deque(submit(item) for item in items[:window])
    upcoming = iter(items[window:])
    while pending:
        result = pending.popleft().result()
        following = next(upcoming, None)
        if following is not None:
            pending.append(submit(following))
        yield result


MAX_RESTARTS = 2
"""Fresh pools a process session may start after workers die, before giving up."""


class ProcessExecutor:
    """Runs items on local worker processes, kept for the length of a session.

    If a worker dies (killed, out of memory), the pool is replaced and every item
    whose result had not arrived is run again: results are pure functions of the item,
    so a re-run gives the same numbers and nothing is dropped. After MAX_RESTARTS
    replacements the run fails with `WorkerLost`.

    With `keep=True` the workers outlive the session: the next session's task goes to
    the same workers (pickled once per session, unpickled once per worker), which
    saves starting a pool each time, for callers that run many short sessions (the
    what-if page re-ranks on every move). `close()` stops them.
    """

    name = "process"

    def __init__(self, workers: int | None = None, *, keep: bool = False) -> None:
        self.workers = worker_count(workers)
        self.keep = keep
        self._kept: ProcessPoolExecutor | None = None
        self._sessions = itertools.count(1)  # next() is atomic: threads may share a pool

    def _pool(self, task: WorkTask | None) -> ProcessPoolExecutor:
        method = _start_method()
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_install,
            initargs=(task, os.getpid(), method == "forkserver"),
        )
        if task is None:
            weakref.finalize(self, _terminate, pool)
        return pool

    @contextmanager
    def session(self, task: WorkTask) -> Iterator[Mapper]:
        with threadpool_limits(limits=1):  # the workers own the cores (see module doc)
            yield from self._pools(task)

    def _pools(self, task: WorkTask) -> Iterator[Mapper]:
        kept: tuple[int, bytes] | None = None
        if self.keep:
            kept = (next(self._sessions), pickle.dumps(task))
            self._kept = self._kept or self._pool(None)
            pools = [self._kept]
        else:
            pools = [self._pool(task)]
        window = WINDOW_PER_WORKER * self.workers

        def run(items: Sequence[WorkItem]) -> Iterator[FloatArray]:
            done = 0
            restarts = 0
            while done < len(items):
                pool = pools[-1]
                try:
                    for result in _in_order(_submitter(pool, kept), items[done:], window):
                        yield result
                        done += 1
                except BrokenProcessPool as error:
                    pools[-1].shutdown(wait=False, cancel_futures=True)
                    restarts += 1
                    if restarts > MAX_RESTARTS:
                        raise WorkerLost(
                            f"worker processes died {restarts} times while simulating block "
                            f"{items[done][0]}; no results were written. Rerun with "
                            "{executor} serial to see the error in this process."
                        ) from error
                    pools.append(self._pool(None if self.keep else task))
                    if self.keep:
                        self._kept = pools[-1]

        try:
            yield run
        except BaseException:
            # Interrupted or failed: do not wait for blocks nobody will read.
            for pool in pools:
                _terminate(pool)
            self._kept = None
            raise
        for pool in pools if not self.keep else pools[:-1]:
            pool.shutdown(wait=True)

    def close(self) -> None:
        """Stop the kept workers, if any (a later session starts new ones)."""
        if self._kept is not None:
            self._kept.shutdown(wait=True, cancel_futures=True)
            self._kept = None


def _call(task: WorkTask, item: WorkItem) -> FloatArray:
    return task(item)


class DaskExecutor:
    """Runs items on a Dask `distributed` cluster: a local one, or `scheduler`'s.

    The task (with the scenario) is scattered to every worker once per session. Dask
    re-runs the items of a worker that dies on another worker; when it gives up on an
    item (`KilledWorker`), the run fails with `WorkerLost`. If the task's copies die
    with their workers (Dask then cancels what depends on them), it is scattered again
    and the items not yet read are submitted again, up to MAX_RESTARTS times. The local
    cluster starts on first use and stops when the executor is closed (or the process
    exits).
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        self.workers = worker_count(workers)
        self.scheduler = scheduler
        self._client: Any = None
        self._cluster: Any = None

    def _connect(self) -> Any:
        if self._client is None:
            try:
                from distributed import Client, LocalCluster  # noqa: PLC0415 - optional extra
            except ImportError as error:
                raise SettingError(
                    "{executor} dask needs the dask extra: pip install 'visitsim[dask]'",
                    setting="executor",
                ) from error
            if self.scheduler is None:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # a free port: never clash with another run
                )
                self._client = Client(self._cluster)
            else:
                try:
                    self._client = Client(self.scheduler, timeout="10s")
                except OSError as error:
                    raise InputError(
                        f"cannot reach the Dask scheduler at {self.scheduler}: {error}"
                    ) from error
            weakref.finalize(self, _close, self._client, self._cluster)
        return self._client

    @contextmanager
    def session(self, task: WorkTask) -> Iterator[Mapper]:
        from distributed import KilledWorker  # noqa: PLC0415 - optional extra

        client = self._connect()
        remote = [client.scatter(task, broadcast=True, hash=False)]

        def submit(item: WorkItem) -> Any:
            return client.submit(_call, remote[0], item, pure=False)

        def run(items: Sequence[WorkItem]) -> Iterator[FloatArray]:
            done = lost = 0
            while True:
                try:
                    for result in _in_order(submit, items[done:], WINDOW_PER_WORKER * self.workers):
                        yield result
                        done += 1
                    return
                except KilledWorker as error:
                    raise WorkerLost(
                        f"Dask workers kept dying while simulating block {items[done][0]}; "
                        "no results were written"
                    ) from error
                except CancelledError as error:  # the task's copies died with their workers
                    lost += 1
                    if lost > MAX_RESTARTS:
                        raise WorkerLost(
                            "Dask kept losing the scenario with dying workers while "
                            f"simulating block {items[done][0]}; no results were written"
                        ) from error
                    remote[0] = client.scatter(task, broadcast=True, hash=False)

        with threadpool_limits(limits=1):  # the workers own the cores (see module doc)
            yield run

    def close(self) -> None:
        """Stop the client (and the local cluster, if this executor started one)."""
        _close(self._client, self._cluster)
        self._client = self._cluster = None


def _close(client: Any, cluster: Any) -> None:
    if client is not None:
        client.close()
    if cluster is not None:
        cluster.close()


def kept(executor: Executor) -> Executor:
    """`executor`, with its workers kept from one session to the next where that saves
    starting them each time (process executors); for callers of many short sessions."""
    if isinstance(executor, ProcessExecutor) and not executor.keep:
        return ProcessExecutor(executor.workers, keep=True)
    return executor


def make_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor called `name` (one of EXECUTORS)."""
    worker_count(workers)  # checked even where unused (serial)
    if scheduler is not None and name != "dask":
        raise SettingError("{scheduler} needs {executor} dask", setting="scheduler")
    if name == "serial":
        return SerialExecutor()
    if name == "process":
        return ProcessExecutor(workers)
    if name == "dask":
        return DaskExecutor(workers, scheduler)
    raise InputError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
