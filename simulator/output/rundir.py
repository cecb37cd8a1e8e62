"""The results directory of one run (DESIGN §7) and its manifest.

The manifest is written when the run starts (status `running`) and rewritten when it
ends (`complete`, `failed` with the error, or `interrupted` with the replications
completed), so every run leaves its provenance, however it ended. Every file is
written atomically. While a run goes, each completed work item is kept in
`checkpoint/` (with its SHA-256 in the folder's index, verified before it is reused)
so that an interrupted run can resume; the folder is removed once the run is
complete. A process writing a run directory holds its lock (`exclusive`). The
result tables appear only together: if a run stops while writing them, the ones
already written are removed. A complete run's manifest holds the SHA-256 of each
result table, which `reproduce` verifies (in the original, then in the new run).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import platform
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import InputError, Interrupted, ReplicationFailed
from ..experiment import ExperimentResult
from ..scenario import Scenario, scenario_hash, scenario_to_yaml
from ..stats.ranking import Ranking
from . import files, tables
from .checkpoint import BlockCheckpoint, sha256_file
from .figures import write_figures
from .report import write_report
from .runfiles import RunFiles

PACKAGES = (
    "visitsim",
    "numpy",
    "scipy",
    "simpy",
    "pydantic",
    "pyyaml",
    "click",
    "rich",
    "matplotlib",
    "jinja2",
    "scoringrules",
)

RESULT_TABLES = ("ranking.csv", "rank_probabilities.csv", "summary.json", "replications.csv.gz")
"""The files `write_results` writes, whose hashes the manifest records."""

CHECKPOINT = "checkpoint"
"""The folder of a run's saved work items, removed once the run is complete."""


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def source_hash() -> str:
    """SHA-256 over the package's Python sources: which code made a run."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _process() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": platform.node()}


LOCK_FILE = ".lock"


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the run directory `path` for this process while the block runs.

    An exclusive `flock` on `path/.lock` (released by the system if the process dies)
    holding the writer's pid: a second process that would write the same run directory
    is refused instead of racing on its files. The lock file is removed on the way out
    (while still locked; a process that locked the removed file meanwhile sees that it
    is no longer the one at `.lock` and takes that one instead).
    """
    lock = path / LOCK_FILE
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise files.cannot_write(lock, error) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise InputError(
                f"{path} is being written by another visitsim process (pid {holder}); "
                "wait for it to finish, or stop it first"
            ) from None
        try:
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)  # closing the last descriptor releases the lock


