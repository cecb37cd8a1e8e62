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
import io
import json
import os
import platform
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, Interrupted, ReplicationFailed
from ..executors import WorkItem
from ..experiment import ExperimentResult
from ..scenario import Scenario, scenario_hash, scenario_to_yaml
from ..stats.ranking import Ranking
from ..types import FloatArray
from ..world import BLOCK_SIZE
from . import files, tables
from .figures import write_figures
from .report import write_report

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
)

RESULT_TABLES = ("ranking.csv", "rank_probabilities.csv", "summary.json", "replications.csv.gz")
"""The files `write_results` writes, whose hashes the manifest records."""

CHECKPOINT = "checkpoint"


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


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _process() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": platform.node()}


STATE_FILE = "state.npz"
INDEX_FILE = "index.jsonl"


class BlockCheckpoint:
    """Completed work items of a run, one `.npy` file each (written atomically).

    A full world block for every candidate is `block-000012.npy`; a part of a block
    adds `-r<start>-<stop>`, a subset of the candidates (adaptive design) `-k<hash>`.
    A run that streams its statistics keeps them in `state.npz` instead of the blocks
    it does not keep.

    Nothing is trusted that this run did not write: each file's SHA-256, size and shape
    are appended to `index.jsonl` before the file is written, and a file is read only if
    its bytes match a record. A file the index does not record (a block dropped in from
    elsewhere) or whose bytes differ (flipped, cut short, emptied) is refused by name.
    A process killed between the record and the file leaves a record without a file,
    which only means that item is simulated again.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._records: dict[str, dict[str, dict[str, Any]]] | None = None

    def path(self, item: WorkItem) -> Path:
        """The file of a work item."""
        block, start, stop, systems = item
        name = f"block-{block:06d}"
        if (start, stop) != (0, BLOCK_SIZE):
            name += f"-r{start:02d}-{stop:03d}"
        if systems is not None:
            name += "-k" + hashlib.sha256(",".join(map(str, systems)).encode()).hexdigest()[:16]
        return self.folder / f"{name}.npy"

    def _index(self) -> dict[str, dict[str, dict[str, Any]]]:
        """The records of `index.jsonl`: file name -> SHA-256 -> record."""
        if self._records is None:
            self._records = {}
            path = self.folder / INDEX_FILE
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                lines = []
            except (OSError, UnicodeDecodeError) as error:
                raise InputError(f"cannot read the checkpoint index {path}: {error}") from None
            for line in lines:
                try:
                    record = json.loads(line)
                    name, digest = record["file"], record["sha256"]
                except (ValueError, TypeError, KeyError, AttributeError):
                    continue  # cut short by a killed process: its file was never written
                shape = record.get("shape")
                if (
                    isinstance(name, str)
                    and isinstance(digest, str)
                    and (shape is None or all(isinstance(n, int) for n in shape))
                ):
                    self._records.setdefault(name, {})[digest] = record
        return self._records

    def _write(self, name: str, data: bytes, shape: tuple[int, ...] | None) -> None:
        """Record a file in the index, then write it."""
        digest = hashlib.sha256(data).hexdigest()
        record = {
            "file": name,
            "sha256": digest,
            "bytes": len(data),
            "shape": None if shape is None else list(shape),
        }
        files.append_line(self.folder / INDEX_FILE, json.dumps(record))
        self._index().setdefault(name, {})[digest] = record
        files.write_bytes(self.folder / name, data)

    def _read(self, name: str) -> bytes:
        """A file's bytes, if they match a record of the index; else an InputError."""
        path = self.folder / name
        try:
            data = path.read_bytes()
        except OSError as error:
            raise InputError(f"cannot read the checkpoint {path}: {error}") from None
        recorded = self._index().get(name)
        if recorded is None or hashlib.sha256(data).hexdigest() not in recorded:
            why = (
                "is not recorded in its index (it was not written by this run)"
                if recorded is None
                else f"does not match its SHA-256 in {INDEX_FILE} (it was changed or damaged)"
            )
            raise InputError(
                f"the checkpoint file {path} {why}; delete it and resume to simulate its "
                "replications again"
            )
        return data

    def verify(self) -> None:
        """Refuse the checkpoint if any file in it is unrecorded or differs from its
        record, naming the first such file (before a resumed run does any work)."""
        for path in self._files():
            self._read(path.name)

    def __contains__(self, item: WorkItem) -> bool:
        name = self.path(item).name
        return name in self._index() and (self.folder / name).is_file()

    def load(self, item: WorkItem) -> FloatArray:
        data = self._read(self.path(item).name)
        records: FloatArray = np.load(io.BytesIO(data), allow_pickle=False)
        return records

    def save(self, item: WorkItem, records: FloatArray) -> None:
        buffer = io.BytesIO()
        np.save(buffer, records, allow_pickle=False)
        self._write(self.path(item).name, buffer.getvalue(), records.shape)

    def save_state(self, state: dict[str, FloatArray]) -> None:
        """Keep a streamed run's merged statistics, replacing the last ones kept."""
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **state)
        self._write(STATE_FILE, buffer.getvalue(), None)

    def load_state(self) -> dict[str, FloatArray] | None:
        """The statistics `save_state` kept last, if any. (A state the process was
        killed before replacing is an earlier, recorded one: it resumes from there.)"""
        if not (self.folder / STATE_FILE).is_file():
            return None
        with np.load(io.BytesIO(self._read(STATE_FILE)), allow_pickle=False) as saved:
            return {name: saved[name] for name in saved.files}

    def _files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted([*self.folder.glob("block-*.npy"), *self.folder.glob(STATE_FILE)])

    def completed(self) -> int:
        """Replications saved: of every ordering (fixed design), or summed over the
        orderings (adaptive design, whose items cover subsets of them)."""
        state = self.load_state()
        if state is not None:  # a streamed run: every replication before it is merged
            return int(state["position"])
        every = 0
        summed = 0
        for name, records in self._index().items():
            if not name.startswith("block-") or not (self.folder / name).is_file():
                continue
            shape = next(iter(records.values()))["shape"]
            if "-k" in name:
                summed += shape[0] * shape[1]
            else:
                every += shape[1]
        return summed or every

    def remove(self) -> None:
        """Delete the folder (the run is complete, so nothing needs resuming)."""
        shutil.rmtree(self.folder, ignore_errors=True)


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
            drawn = write_figures(self.path)
            drawn.append(write_report(self.path).name)
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
