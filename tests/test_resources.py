"""Resources: workers end with their parent, every numeric option has a range, and a run
that would not fit in memory is refused before it starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator import executors, experiment
from simulator.api import run_scenario
from simulator.cli import main
from simulator.errors import InputError
from simulator.experiment import design, utility_stream
from simulator.scenario import load_scenario
from simulator.stats import bootstrap

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "us_china_2023.yaml"

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


# --- orphaned workers -----------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether `pid` is a running process (a zombie nobody reaped has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(parent: int) -> list[int]:
    """Live processes whose parent is `parent`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _wait_until_gone(pids: list[int], seconds: float = 5.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := [p for p in pids if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@linux_only
def test_killing_the_parent_ends_its_workers(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "simulator", "run", str(FLAGSHIP), "--out", str(tmp_path)]
    options = ["-q", "-n", "2000000", "--no-keep-replications", "--executor", "process"]
    process = subprocess.Popen(
        [*command, *options, "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(process.pid)) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no workers started"
            time.sleep(0.05)
        process.kill()
        process.wait()
        assert _wait_until_gone(workers) == []
    finally:
        if process.poll() is None:
            process.kill()
        for pid in _children(process.pid):
            os.kill(pid, signal.SIGKILL)
        assert process.stderr is not None
        process.stderr.close()


@linux_only
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_without_prctl_a_watchdog_ends_the_worker() -> None:
    read, write = os.pipe()
    middle = os.fork()
    if middle == 0:  # the parent that dies: starts a worker, says its pid, exits
        worker = os.fork()
        if worker == 0:
            executors._exit_with_parent(os.getppid(), use_prctl=False)
            time.sleep(30)
            os._exit(0)
        os.write(write, str(worker).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        worker = int(pipe.read())
    os.waitpid(middle, 0)
    try:
        assert _wait_until_gone([worker]) == []
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


# --- memory ---------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 7, 300])
def test_bootstrap_ranks_do_not_depend_on_the_chunking(
    monkeypatch: pytest.MonkeyPatch, k: int
) -> None:
    rng = np.random.default_rng(k)
    utility = rng.normal(size=(k, 30)).round(1)  # rounded: many tied bootstrap means
    utility[k // 2] = utility[0]  # and an ordering tied with the first everywhere
    whole = utility_stream(k, 30, seed=5, samples=400)
    whole.add(0, utility)
    expected = bootstrap.bootstrap_ranks(partial(whole.bootstrap.means, 0.0, np.zeros(k)), 400, k)
    monkeypatch.setattr(bootstrap, "CHUNK_CELLS", 3 * k + 1)  # chunks of 3 worlds
    got = bootstrap.bootstrap_ranks(partial(whole.bootstrap.means, 0.0, np.zeros(k)), 400, k)
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    boot = whole.bootstrap.means(0.0, np.zeros(k))  # what ranking did all at once before
    low, high = bootstrap.rank_bounds(boot)
    np.testing.assert_array_equal(got[0], bootstrap.best_shares(boot))
    np.testing.assert_array_equal(got[1], bootstrap.sucra((low + high).sum(axis=0), 400))
    if k > 1:
        np.testing.assert_array_equal(got[1], (k - 1 - ((low + high) / 2.0).mean(axis=0)) / (k - 1))
    np.testing.assert_array_equal(got[2], bootstrap.rank_matrix(low, high))


# --- limits on every resource option --------------------------------------------------

ADAPTIVE = ("--design", "adaptive")
TWO = ("--ordering", "blinken,yellen,raimondo,kerry", "--ordering", "kerry,raimondo,yellen,blinken")
VARY = ("--vary", "host.preference.bonus=0:2:3")
PARAM = ("--param", "host.preference.bonus=0:2")
TOO_MANY_WORKERS = str(executors.max_workers() + 1)


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("run", ("--workers", "100000"), "--workers must be between 1 and"),
        ("run", ("--workers", TOO_MANY_WORKERS), "--workers must be between 1 and"),
        ("run", ("--workers", "0"), "--workers must be between 1 and"),
        ("run", ("-n", "1"), "--replications must be between 2 and 10,000,000"),
        ("run", (*ADAPTIVE, "--alpha", "1"), "--alpha must lie in (0, 1 - 1/k)"),
        ("run", (*ADAPTIVE, "--alpha", "nan"), "--alpha must lie in (0, 1 - 1/k)"),
        ("run", (*ADAPTIVE, "--delta", "inf"), "--delta must be a positive number"),
        ("run", (*ADAPTIVE, "--delta", "-1"), "--delta must be a positive number"),
        ("run", (*ADAPTIVE, "--n0", "1"), "--n0 must be at least 2"),
        ("run", (*ADAPTIVE, "--n0", "20000000"), "--n0 must be at most 10,000,000"),
        ("run", (*ADAPTIVE, "--batch", "0"), "--batch must be at least 1"),
        ("run", (*ADAPTIVE, "--max-replications", "3"), "--max-replications must be at least"),
        ("compare", (*TWO, "--workers", "100000"), "--workers must be between 1 and"),
        ("compare", (*TWO, "-n", "1"), "--replications must be between 2 and 10,000,000"),
        ("compare", (*TWO, "-n", "20000000"), "--replications must be between 2 and 10,000,000"),
        ("compare", (*TWO, "--seed", "-1"), "--seed must be between 0 and 2**63 - 1"),
        ("sweep", (*VARY, "--workers", "100000"), "--workers must be between 1 and"),
        ("sweep", ("--vary", "host.preference.bonus=0:2:100000"), "between 2 and 1,000 grid"),
        ("sweep", ("--vary", "host.preference.bonus=0:2:1"), "between 2 and 1,000 grid"),
        ("sweep", (*VARY, "--tolerance", "0"), "--tolerance must be a positive number"),
        ("sweep", (*VARY, "--tolerance", "inf"), "--tolerance must be a positive number"),
        ("sweep", (*VARY, "-n", "20000000"), "--replications must be between 2 and 10,000,000"),
        ("sweep", (*VARY, "--seed", str(2**63)), "--seed must be between 0 and 2**63 - 1"),
        ("robustness", (*PARAM, "--workers", "100000"), "--workers must be between 1 and"),
        ("robustness", (*PARAM, "--samples", "1"), "--samples (settings) must be between 2"),
        ("robustness", (*PARAM, "--samples", "10001"), "and 10,000 (got 10001)"),
        ("robustness", (*PARAM, "-n", "1"), "--replications must be between 2 and 10,000,000"),
        ("sensitivity", (*PARAM, "--workers", "100000"), "--workers must be between 1 and"),
        ("sensitivity", (*PARAM, "--samples", "10001"), "(Morris trajectories) must be between"),
        (
            "sensitivity",
            (*PARAM, "--method", "sobol", "--samples", str(2**14)),
            "a power of 2 between 2 and 10,000",
        ),
        ("sensitivity", (*PARAM, "--top", "0"), "--top must be between 1 and 100"),
        ("sensitivity", (*PARAM, "--top", "101"), "--top must be between 1 and 100"),
        ("sensitivity", (*PARAM, "-n", "20000000"), "--replications must be between 2 and"),
    ],
)
def test_every_resource_option_has_a_range(
    tmp_path: Path, command: str, args: tuple[str, ...], message: str
) -> None:
    result = CliRunner().invoke(main, [command, str(FLAGSHIP), *args, "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_report_top_has_a_range(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(tmp_path), "--top", "101"])
    assert result.exit_code == 2, result.output
    assert "--top must be between 1 and 100 (got 101)" in result.stderr


def test_the_python_api_refuses_out_of_range_values_too(tmp_path: Path) -> None:
    scenario = load_scenario(FLAGSHIP)
    with pytest.raises(InputError, match=r"^workers must be between 1 and"):
        executors.ProcessExecutor(executors.max_workers() + 1)
    with pytest.raises(InputError, match=r"^workers must be between 1 and"):
        executors.DaskExecutor(0)
    with pytest.raises(InputError, match=r"^replications must be between"):
        run_scenario(scenario, replications=1, out=tmp_path)
    assert not any(tmp_path.iterdir())


def test_a_run_that_would_not_fit_in_memory_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(design, "available_memory", lambda: 100 << 20)
    result = CliRunner().invoke(main, ["run", str(FLAGSHIP), "-n", "10", "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "24 orderings x 10 replications would need about 0.3 GiB of memory, but only " in (
        result.stderr
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_the_memory_estimate_counts_the_bootstrap_not_only_the_records() -> None:
    streamed = experiment.memory_estimate(40320, 2, 9)
    assert streamed > design.BASE_BYTES + 2 * 40320 * bootstrap.BOOTSTRAP_SAMPLES * 8
    assert streamed < 2 << 30  # measured peak 1.2 GB (docs/scale-and-speed.md)
