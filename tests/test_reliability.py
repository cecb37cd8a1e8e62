"""Reliability: crash-safe run directories, interrupt and resume, reproduce, failing
replications, traces and input limits."""

from __future__ import annotations

import ast
import contextlib
import csv
import gzip
import hashlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

import simulator
from simulator import experiment
from simulator.api import Interrupted, reproduce_run, resume_run, run_scenario
from simulator.cli import main
from simulator.errors import InputError, ReplicationFailed
from simulator.executors import ProcessExecutor, WorkItem
from simulator.experiment import (
    AdaptiveSettings,
    BlockTask,
    RecordStore,
    design,
    parse_replay,
    records,
    replay,
    replay_replication,
    run_fixed,
    task,
)
from simulator.model import Draws, compile_spec, simulate
from simulator.output import files, tables
from simulator.output.rundir import RESULT_TABLES
from simulator.scenario import Scenario, candidate_orderings, load_scenario, metric_names, schema
from simulator.world import draw_block

from .conftest import BASE, make_scenario

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "us_china_2023.yaml"
TABLES = ("ranking.csv", "rank_probabilities.csv", "summary.json", "replications.csv.gz")

SHOCKY = make_scenario(
    shocks={
        "rate_per_day": 0.03,
        "severity": {"dist": "uniform", "low": 0, "high": 1},
        "climate_hit": 0.3,
        "postpone_days": 10,
        "cancel_threshold": 0.85,
    },
    gates=[
        {"id": "deal", "kind": "until", "opens": {"dist": "uniform", "low": 5, "high": 40}},
        {"id": "summit", "kind": "window", "start_day": 20, "end_day": 25, "tracks": ["climate"]},
    ],
    visitors=[{**BASE["visitors"][0], "gates": ["deal"]}, *BASE["visitors"][1:]],
    host={"acceptance": 0.6, "response_delay": {"dist": "uniform", "low": 1, "high": 5}},
)


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def run_dir(root: Path) -> Path:
    [path] = [p for p in root.glob("*/*") if p.is_dir()]
    return path


def manifest(path: Path) -> dict[str, Any]:
    return json.loads((path / "manifest.json").read_text())  # type: ignore[no-any-return]


def same_tables(a: Path, b: Path) -> None:
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# --- whole files or none ------------------------------------------------------------