@dataclass
class RunDirectory:
    """A run's folder and its manifest, kept current as the run proceeds."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(
        cls,
        root: Path,
        scenario: Scenario,
        settings: dict[str, Any],
        command: list[str],
        *,
        kind: str = "run",
        others: dict[str, Scenario] | None = None,
    ) -> RunDirectory:
        """Create `<root>/<scenario>/[<kind>-]<UTC time>-s<seed>/` with the resolved
        scenario and a `running` manifest. `kind` names what is recorded (`run`, or a
        tuning command: `sweep`, `compare`, …); `others` adds `<key>.resolved.yaml` files
        (the variants a comparison reads)."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        prefix = "" if kind == "run" else f"{kind}-"
        path = files.new_folder(root / scenario.name, f"{prefix}{stamp}-s{settings['seed']}")
        run = cls(path)
        written = ["manifest.json", "scenario.resolved.yaml"]
        files.write_text(path / "scenario.resolved.yaml", scenario_to_yaml(scenario))
        for key, other in (others or {}).items():
            files.write_text(path / f"{key}.resolved.yaml", scenario_to_yaml(other))
            written.append(f"{key}.resolved.yaml")
        run.manifest = {
            "status": "running",
            **({} if kind == "run" else {"kind": kind}),
            "scenario": {"name": scenario.name, "hash": scenario_hash(scenario)},
            **settings,
            "versions": package_versions(),
            "source": source_hash(),
            "command": command,
            "process": _process(),
            "started": _now(),
            "ended": None,
            "files": written,
            "resolved_scenario": scenario.model_dump(mode="json", by_alias=True),
        }
        run.save()
        return run

    @classmethod
    def open(cls, path: Path) -> RunDirectory:
        """An existing run directory, with its manifest."""
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path} is not a run directory (it has no manifest.json)") from None
        except (OSError, ValueError) as error:
            raise InputError(f"cannot read {path / 'manifest.json'}: {error}") from None
        needed = ("status", "scenario", "seed", "design")
        if not isinstance(manifest, dict) or any(k not in manifest for k in needed):
            raise InputError(
                f"{path / 'manifest.json'} is not a visitsim manifest (it needs the keys "
                f"{', '.join(needed)})"
            )
        return cls(path, manifest)

    @property
    def checkpoint(self) -> BlockCheckpoint:
        """The run's saved work items."""
        return BlockCheckpoint(self.path / CHECKPOINT)

    def save(self) -> None:
        files.write_json(self.path / "manifest.json", self.manifest)

    def reopen(self, command: list[str], executor: str, workers: int) -> None:
        """Mark a stopped run as running again (resume), and clear what it left half done.

        Temporary files of writes that never completed (the process was killed) and any
        result tables are removed; the checkpoint is kept.
        """
        try:
            for folder in (self.path, self.path / CHECKPOINT):
                for stale in folder.glob(".*.tmp"):
                    stale.unlink(missing_ok=True)
            self.discard_results()
        except OSError as error:
            raise files.cannot_write(self.path, error) from None
        self.manifest["status"] = "running"
        self.manifest["ended"] = None
        self.manifest["process"] = _process()
        for key in ("error", "failure", "replications_completed"):
            self.manifest.pop(key, None)
        self.manifest.setdefault("resumed", []).append(
            {"at": _now(), "command": command, "executor": executor, "workers": workers}
        )
        self.save()

    def write_file(self, name: str, content: str | dict[str, Any]) -> None:
        """Write one file (text, or a JSON document) atomically and list it in the manifest."""
        path = self.path / name
        if isinstance(content, str):
            files.write_text(path, content)
        else:
            files.write_json(path, content)
        self.manifest["files"].append(name)

    @contextmanager
    def recording(self, *, resumable: bool, total: int | None = None) -> Iterator[RunDirectory]:
        """Record how the block ends, whatever ends it.

        `complete`; `interrupted` (raised again as `Interrupted` naming this directory and,
        when `resumable`, the replications its checkpoint holds out of `total`); or
        `failed`, with the error (a failing replication's details, to replay it alone).
        Result tables of a run that did not complete are removed; signals wait while the
        manifest is written, so it is never left half-recorded.
        """
        try:
            yield self
        except KeyboardInterrupt as stop:
            with files.signals_held():
                self.discard_results()
                completed = self.checkpoint.completed() if resumable else None
                details = {} if completed is None else {"replications_completed": completed}
                self.finish("interrupted", details=details)
            signum = stop.signum if isinstance(stop, Interrupted) else signal.SIGINT
            raise Interrupted(signum, self.path, completed, total, resumable=resumable) from stop
        except ReplicationFailed as failure:
            with files.signals_held():
                self.discard_results()
                self.finish("failed", str(failure), details={"failure": failure.document()})
            failure.directory = self.path
            raise
        except Exception as error:
            with files.signals_held():
                self.discard_results()
                self.finish("failed", f"{type(error).__name__}: {error}")
            raise
        with files.signals_held():
            self.finish("complete")

    def write_results(
        self, result: ExperimentResult, ranking: Ranking, design: dict[str, Any]
    ) -> None:
        """Write the result tables of a finished experiment, all of them or none."""
        documents: dict[str, Any] = {
            "ranking.csv": tables.ranking_csv(ranking, design.get("eliminated_at")),
            "rank_probabilities.csv": tables.rank_probabilities_csv(ranking),
            "summary.json": tables.summary_document(result, ranking, design),
            "replications.csv.gz": tables.replications_csv(result)
            if design.get("keep_replications", True)
            else None,
        }
        written: list[str] = []
        try:
            for name, document in documents.items():
                if document is None:
                    continue
                target = self.path / name
                written.append(name)
                if name.endswith(".json"):
                    files.write_json(target, document)
                elif name.endswith(".gz"):
                    files.write_gzip(target, document)
                else:
                    files.write_text(target, document)
        except BaseException:
            self.discard_results()
            raise
        self.manifest["files"] += written
        self.manifest["sha256"] = {name: sha256_file(self.path / name) for name in written}

    def write_presentation(self) -> None:
        """Draw the figures and report.html from the files of the finished run, then
        list them in the manifest.

        Called once the manifest records how the run ended, so the page shows the final
        status and end time and is the page `visitsim report RUN_DIR` rebuilds. The
        figures and the page present the results but are not part of them: if drawing
        fails, the tables stay, the manifest records why, and `visitsim report RUN_DIR`
        can rebuild them later.
        """
        try:
            run = RunFiles.read(self.path)  # once for both: a ranking can be large
            drawn = write_figures(run)
            drawn.append(write_report(run).name)
        except Exception as error:  # a figure must never cost the results
            self.manifest["presentation_error"] = f"{type(error).__name__}: {error}"
        else:
            self.manifest["files"] += drawn
        self.save()

    def discard_results(self) -> None:
        """Remove any result tables (a run that did not complete leaves none)."""
        for name in RESULT_TABLES:
            (self.path / name).unlink(missing_ok=True)
        self.manifest["files"] = [n for n in self.manifest["files"] if n not in RESULT_TABLES]
        self.manifest.pop("sha256", None)

    def finish(
        self, status: str, error: str | None = None, *, details: dict[str, Any] | None = None
    ) -> None:
        """Record how the run ended (with `details` such as a failing replication)."""
        self.manifest["status"] = status
        self.manifest["ended"] = _now()
        if error is not None:
            self.manifest["error"] = error
        self.manifest.update(details or {})
        self.save()


def argv() -> list[str]:
    """The command line that started this process."""
    return [Path(sys.argv[0]).name, *sys.argv[1:]]
