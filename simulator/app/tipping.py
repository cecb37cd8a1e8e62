"""Tipping points after every move: each control's nearest flips, found in the background.

After each ranking the page tells a `Tipping` which setting it shows (`follow`). One
background thread then searches the nearest flips of each control at that setting
(`whatif.nearest_flips`), one control at a time in the page's order, and keeps every
answer per setting, so moving back costs nothing. Moving on abandons the setting left
at its next simulated value; the values already simulated are kept, and a search at
the new setting reuses them.

A search runs at the page's replications per ordering (`FLIP_REPLICATIONS` at most), in
one worker process at a low CPU priority (`NICE`), so a ranking, in the server's process
or its workers, gets the cores first: a move re-ranks at once whatever is being searched.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from typing import Protocol, TypeVar

from ..api.whatif import FLIP_REPLICATIONS, NearestFlips, WhatIf, best_ordering, nearest_flips
from ..errors import SimulatorError
from ..executors import FORKSERVER_PRELOAD
from ..scenario import Scenario
from ..tuning.inputs import Setting
from ..types import Ordering

NICE = 10
"""The worker's niceness: against a ranking's processes it gets about a tenth of a core
they want (19, the lowest priority, would all but stop it on a machine kept busy)."""
KEPT = 4096
"""Answers, and simulated values, kept (each a few hundred bytes)."""


@dataclass(frozen=True)
class Target:
    """A setting the page shows: every control's value, the policy, the replications per
    ordering of its searches and the seed."""

    setting: Setting
    policy: str | None
    replications: int
    seed: int


@dataclass(frozen=True)
class Computing:
    """A control's flips are not known yet: `started` once its search runs, with
    `tried` values simulated (or found simulated) so far."""

    started: bool
    tried: int


@dataclass(frozen=True)
class Failed:
    """A control's search failed: the message says why."""

    message: str


State = NearestFlips | Computing | Failed
K = TypeVar("K")
V = TypeVar("V")
Job = tuple[str, Target]


class Worker(Protocol):
    """Where the searches' settings are simulated."""

    def best(self, scenario: Scenario, replications: int, seed: int) -> Ordering:
        """The best ordering of `scenario` (`whatif.best_ordering`); blocks until known."""
        ...

    def close(self) -> None:
        """Stop, abandoning any simulation under way."""
        ...


def _lowest_priority() -> None:
    """Worker initializer: yield the cores to the rankings (and the user's other work)."""
    if hasattr(os, "nice"):
        os.nice(NICE)


class NicedWorker:
    """One worker process at a low CPU priority, started when first needed from a
    fork server (the server's threads make a plain fork unsafe) or spawned."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def best(self, scenario: Scenario, replications: int, seed: int) -> Ordering:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=_context(), initializer=_lowest_priority
            )
        try:
            return self._pool.submit(best_ordering, scenario, replications, seed).result()
        except BrokenProcessPool:
            self._pool = None  # the process died: the next search starts another
            raise

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list((pool._processes or {}).values()):  # no public API before 3.14
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(FORKSERVER_PRELOAD)  # as the executors' workers
        return context
    return multiprocessing.get_context("spawn")


class _Left(Exception):
    """The page shows another setting now: the search of this one stops."""


class Tipping:
    """The background search of a what-if session's tipping points (see the module's
    docstring); `close` stops it."""

    def __init__(self, session: WhatIf, worker: Worker | None = None) -> None:
        self.session = session
        self.controls = {c.path: c for c in session.controls}
        self.worker: Worker = NicedWorker() if worker is None else worker
        self._lock = threading.Condition()
        self._target: Target | None = None
        self._found: OrderedDict[Job, NearestFlips | Failed] = OrderedDict()
        self._best: OrderedDict[tuple[Setting, str | None, int, int], Ordering] = OrderedDict()
        self._running: Job | None = None
        self._tried = 0
        self._closed = False
        self._thread = threading.Thread(target=self._work, name="tipping points", daemon=True)
        self._thread.start()

    def target(
        self, values: Mapping[str, float], policy: str | None, replications: int, seed: int
    ) -> Target:
        """The target of a page's setting, its searches at `FLIP_REPLICATIONS` at most."""
        setting = self.session.setting(values)
        return Target(setting, policy, min(replications, FLIP_REPLICATIONS), seed)

    def follow(self, target: Target) -> None:
        """Search `target`'s tipping points next, leaving any other setting's."""
        with self._lock:
            self._target = target
            self._lock.notify_all()

    def state(self, path: str, target: Target) -> State:
        """What is known of control `path`'s flips at `target`."""
        with self._lock:
            found = self._found.get((path, target))
            if found is not None:
                return found
            running = self._running == (path, target)
            return Computing(running, self._tried if running else 0)

    def wait(self, path: str, target: Target, timeout: float) -> State:
        """`state` once it is known, or after `timeout` seconds."""
        with self._lock:
            self._lock.wait_for(lambda: self._closed or (path, target) in self._found, timeout)
        return self.state(path, target)

    def close(self) -> None:
        """Stop searching; the worker process ends."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self.worker.close()
        self._thread.join(timeout=10)

    def _next(self) -> Job | None:
        """The first control of the target without an answer (the lock held)."""
        target = self._target
        if self._closed or target is None:
            return None
        return next(((p, target) for p in self.controls if (p, target) not in self._found), None)

    def _work(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._closed or self._next() is not None)
                job = self._next()
                if job is None:
                    return
                self._running, self._tried = job, 0
            path, target = job
            found: NearestFlips | Failed | None
            try:
                best_at = partial(self._best_at, target)
                found = nearest_flips(self.controls[path], target.setting, best_at)
            except _Left:
                found = None
            except SimulatorError as error:
                found = Failed(error.render({}))
            except Exception as error:  # shown on the page; the thread lives on
                found = Failed(f"{type(error).__name__}: {error}")
            with self._lock:
                self._running = None
                if found is not None:
                    _keep(self._found, job, found)
                self._lock.notify_all()

    def _best_at(self, target: Target, setting: Setting) -> Ordering:
        """The best ordering at `setting`, simulated once; `_Left` once the page shows
        another target."""
        key = (setting, target.policy, target.replications, target.seed)
        with self._lock:
            if self._closed or self._target != target:
                raise _Left
            self._tried += 1
            known = self._best.get(key)
        if known is not None:
            return known
        scenario = self.session.scenario(dict(setting), target.policy)
        best = self.worker.best(scenario, target.replications, target.seed)
        with self._lock:
            _keep(self._best, key, best)
        return best


def _keep(kept: OrderedDict[K, V], key: K, value: V) -> None:
    """Keep `value`, forgetting the oldest beyond `KEPT`."""
    kept[key] = value
    while len(kept) > KEPT:
        kept.popitem(last=False)