def test_an_interrupted_write_leaves_neither_the_file_nor_a_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "ranking.csv"
    files.write_text(target, "old\n")

    def stop(_fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", stop)
    with pytest.raises(KeyboardInterrupt):
        files.write_text(target, "new, half written\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["ranking.csv"]


def _writes_outside_files_module(path: Path) -> list[str]:
    """Calls in a module that write a file other than through `output.files`: a path's
    write_text/write_bytes, numpy or matplotlib saving to a path, open(..., "w"),
    renames and copies."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id
        owner = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
        first = ast.unparse(node.args[0]) if node.args else ""
        modes = [
            a.value
            for a in [*node.args, *(k.value for k in node.keywords)]
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if (
            (name in ("write_text", "write_bytes") and owner != "files")
            or (owner in ("np", "numpy") and name.startswith("save") and first != "buffer")
            or (name == "savefig" and first != "buffer")
            or (name == "open" and any(set(m) & set("wax+") for m in modes))
            or (owner in ("os", "shutil") and name in ("replace", "rename", "copy", "move"))
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:60]}")
    return found


def test_only_the_atomic_writer_writes_files() -> None:
    package = Path(simulator.__file__).parent
    offenders = [
        line
        for path in sorted(package.rglob("*.py"))
        if path != package / "output" / "files.py"
        for line in _writes_outside_files_module(path)
    ]
    assert offenders == []


# --- the manifest through a run's life ----------------------------------------------


def test_manifest_says_running_during_the_run_and_complete_with_hashes_after(
    tmp_path: Path,
) -> None:
    seen: list[str] = []

    def progress(_done: int, _total: int | None, _status: str) -> None:
        seen.append(manifest(run_dir(tmp_path))["status"])
        assert list((run_dir(tmp_path) / "checkpoint").glob("block-*.npy"))

    done = run_scenario(SHOCKY, replications=250, seed=1, out=tmp_path, progress=progress)
    assert set(seen) == {"running"}
    final = manifest(done.directory)
    assert final["status"] == "complete"
    assert final["ended"] is not None
    assert final["process"]["pid"] == os.getpid()
    assert len(final["source"]) == 64
    assert set(final["sha256"]) == set(TABLES)
    for name, digest in final["sha256"].items():
        assert hashlib.sha256((done.directory / name).read_bytes()).hexdigest() == digest
    assert not (done.directory / "checkpoint").exists()


def test_an_interrupt_while_writing_results_leaves_no_result_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop(_path: Path, _text: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files, "write_gzip", stop)
    with pytest.raises(Interrupted) as stopped:
        run_scenario(SHOCKY, replications=120, seed=1, out=tmp_path)
    path = stopped.value.directory
    assert path is not None
    assert not [name for name in TABLES if (path / name).exists()]
    recorded = manifest(path)
    assert recorded["status"] == "interrupted"
    assert recorded["replications_completed"] == 120
    assert "sha256" not in recorded
    assert set(recorded["files"]) == {"manifest.json", "scenario.resolved.yaml"}
    monkeypatch.undo()
    resumed = resume_run(path)
    reference = run_scenario(SHOCKY, replications=120, seed=1, out=tmp_path / "ref")
    same_tables(resumed.directory, reference.directory)


# --- interrupt and resume -----------------------------------------------------------


def _start(out: Path, *extra: str) -> subprocess.Popen[str]:
    """`python -m simulator run` in its own process group, at low priority so that on a
    busy machine this test still gets to signal it before it finishes."""
    command = [sys.executable, "-m", "simulator", "run", str(FLAGSHIP), "--out", str(out)]
    return subprocess.Popen(
        [*command, "-q", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
        preexec_fn=lambda: os.nice(10),  # noqa: PLW1509 - no threads to deadlock here
    )


def _stop_after_first_checkpoint(process: subprocess.Popen[str], out: Path, signum: int) -> str:
    """Signal the run once its first checkpoint block is on disk; its stderr.

    Whatever goes wrong, the run's process group is killed before this returns, so a
    failure here never leaves a process behind for later tests."""
    try:
        deadline = time.monotonic() + 60
        while not list(out.glob("*/*/checkpoint/block-*.npy")):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.01)
        process.send_signal(signum)
        try:
            _, stderr = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the run did not stop within 60 s of the signal")
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise
    return stderr


SIGNALLED = 600


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flagship run the interrupted-and-resumed runs must equal, byte for byte."""
    out = tmp_path_factory.mktemp("uninterrupted")
    scenario = load_scenario(FLAGSHIP)
    return run_scenario(
        scenario, replications=SIGNALLED, out=out, executor=ProcessExecutor(2)
    ).directory


@pytest.mark.parametrize(
    ("signum", "status", "executor"),
    [(signal.SIGINT, 130, "serial"), (signal.SIGTERM, 143, "process")],
    ids=["sigint-serial", "sigterm-process"],
)
def test_a_signal_stops_the_run_and_resume_gives_identical_results(
    tmp_path: Path, uninterrupted: Path, signum: int, status: int, executor: str
) -> None:
    n = str(SIGNALLED)
    process = _start(tmp_path / "run", "-n", n, "--executor", executor, "--workers", "2")
    stderr = _stop_after_first_checkpoint(process, tmp_path / "run", signum)
    assert process.returncode == status, stderr
    assert "Traceback" not in stderr
    path = run_dir(tmp_path / "run")
    assert f"visitsim run --resume {path}" in stderr
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no worker of the run is left
    stopped = manifest(path)
    assert stopped["status"] == "interrupted"
    assert 100 <= stopped["replications_completed"] < SIGNALLED
    assert stopped["replications_completed"] % 100 == 0
    assert not [name for name in TABLES if (path / name).exists()]
    assert not list(path.rglob("*.tmp"))
    checkpoints = sorted(p.name for p in (path / "checkpoint").iterdir())
    assert checkpoints[0] == "block-000000.npy"

    resumed = invoke("run", "--resume", path, "--executor", "process", "--workers", "2", "-q")
    assert resumed.exit_code == 0, resumed.output
    final = manifest(path)
    assert final["status"] == "complete"
    assert len(final["resumed"]) == 1
    assert not (path / "checkpoint").exists()
    same_tables(path, uninterrupted)


def test_adaptive_runs_resume_exactly(tmp_path: Path) -> None:
    settings = AdaptiveSettings(delta=0.3, n0=10, batch=20, max_replications=400)
    batches = 0

    def stop_after_two_batches(_done: int, _total: int | None, _status: str) -> None:
        nonlocal batches
        batches += 1
        if batches == 3:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as stopped:
        run_scenario(
            SHOCKY, adaptive=settings, seed=5, out=tmp_path, progress=stop_after_two_batches
        )
    path = stopped.value.directory
    assert path is not None
    recorded = manifest(path)
    assert recorded["status"] == "interrupted"
    assert recorded["replications_completed"] > 0
    resumed = resume_run(path)
    reference = run_scenario(SHOCKY, adaptive=settings, seed=5, out=tmp_path / "ref")
    same_tables(resumed.directory, reference.directory)
    assert resumed.design == reference.design


def test_a_killed_run_left_running_can_be_resumed(tmp_path: Path) -> None:
    with pytest.raises(Interrupted) as stopped:
        run_scenario(SHOCKY, replications=300, seed=2, out=tmp_path, progress=_stop_at(200))
    path = stopped.value.directory
    assert path is not None
    gone = {"pid": 2**22 + 7, "host": platform.node()}  # above Linux's largest pid
    killed = manifest(path) | {"status": "running", "process": gone}
    (path / "manifest.json").write_text(json.dumps(killed))
    (path / "checkpoint" / ".block-000002.npy.abc.tmp").write_bytes(b"half")
    resumed = resume_run(path)
    assert not list(path.rglob("*.tmp"))
    same_tables(
        resumed.directory,
        run_scenario(SHOCKY, replications=300, seed=2, out=tmp_path / "ref").directory,
    )


def test_a_checkpoint_that_is_not_the_runs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Interrupted) as stopped:
        run_scenario(SHOCKY, replications=300, seed=2, out=tmp_path, progress=_stop_at(100))
    path = stopped.value.directory
    assert path is not None
    np.save(path / "checkpoint" / "block-000000.npy", np.zeros((2, 100, 3)))
    with pytest.raises(InputError, match=r"block-000000.npy does not match its SHA-256"):
        resume_run(path)
    assert manifest(path)["status"] == "interrupted"  # refused before anything changed


def _stop_at(replications: int) -> Callable[[int, int | None, str], None]:
    def progress(done: int, _total: int | None, _status: str) -> None:
        if done >= replications:
            raise KeyboardInterrupt

    return progress


def test_resume_refuses_what_it_cannot_continue_exactly(tmp_path: Path) -> None:
    done = run_scenario(SHOCKY, replications=20, seed=1, out=tmp_path)
    with pytest.raises(InputError, match="is complete; there is nothing to resume"):
        resume_run(done.directory)
    with pytest.raises(InputError, match="not a run directory"):
        resume_run(tmp_path)

    def stopped_run(name: str) -> Path:
        with pytest.raises(Interrupted) as stop:
            run_scenario(
                SHOCKY, replications=300, seed=1, out=tmp_path / name, progress=_stop_at(100)
            )
        assert stop.value.directory is not None
        return stop.value.directory

    running = stopped_run("alive")
    process = {"pid": os.getppid(), "host": platform.node()}
    alive = manifest(running) | {"status": "running", "process": process}
    (running / "manifest.json").write_text(json.dumps(alive))
    with pytest.raises(InputError, match="still running"):
        resume_run(running)
    elsewhere = manifest(running) | {"process": {"pid": 1, "host": "another-host"}}
    (running / "manifest.json").write_text(json.dumps(elsewhere))
    with pytest.raises(InputError, match="running on host 'another-host'"):
        resume_run(running)

    old = stopped_run("old")
    recorded = manifest(old)
    recorded["versions"]["numpy"] = "0.0.1"
    (old / "manifest.json").write_text(json.dumps(recorded))
    with pytest.raises(InputError, match=r"other package versions \(numpy 0.0.1 -> "):
        resume_run(old)

    edited = stopped_run("edited")
    resolved = edited / "scenario.resolved.yaml"
    resolved.write_text(resolved.read_text().replace("horizon_days: 200", "horizon_days: 201"))
    with pytest.raises(InputError, match="does not match the scenario hash"):
        resume_run(edited)

    result = invoke("run", FLAGSHIP, "--resume", edited)
    assert result.exit_code == 2
    assert "--resume cannot be combined with SCENARIO" in result.stderr


# --- reproduce ----------------------------------------------------------------------


def test_reproduce_verifies_the_hashes_and_reports_a_mismatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = invoke("run", FLAGSHIP, "-n", "40", "--executor", "serial", "--out", tmp_path, "-q")
    assert first.exit_code == 0, first.output
    path = run_dir(tmp_path)
    again = invoke("reproduce", path, "--executor", "serial", "--out", tmp_path / "again")
    assert again.exit_code == 0, again.output
    assert "identical  ranking.csv" in again.stdout
    assert "identical  summary.json" in again.stdout
    copy = run_dir(tmp_path / "again")
    same_tables(path, copy)
    assert manifest(copy)["reproduces"] == {"run": str(path), "identical": True, "differing": []}

    ranking_csv = tables.ranking_csv  # code that now writes ranking.csv differently
    monkeypatch.setattr(tables, "ranking_csv", lambda *a: [*ranking_csv(*a), "\n"])
    mismatch = invoke("reproduce", path, "--executor", "serial", "--format", "json")
    assert mismatch.exit_code == 1
    document = json.loads(mismatch.stdout)
    assert document["identical"] is False
    [bad] = [f for f in document["files"] if not f["same"]]
    assert bad["name"] == "ranking.csv"
    assert "was not reproduced: ranking.csv differ" in mismatch.stderr


def test_reproduce_refuses_incomplete_runs(tmp_path: Path) -> None:
    with pytest.raises(Interrupted) as stop:
        run_scenario(SHOCKY, replications=300, seed=1, out=tmp_path, progress=_stop_at(100))
    result = invoke("reproduce", stop.value.directory)
    assert result.exit_code == 2
    assert "did not complete (status interrupted)" in result.stderr
    with pytest.raises(InputError):
        reproduce_run(tmp_path / "nothing")


# --- failing replications ------------------------------------------------------------


def _fail_at(
    monkeypatch: pytest.MonkeyPatch, scenario: Scenario, ordering: tuple[str, ...], index: int
) -> None:
    """Make the model raise in exactly one replication of one ordering."""
    spec = compile_spec(scenario)
    world = Draws.of(draw_block(scenario, 1, index // 100), index % 100)
    target = (spec.index(ordering), world.preparation, world.accept_u)

    def failing(
        spec: Any, plan: tuple[int, ...], draws: Draws, trace: Any = None, checkpoints: Any = None
    ) -> Any:
        if (plan, draws.preparation, draws.accept_u) == target:
            raise ZeroDivisionError("a bug in the model")
        return simulate(spec, plan, draws, trace, checkpoints)

    monkeypatch.setattr(task, "simulate", failing)  # in a run
    monkeypatch.setattr(replay, "simulate", failing)  # and replayed alone


def test_a_failing_replication_fails_the_run_and_names_what_reproduces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_at(monkeypatch, SHOCKY, ("b", "c", "a"), 137)
    with pytest.raises(ReplicationFailed) as failed:
        run_scenario(SHOCKY, replications=250, seed=1, out=tmp_path)
    error = failed.value
    assert (error.ordering, error.replication, error.seed) == (("b", "c", "a"), 137, 1)
    assert error.replay == "b,c,a:137"
    assert "ZeroDivisionError: a bug in the model" in str(error)
    assert error.directory is not None
    recorded = manifest(error.directory)
    assert recorded["status"] == "failed"
    assert recorded["failure"]["replay"] == "b,c,a:137"
    assert "ZeroDivisionError" in recorded["failure"]["traceback"]
    assert not [name for name in TABLES if (error.directory / name).exists()]


@dataclass(frozen=True)
class FailingBlock:
    """A block task that fails in block 1 as a model exception would (picklable)."""

    inner: BlockTask

    def __call__(self, item: WorkItem) -> Any:
        if item[0] == 1:
            raise ReplicationFailed(("a", "c", "b"), 150, 1, "KeyError: 'x'", "Traceback ...")
        return self.inner(item)


def test_a_failure_in_a_worker_process_arrives_whole() -> None:
    task = FailingBlock(BlockTask(SHOCKY, (("a", "b", "c"), ("a", "c", "b")), seed=1))
    store = RecordStore(2, len(metric_names(SHOCKY)))
    with pytest.raises(ReplicationFailed) as failed, ProcessExecutor(2).session(task) as run:
        store.collect(run, 0, 300)
    error = failed.value
    assert (error.ordering, error.replication, error.seed) == (("a", "c", "b"), 150, 1)
    assert (error.error, error.details, error.replay) == (
        "KeyError: 'x'",
        "Traceback ...",
        "a,c,b:150",
    )


def test_the_cli_reports_a_failing_replication_and_replays_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(FLAGSHIP)
    ordering = ("kerry", "yellen", "blinken", "raimondo")
    _fail_at(monkeypatch, scenario, ordering, 42)
    result = invoke(
        "run", FLAGSHIP, "-n", "60", "--seed", "1", "--executor", "serial", "--out", tmp_path
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    path = run_dir(tmp_path)
    resolved = path / "scenario.resolved.yaml"
    assert (
        "error: replication 42 of ordering kerry→yellen→blinken→raimondo failed (seed 1): "
        "ZeroDivisionError: a bug in the model" in result.stderr
    )
    hint = f"visitsim run {resolved} --replay kerry,yellen,blinken,raimondo:42 --seed 1"
    assert hint in result.stderr

    replayed = invoke(
        "run", resolved, "--replay", "kerry,yellen,blinken,raimondo:42", "--seed", "1"
    )
    assert replayed.exit_code == 1
    assert "replication 42 of kerry→yellen→blinken→raimondo (seed 1)" in replayed.stdout
    assert "error: ZeroDivisionError: a bug in the model" in replayed.stderr


def test_a_non_finite_utility_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def nan_utility(
        spec: Any, plan: tuple[int, ...], draws: Draws, trace: Any = None, checkpoints: Any = None
    ) -> Any:
        record = simulate(spec, plan, draws, trace, checkpoints)
        if plan == (2, 1, 0):
            record[0] = np.nan
        return record

    monkeypatch.setattr(task, "simulate", nan_utility)
    with pytest.raises(
        ReplicationFailed, match=r"replication 0 of ordering c→b→a .*utility is nan"
    ):
        run_fixed(SHOCKY, replications=20, seed=1)


# --- replay and trace -----------------------------------------------------------------


def test_a_replay_gives_the_runs_record_and_a_readable_timeline(tmp_path: Path) -> None:
    scenario = load_scenario(FLAGSHIP)
    done = run_scenario(scenario, replications=130, seed=9, out=tmp_path)
    with gzip.open(done.directory / "replications.csv.gz", "rt") as handle:
        rows = {(r["ordering"], int(r["replication"])): r for r in csv.DictReader(handle)}
    for ordering, index in [(done.result.orderings[3], 0), (done.result.orderings[17], 123)]:
        replay = replay_replication(scenario, ordering, index, seed=9)
        row = rows[(",".join(ordering), index)]
        for metric, value in zip(replay.metrics, replay.record, strict=True):
            assert (row[metric] == "") if np.isnan(value) else float(row[metric]) == value
        days = [e.day for e in replay.trace]
        assert days == sorted(days)
        assert replay.trace[0].kind == "start"
    result = invoke("run", FLAGSHIP, "--replay", "yellen,blinken,kerry,raimondo:5", "--seed", "9")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "us_china_2023: replication 5 of yellen→blinken→kerry→raimondo (seed 9)"
    text = result.stdout
    for phrase in ("asks for a visit", "host accepts", "gate debt_ceiling opens", "window g7"):
        assert phrase in text
    assert "2023-0" in text  # dates
    assert "outcome:" in text
    assert "utility" in text


def test_trace_covers_every_kind_of_event_and_changes_nothing() -> None:
    spec = compile_spec(SHOCKY)
    kinds: set[str] = set()
    for block in range(3):
        world = draw_block(SHOCKY, 4, block)
        for r in range(0, 100, 7):
            draws = Draws.of(world, r)
            for plan in [(0, 1, 2), (2, 1, 0), (1, 0, 2)]:
                trace: list[Any] = []
                traced = simulate(spec, plan, draws, trace)
                assert np.array_equal(traced, simulate(spec, plan, draws), equal_nan=True)
                kinds |= {e.kind for e in trace}
    assert kinds >= {
        "request",
        "answer",
        "prepare",
        "visit",
        "visit_end",
        "shock",
        "postpone",
        "cancel",
        "retry",
    }


def test_trace_alone_traces_a_sample_replication_as_json() -> None:
    result = invoke("run", FLAGSHIP, "--trace", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["replication"] == 0
    assert document["record"]["utility"] is not None
    assert {e["kind"] for e in document["events"]} >= {"start", "request", "answer", "gate"}
    assert all(e["date"].startswith("2023-") for e in document["events"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replay", "yellen,blinken"], "must name every visitor once"),
        (["--replay", "yellen,blinken,kerry,raimondo:x"], "must be a whole number"),
        (
            ["--replay", "yellen,blinken,kerry,raimondo:1", "-n", "50"],
            "cannot be combined with --replications",
        ),
    ],
)
def test_bad_replay_options_exit_2(args: list[str], message: str) -> None:
    result = invoke("run", FLAGSHIP, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr


def test_parse_replay_defaults_to_replication_zero() -> None:
    assert parse_replay(SHOCKY, "c, b, a") == (("c", "b", "a"), 0)
    assert parse_replay(SHOCKY, "a,b,c:12") == (("a", "b", "c"), 12)


# --- exit statuses ------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stop_signals_exit_128_plus_their_number(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, signum: int, status: int
) -> None:
    def stopped(*_args: Any, **_kwargs: Any) -> Any:
        raise Interrupted(signum, tmp_path, 300, 1000)

    monkeypatch.setattr("simulator.cli.run.run_scenario", stopped)
    result = invoke("run", FLAGSHIP, "--out", tmp_path)
    assert result.exit_code == status
    assert f"stopped by {signal.Signals(signum).name} after 300 of 1,000 replications" in (
        result.stderr
    )


# --- limits ---------------------------------------------------------------------------


def test_run_options_have_limits(tmp_path: Path) -> None:
    for args, message in [
        (["-n", "20000000"], "--replications must be between 2 and 10,000,000"),
        (
            ["-n", "5000000", "--keep-replications"],
            "would need 25.0 GiB for the outcome records (limit 4 GiB)",
        ),
        (["--seed", str(2**63)], "--seed must be between 0 and 2**63 - 1"),
        (["--design", "adaptive", "--batch", "20000000"], "--batch must be at most 10,000,000"),
    ]:
        result = invoke("run", FLAGSHIP, "--out", tmp_path, *args)
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("horizon_days=4000", "horizon_days: out of range (got 4000); allowed: <= 3650"),
        ("experiment.replications=20000000", "experiment.replications: out of range"),
        ("shocks.rate_per_day=1000", "shocks.rate_per_day: too many incidents"),
        (
            "visitors=["
            + ",".join(f"{{id: v{i}, name: V, track: t, preparation: 1}}" for i in range(10))
            + "]",
            "visitors: too long (got 10 items); allowed: at most 9 items",
        ),
        ("name=!!python/object/apply:os.system [touch pwned]", "unsupported YAML tag"),
    ],
    ids=["horizon", "replications", "shocks", "visitors", "no-eval"],
)
def test_scenario_limits_have_clear_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("validate", FLAGSHIP, "--set", override)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "pwned").exists()


def test_an_alias_bomb_is_rejected_before_it_expands(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    result = invoke("validate", bomb)  # expanded, it would hold 10^10 values
    assert result.exit_code == 2
    assert "after expanding aliases" in result.stderr


def test_the_replication_limit_is_the_schemas() -> None:
    metadata = schema.Experiment.model_fields["replications"].metadata
    assert next(m.le for m in metadata if hasattr(m, "le")) == experiment.MAX_REPLICATIONS
    assert RESULT_TABLES == TABLES


def test_a_streamed_run_resumes_exactly_and_keeps_no_replications(tmp_path: Path) -> None:
    with pytest.raises(Interrupted) as stopped:
        run_scenario(
            SHOCKY,
            replications=300,
            seed=4,
            out=tmp_path,
            progress=_stop_at(200),
            keep_replications=False,
        )
    path = stopped.value.directory
    assert path is not None
    assert manifest(path)["keep_replications"] is False
    resumed = resume_run(path)
    reference = run_scenario(
        SHOCKY, replications=300, seed=4, out=tmp_path / "ref", keep_replications=False
    )
    for name in ("ranking.csv", "rank_probabilities.csv", "summary.json"):
        assert (resumed.directory / name).read_bytes() == (reference.directory / name).read_bytes()
    assert not (resumed.directory / "replications.csv.gz").exists()


def test_a_streamed_run_checkpoints_its_statistics_not_its_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    orderings = len(candidate_orderings(SHOCKY))
    metrics = len(schema.metric_names(SHOCKY))
    monkeypatch.setattr(design, "KEEP_CELLS", orderings * metrics * 150)  # keeps 150
    monkeypatch.setattr(records, "STATE_SECONDS", 0.0)  # statistics after every block
    with pytest.raises(Interrupted) as stopped:
        run_scenario(SHOCKY, replications=600, seed=6, out=tmp_path, progress=_stop_at(400))
    path = stopped.value.directory
    assert path is not None
    recorded = manifest(path)
    assert recorded["keep_replications"] is False
    assert recorded["replications_completed"] == 400
    saved = sorted(p.name for p in (path / "checkpoint").iterdir())
    assert saved == ["block-000000.npy", "block-000001.npy", "index.jsonl", "state.npz"]
    resumed = resume_run(path)
    reference = run_scenario(SHOCKY, replications=600, seed=6, out=tmp_path / "ref")
    for name in ("ranking.csv", "rank_probabilities.csv", "summary.json"):
        assert (resumed.directory / name).read_bytes() == (reference.directory / name).read_bytes()
    assert json.loads((resumed.directory / "summary.json").read_text())["quantiles_from"] == 150
