"""Fault tests of what a run writes and reads back: unusable output locations, damaged
or foreign checkpoint files, a tampered results directory under `reproduce`, and
several processes writing at once."""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from simulator.api import Interrupted, Run, resume_run, run_scenario
from simulator.cli import main
from simulator.errors import InputError
from simulator.experiment import design, records
from simulator.output import files
from simulator.output.rundir import RunDirectory, exclusive
from simulator.scenario import load_scenario, metric_names

TWO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
COST = "effects.precedence_costs.0.cost"
TABLES = ("ranking.csv", "rank_probabilities.csv", "summary.json", "replications.csv.gz")
SCENARIO = load_scenario(TWO)


@pytest.fixture(autouse=True, scope="module")
def _no_figures() -> Iterator[None]:
    """Runs here skip drawing their figures and report.html (they present the results
    and take most of a tiny run's time; matplotlib is not thread-safe either)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RunDirectory, "write_presentation", RunDirectory.save)
        yield


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def manifest(path: Path) -> dict[str, Any]:
    return json.loads((path / "manifest.json").read_text())  # type: ignore[no-any-return]


def one_error_line(result: Result) -> str:
    """The run's stderr, checked to be a single `error: ` line and exit status 2."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


# --- unusable output locations -------------------------------------------------------

WRITERS: dict[str, list[str]] = {
    "run": ["run", str(TWO), "-n", "10"],
    "compare": ["compare", str(TWO), "--ordering", "a,b", "--ordering", "b,a", "-n", "10"],
    "sweep": ["sweep", str(TWO), "--vary", f"{COST}=0:1:2", "-n", "10"],
    "sensitivity": [
        *("sensitivity", str(TWO), "--param", f"{COST}=0:1"),
        *("--param", "host.acceptance=0.5:0.9", "--samples", "4", "-n", "10"),
    ],
    "robustness": ["robustness", str(TWO), "--param", f"{COST}=0:2", "--samples", "3", "-n", "10"],
}


@pytest.mark.parametrize("command", sorted(WRITERS))
@pytest.mark.parametrize("where", ["under a file", "/dev/null", "/proc"])
def test_an_unusable_out_is_one_error_line(tmp_path: Path, command: str, where: str) -> None:
    (tmp_path / "file").write_text("not a folder\n")
    out = {
        "under a file": tmp_path / "file" / "results",
        "/dev/null": Path("/dev/null"),
        "/proc": Path("/proc/visitsim-results"),
    }[where]
    result = invoke(*WRITERS[command], "--executor", "serial", "-q", "--out", out)
    assert one_error_line(result).startswith(f"error: cannot write {out}/two_visitors/")


@pytest.fixture(scope="module")
def complete(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete run of two_visitors (20 replications)."""
    out = tmp_path_factory.mktemp("complete")
    return run_scenario(SCENARIO, replications=20, out=out).directory


def test_reproduce_report_and_init_refuse_unusable_locations(
    tmp_path: Path, complete: Path
) -> None:
    result = invoke("reproduce", complete, "--executor", "serial", "-q", "--out", "/dev/null")
    assert "error: cannot write /dev/null/two_visitors/" in one_error_line(result)
    (tmp_path / "file").write_text("")
    line = one_error_line(invoke("init", tmp_path / "file" / "visits"))
    folder = tmp_path / "file"
    assert line == f"error: cannot write {folder}/visits.yaml: {folder} is not a folder"
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("manifest.json", "scenario.resolved.yaml", *TABLES):
        (copy / name).write_bytes((complete / name).read_bytes())
    (copy / "figures").write_text("a file where the figures go")
    assert "error: cannot write " + str(copy / "figures") in one_error_line(invoke("report", copy))


def _interrupted(out: Path, stop_at: int = 100, **options: Any) -> Path:
    with pytest.raises(Interrupted) as stopped:
        run_scenario(
            SCENARIO, replications=300, seed=3, out=out, progress=_stop_at(stop_at), **options
        )
    assert stopped.value.directory is not None
    return stopped.value.directory


def _stop_at(replications: int) -> Callable[[int, int | None, str], None]:
    def progress(done: int, _total: int | None, _status: str) -> None:
        if done >= replications:
            raise KeyboardInterrupt

    return progress


def test_a_run_directory_that_cannot_be_written_is_not_resumed(tmp_path: Path) -> None:
    path = _interrupted(tmp_path)
    assert not (path / ".lock").exists()  # removed when the run stopped
    (path / ".lock").mkdir()  # the lock file cannot be opened
    line = one_error_line(invoke("run", "--resume", path, "-q"))
    assert line.startswith(f"error: cannot write {path}/.lock: ")
    assert manifest(path)["status"] == "interrupted"


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_run_directory_is_not_resumed(tmp_path: Path) -> None:
    path = _interrupted(tmp_path)
    path.chmod(0o555)
    try:
        line = one_error_line(invoke("run", "--resume", path, "-q"))
    finally:
        path.chmod(0o755)
    assert line.startswith(f"error: cannot write {path}")


# --- checkpoints are verified ---------------------------------------------------------


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The uninterrupted run every resumed run must equal, byte for byte."""
    out = tmp_path_factory.mktemp("reference")
    return run_scenario(SCENARIO, replications=300, seed=3, out=out).directory


def _same_tables(a: Path, b: Path) -> None:
    for name in TABLES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))


