"""Executors: identical results whatever runs them, and no replication lost to a dead worker."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
from concurrent.futures import CancelledError
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError, WorkerLost
from simulator.executors import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    WorkItem,
    _in_order,
    make_executor,
)
from simulator.experiment import BlockTask, RecordStore, run_fixed
from simulator.scenario import Scenario, metric_names

from .conftest import make_scenario

SCENARIO = make_scenario(
    shocks={
        "rate_per_day": 0.02,
        "severity": {"dist": "uniform", "low": 0, "high": 1},
        "postpone_days": 10,
        "cancel_threshold": 0.8,
    },
    host={"acceptance": 0.6, "response_delay": {"dist": "uniform", "low": 1, "high": 5}},
)


@dataclass(frozen=True)
class KillOnce:
    """A block task whose worker process dies the first time it meets `block`."""

    inner: BlockTask
    marker: Path
    block: int
    always: bool = False

    def __call__(self, item: WorkItem) -> np.ndarray:
        if item[0] == self.block and (self.always or not self.marker.exists()):
            self.marker.touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return self.inner(item)


def collect(executor: Executor, task: object, scenario: Scenario, n: int) -> np.ndarray:
    store = RecordStore(len(task.inner.orderings), len(metric_names(scenario)))  # type: ignore[attr-defined]
    with executor.session(task) as run:  # type: ignore[arg-type]
        store.collect(run, 0, n)
    return store.records


@pytest.mark.parametrize(
    "executor",
    [ProcessExecutor(1), ProcessExecutor(2), pytest.param("dask", marks=pytest.mark.slow)],
    ids=["process-1", "process-2", "dask-2"],
)
def test_every_executor_gives_identical_records(executor: Executor | str) -> None:
    reference = run_fixed(SCENARIO, replications=250, seed=3, executor=SerialExecutor())
    pool = DaskExecutor(2) if executor == "dask" else executor
    # Another cluster on this machine holds Dask's usual dashboard port: the run must
    # not clash with it (under this suite, even Dask's warning would fail the test).
    busy = socket.socket()
    with contextlib.suppress(OSError):  # held by someone else already: as good
        busy.bind(("", 8787))
        busy.listen()
    try:
        other = run_fixed(SCENARIO, replications=250, seed=3, executor=pool)  # type: ignore[arg-type]
    finally:
        busy.close()
        if isinstance(pool, DaskExecutor):
            pool.close()
    assert np.array_equal(reference.records, other.records, equal_nan=True)


def test_a_dead_process_worker_is_replaced_and_its_blocks_rerun(tmp_path: Path) -> None:
    inner = BlockTask(SCENARIO, (("a", "b", "c"), ("c", "b", "a")), seed=4)
    task = KillOnce(inner, tmp_path / "killed", block=1)
    records = collect(ProcessExecutor(2), task, SCENARIO, 300)
    assert (tmp_path / "killed").exists(), "the worker was never killed"
    expected = collect(
        SerialExecutor(), KillOnce(inner, tmp_path / "unused", block=-1), SCENARIO, 300
    )
    assert np.array_equal(records, expected, equal_nan=True)


def test_workers_that_keep_dying_fail_the_run_clearly(tmp_path: Path) -> None:
    inner = BlockTask(SCENARIO, (("a", "b", "c"),), seed=4)
    task = KillOnce(inner, tmp_path / "killed", block=0, always=True)
    with pytest.raises(WorkerLost, match="block 0"):
        collect(ProcessExecutor(2), task, SCENARIO, 150)


@pytest.mark.slow
def test_a_dead_dask_worker_is_replaced_and_its_blocks_rerun(tmp_path: Path) -> None:
    inner = BlockTask(SCENARIO, (("a", "b", "c"), ("c", "b", "a")), seed=4)
    pool = DaskExecutor(2)
    try:
        records = collect(pool, KillOnce(inner, tmp_path / "killed", block=1), SCENARIO, 300)
    finally:
        pool.close()
    assert (tmp_path / "killed").exists()
    expected = collect(
        SerialExecutor(), KillOnce(inner, tmp_path / "unused", block=-1), SCENARIO, 300
    )
    assert np.array_equal(records, expected, equal_nan=True)


def test_a_kept_pool_serves_many_sessions_with_their_own_tasks(tmp_path: Path) -> None:
    other = make_scenario(host={"acceptance": 0.3})
    pool = ProcessExecutor(2, keep=True)
    try:
        runs = [
            run_fixed(scenario, replications=150, seed=seed, executor=pool)
            for scenario, seed in [(SCENARIO, 3), (other, 3), (SCENARIO, 5)]
        ]
        workers = set(pool._kept._processes)  # type: ignore[union-attr]
        # a worker that dies is replaced, and the pool kept for later sessions
        inner = BlockTask(SCENARIO, (("a", "b", "c"), ("c", "b", "a")), seed=4)
        killed = collect(pool, KillOnce(inner, tmp_path / "killed", block=1), SCENARIO, 300)
        again = run_fixed(SCENARIO, replications=150, seed=3, executor=pool)
    finally:
        pool.close()
    assert workers, "the first session's workers were not kept"
    for (scenario, seed), run in zip([(SCENARIO, 3), (other, 3), (SCENARIO, 5)], runs, strict=True):
        reference = run_fixed(scenario, replications=150, seed=seed, executor=SerialExecutor())
        assert np.array_equal(reference.records, run.records, equal_nan=True)
    assert not np.array_equal(runs[0].records, runs[1].records, equal_nan=True)
    expected = collect(SerialExecutor(), KillOnce(inner, tmp_path / "no", block=-1), SCENARIO, 300)
    assert np.array_equal(killed, expected, equal_nan=True)
    assert np.array_equal(again.records, runs[0].records, equal_nan=True)
    assert pool._kept is None


def test_executor_options_are_checked() -> None:
    with pytest.raises(InputError, match=r"^workers must be between"):
        make_executor("process", 0)
    with pytest.raises(InputError, match=r"^scheduler needs executor dask"):
        make_executor("process", 2, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(InputError, match="unknown executor"):
        make_executor("cluster")


@pytest.mark.slow
def test_run_files_are_byte_identical_for_every_executor(tmp_path: Path) -> None:
    flagship = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
    outputs = []
    for name, options in [
        ("serial", ["--executor", "serial"]),
        ("process-1", ["--executor", "process", "--workers", "1"]),
        ("process-2", ["--executor", "process", "--workers", "2"]),
        ("dask-2", ["--executor", "dask", "--workers", "2"]),
    ]:
        result = CliRunner().invoke(
            main,
            [
                "run",
                str(flagship),
                "-n",
                "150",
                "--seed",
                "9",
                "--format",
                "json",
                "--out",
                str(tmp_path / name),
                *options,
            ],
        )
        assert result.exit_code == 0, result.output
        outputs.append(Path(json.loads(result.stdout)["results"]))
    for name in ("ranking.csv", "summary.json", "rank_probabilities.csv"):
        contents = {(run / name).read_bytes() for run in outputs}
        assert len(contents) == 1, name


def test_scheduler_without_dask_is_a_usage_error(tmp_path: Path) -> None:
    flagship = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
    result = CliRunner().invoke(
        main, ["run", str(flagship), "--scheduler", "tcp://127.0.0.1:1", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--scheduler needs --executor dask" in result.stderr


def test_adaptive_runs_are_byte_identical_with_items_split_across_workers(
    tmp_path: Path,
) -> None:
    # A KN batch is one block: with two workers it is split by orderings between them.
    flagship = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
    outputs = []
    for name, options in [
        ("serial", ["--executor", "serial"]),
        ("process-2", ["--executor", "process", "--workers", "2"]),
    ]:
        args = ["run", str(flagship), "--design", "adaptive", "--delta", "0.3", "--n0", "10"]
        args += ["--batch", "20", "--format", "json", "--out", str(tmp_path / name), *options]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        outputs.append(Path(json.loads(result.stdout)["results"]))
    for name in ("ranking.csv", "summary.json", "replications.csv.gz"):
        contents = {(run / name).read_bytes() for run in outputs}
        assert len(contents) == 1, name


def test_results_come_in_order_with_a_bounded_number_in_flight() -> None:
    outstanding: list[int] = []
    peak = 0

    class Future:
        def __init__(self, item: WorkItem) -> None:
            self.item = item

        def result(self) -> WorkItem:
            outstanding.remove(self.item[0])
            return self.item

    def submit(item: WorkItem) -> Future:
        nonlocal peak
        outstanding.append(item[0])
        peak = max(peak, len(outstanding))
        return Future(item)

    items = [(b, 0, 100, None) for b in range(50)]
    assert list(_in_order(submit, items, window=6)) == items  # type: ignore[arg-type]
    assert peak == 6
    assert not outstanding


class LosingClient:
    """A stand-in for a Dask client whose first scattered task dies with its workers:
    every future that depends on it is cancelled, as Dask does when all copies are lost."""

    def __init__(self) -> None:
        self.scattered: list[object] = []

    def scatter(self, task: object, **_: object) -> int:
        self.scattered.append(task)
        return len(self.scattered) - 1

    def submit(self, fn: Any, remote: int, item: Any, **_: object) -> Any:
        client = self

        class Future:
            def result(self) -> Any:
                if remote == 0 and item[0] == 1:
                    raise CancelledError(f"{item} cancelled for reason: already forgotten")
                return fn(client.scattered[remote], item)

        return Future()


@pytest.mark.slow
def test_dask_sends_a_lost_task_again_and_the_records_are_the_same() -> None:
    pytest.importorskip("distributed")
    task = BlockTask(SCENARIO, (("a", "b", "c"), ("c", "b", "a")), seed=4)
    pool = DaskExecutor(2)
    pool._client = client = LosingClient()  # no cluster: a client that fails on cue
    store = RecordStore(2, len(metric_names(SCENARIO)))
    with pool.session(task) as run:
        store.collect(run, 0, 300)
    reference = RecordStore(2, len(metric_names(SCENARIO)))
    with SerialExecutor().session(task) as run:
        reference.collect(run, 0, 300)
    assert len(client.scattered) == 2
    assert np.array_equal(store.records, reference.records, equal_nan=True)
