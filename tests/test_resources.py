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

from simulator import executors
from simulator.stats import ranking

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
    whole = ranking.UtilityStream(k, 30, seed=5, samples=400)
    whole.add(0, utility)
    expected = ranking.bootstrap_ranks(partial(whole.bootstrap.means, 0.0, np.zeros(k)), 400, k)
    monkeypatch.setattr(ranking, "CHUNK_CELLS", 3 * k + 1)  # chunks of 3 worlds
    got = ranking.bootstrap_ranks(partial(whole.bootstrap.means, 0.0, np.zeros(k)), 400, k)
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    boot = whole.bootstrap.means(0.0, np.zeros(k))  # what ranking did all at once before
    low, high = ranking.rank_bounds(boot)
    np.testing.assert_array_equal(got[0], ranking.best_shares(boot))
    np.testing.assert_array_equal(got[1], ranking.sucra((low + high).sum(axis=0), 400))
    if k > 1:
        np.testing.assert_array_equal(got[1], (k - 1 - ((low + high) / 2.0).mean(axis=0)) / (k - 1))
    np.testing.assert_array_equal(got[2], ranking.rank_matrix(low, high))