def _nan(path: Path) -> None:
    block = np.load(path)
    block[0, 0, 0] = np.nan
    np.save(path, block)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [_flip_a_byte, _nan, _empty], ids=["flipped", "nan", "empty"])
def test_a_damaged_checkpoint_block_is_refused_by_name(
    tmp_path: Path, reference: Path, damage: Callable[[Path], None]
) -> None:
    path = _interrupted(tmp_path)
    block = path / "checkpoint" / "block-000000.npy"
    damage(block)
    line = one_error_line(invoke("run", "--resume", path, "-q"))
    assert f"{block} does not match its SHA-256" in line
    assert "delete it and resume" in line
    assert manifest(path)["status"] == "interrupted"
    block.unlink()  # as the message says: the block is simulated again
    _same_tables(resume_run(path).directory, reference)


def test_a_foreign_checkpoint_block_is_never_merged(tmp_path: Path, reference: Path) -> None:
    path = _interrupted(tmp_path)
    own = np.load(path / "checkpoint" / "block-000000.npy")
    foreign = path / "checkpoint" / "block-000001.npy"
    np.save(foreign, own[::-1])  # the right shape and plausible values, but not this run's
    line = one_error_line(invoke("run", "--resume", path, "-q"))
    assert f"{foreign} is not recorded in its index" in line
    foreign.unlink()
    _same_tables(resume_run(path).directory, reference)


def test_a_record_cut_short_by_a_kill_only_costs_that_block(
    tmp_path: Path, reference: Path
) -> None:
    path = _interrupted(tmp_path, stop_at=200)
    index = path / "checkpoint" / "index.jsonl"
    lines = index.read_text().splitlines()
    assert len(lines) == 2
    index.write_text(lines[0] + "\n" + lines[1][:30])  # the process died writing the record
    (path / "checkpoint" / "block-000001.npy").unlink()  # ...before it wrote the block
    _same_tables(resume_run(path).directory, reference)


def test_a_damaged_streamed_state_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(design, "KEEP_CELLS", 2 * 100 * len(metric_names(SCENARIO)))
    monkeypatch.setattr(records, "STATE_SECONDS", 0.0)  # statistics after every block
    path = _interrupted(tmp_path, stop_at=200)
    state = path / "checkpoint" / "state.npz"
    assert state.is_file()
    _flip_a_byte(state)
    with pytest.raises(InputError, match=r"state.npz does not match its SHA-256"):
        resume_run(path)


# --- reproduce verifies the original ------------------------------------------------


def _copy(run: Path, to: Path) -> Path:
    to.mkdir(parents=True)
    for name in (*TABLES, "manifest.json", "scenario.resolved.yaml"):
        if (run / name).is_file():
            (to / name).write_bytes((run / name).read_bytes())
    return to


def test_reproduce_refuses_an_original_changed_after_it_completed(
    tmp_path: Path, complete: Path
) -> None:
    edited = _copy(complete, tmp_path / "runs" / "edited")
    ranking = edited / "ranking.csv"
    ranking.write_text(ranking.read_text().replace("a,b", "b,a", 1))
    (edited / "summary.json").unlink()
    result = invoke("reproduce", edited, "--executor", "serial", "--out", tmp_path / "new")
    assert result.exit_code == 1, result.output
    assert "Reproduced" not in result.output
    assert result.stderr == (
        f"error: {edited} was changed after the run completed (ranking.csv differs from the "
        "SHA-256 its manifest records, summary.json is missing), so a reproduction cannot "
        "be verified against it\n"
    )
    assert not (tmp_path / "new").exists()  # nothing was run
    hidden = _copy(complete, tmp_path / "runs" / "hidden")  # the table and its hash removed
    (hidden / "summary.json").unlink()
    recorded = manifest(hidden)
    del recorded["sha256"]["summary.json"]
    (hidden / "manifest.json").write_text(json.dumps(recorded))
    result = invoke("reproduce", hidden, "--executor", "serial", "--out", tmp_path / "new")
    assert result.exit_code == 1, result.output
    assert "(its manifest records no SHA-256 of summary.json)" in result.stderr
    assert not (tmp_path / "new").exists()
    intact = _copy(complete, tmp_path / "runs" / "intact")
    again = invoke("reproduce", intact, "--executor", "serial", "--out", tmp_path / "new", "-q")
    assert again.exit_code == 0, again.output
    assert "Reproduced: every result table is byte-identical." in again.stdout


# --- concurrency ------------------------------------------------------------------------


def test_runs_started_at_once_into_one_out_each_get_their_own_directory(tmp_path: Path) -> None:
    start = threading.Barrier(6)
    done: list[Run] = []
    errors: list[BaseException] = []

    def one() -> None:
        start.wait()
        try:
            done.append(run_scenario(SCENARIO, replications=10, seed=1, out=tmp_path))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    directories = {run.directory for run in done}
    assert len(directories) == 6
    for directory in directories:
        assert manifest(directory)["status"] == "complete"
        assert (directory / "ranking.csv").read_bytes() == (
            done[0].directory / "ranking.csv"
        ).read_bytes()


def test_new_folder_claims_each_name_once(tmp_path: Path) -> None:
    made: list[Path] = []
    start = threading.Barrier(8)

    def claim() -> None:
        start.wait()
        made.append(files.new_folder(tmp_path / "a" / "b", "run"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.name for p in made) == sorted(["run", *(f"run-{n}" for n in range(2, 9))])


def test_a_second_writer_of_a_run_directory_is_refused(tmp_path: Path, reference: Path) -> None:
    path = _interrupted(tmp_path)
    with exclusive(path):  # another process resuming it holds the lock meanwhile
        line = one_error_line(invoke("run", "--resume", path, "-q"))
        assert line == (
            f"error: {path} is being written by another visitsim process (pid {os.getpid()}); "
            "wait for it to finish, or stop it first"
        )
        with pytest.raises(InputError, match="is being written by another visitsim process"):
            resume_run(path)
    assert manifest(path)["status"] == "interrupted"
    _same_tables(resume_run(path).directory, reference)  # once the lock is released


def test_report_is_refused_while_another_process_writes_the_run(
    tmp_path: Path, complete: Path
) -> None:
    """`visitsim report` rewrites figures and report.html: it holds the run's lock, so it
    never races a process that is writing the same run."""
    copy = tmp_path / "copy"
    shutil.copytree(complete, copy)
    with exclusive(copy):
        line = one_error_line(invoke("report", copy))
        assert line.startswith(f"error: {copy} is being written by another visitsim process")
    assert invoke("report", copy, "-q").exit_code == 0
    assert not (copy / ".lock").exists()
