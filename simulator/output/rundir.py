"""The results directory of one run (DESIGN §7) and its manifest.

The manifest is written when the run starts (status `running`) and rewritten when it
ends (`complete`, `failed` with the error, or `interrupted` with the replications
completed), so every run leaves its provenance, however it ended. Every file is
written atomically. While a run goes, each completed work item is kept in
`checkpoint/` so that an interrupted run can resume; the folder is removed once the
run is complete. The result tables appear only together: if a run stops while
writing them, the ones already written are removed. A complete run's manifest holds
the SHA-256 of each result table, which `reproduce` verifies.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import platform
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ..distributions import FloatArray
from ..errors import InputError
from ..executors import WorkItem
from ..experiment import ExperimentResult
from ..scenario import scenario_hash, scenario_to_yaml
from ..schema import Scenario
from ..stats.ranking import Ranking
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


class BlockCheckpoint:
    """Completed work items of a run, one `.npy` file each (written atomically).

    A full world block for every candidate is `block-000012.npy`; a part of a block
    adds `-r<start>-<stop>`, a subset of the candidates (adaptive design) `-k<hash>`.
    A run that streams its statistics keeps them in `state.npz` instead of the blocks
    it does not keep.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, item: WorkItem) -> Path:
        """The file of a work item."""
        block, start, stop, systems = item
        name = f"block-{block:06d}"
        if (start, stop) != (0, BLOCK_SIZE):
            name += f"-r{start:02d}-{stop:03d}"
        if systems is not None:
            name += "-k" + hashlib.sha256(",".join(map(str, systems)).encode()).hexdigest()[:16]
        return self.folder / f"{name}.npy"

    def __contains__(self, item: WorkItem) -> bool:
        return self.path(item).is_file()

    def load(self, item: WorkItem) -> FloatArray:
        path = self.path(item)
        try:
            return np.load(path, allow_pickle=False)  # type: ignore[no-any-return]
        except (OSError, ValueError) as error:
            raise InputError(
                f"cannot read the checkpoint {path}: {error}; delete it and resume to "
                "simulate that block again"
            ) from None

    def save(self, item: WorkItem, records: FloatArray) -> None:
        buffer = io.BytesIO()
        np.save(buffer, records, allow_pickle=False)
        files.write_bytes(self.path(item), buffer.getvalue())

    def save_state(self, state: dict[str, FloatArray]) -> None:
        """Keep a streamed run's merged statistics, replacing the last ones kept."""
        buffer = io.BytesIO()
        np.savez(buffer, **state)
        files.write_bytes(self.folder / STATE_FILE, buffer.getvalue())

    def load_state(self) -> dict[str, FloatArray] | None:
        """The statistics `save_state` kept last, if any."""
        path = self.folder / STATE_FILE
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as saved:
                return {name: saved[name] for name in saved.files}
        except (OSError, ValueError) as error:
            raise InputError(
                f"cannot read the checkpoint {path}: {error}; delete it and resume to "
                "simulate those replications again"
            ) from None

    def _files(self) -> Iterator[Path]:
        return self.folder.glob("block-*.npy") if self.folder.is_dir() else iter(())

    def completed(self) -> int:
        """Replications saved: of every ordering (fixed design), or summed over the
        orderings (adaptive design, whose items cover subsets of them)."""
        state = self.load_state()
        if state is not None:  # a streamed run: every replication before it is merged
            return int(state["position"])
        every = 0
        summed = 0
        for path in self._files():
            if "-" not in path.stem.removeprefix("block-"):
                every += BLOCK_SIZE  # a whole block of every ordering: no need to open it
                continue
            shape = np.load(path, mmap_mode="r").shape
            if "-k" in path.name:
                summed += shape[0] * shape[1]
            else:
                every += shape[1]
        return summed or every

    def remove(self) -> None:
        """Delete the folder (the run is complete, so nothing needs resuming)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def new_run_id(root: Path, seed: int) -> str:
    """A fresh, sortable run id: UTC time and seed, suffixed if already taken."""
    base = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S") + f"-s{seed}"
    run_id, n = base, 1
    while (root / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


@dataclass
class RunDirectory:
    """A run's folder and its manifest, kept current as the run proceeds."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(
        cls, root: Path, scenario: Scenario, settings: dict[str, Any], command: list[str]
    ) -> RunDirectory:
        """Create the folder, write the resolved scenario and a `running` manifest."""
        folder = root / scenario.name
        path = folder / new_run_id(folder, settings["seed"])
        path.mkdir(parents=True)
        run = cls(path)
        files.write_text(path / "scenario.resolved.yaml", scenario_to_yaml(scenario))
        run.manifest = {
            "status": "running",
            "scenario": {"name": scenario.name, "hash": scenario_hash(scenario)},
            **settings,
            "versions": package_versions(),
            "source": source_hash(),
            "command": command,
            "process": _process(),
            "started": _now(),
            "ended": None,
            "files": ["manifest.json", "scenario.resolved.yaml"],
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
        for folder in (self.path, self.path / CHECKPOINT):
            for stale in folder.glob(".*.tmp"):
                stale.unlink(missing_ok=True)
        self.discard_results()
        self.manifest["status"] = "running"
        self.manifest["ended"] = None
        self.manifest["process"] = _process()
        for key in ("error", "failure", "replications_completed"):
            self.manifest.pop(key, None)
        self.manifest.setdefault("resumed", []).append(
            {"at": _now(), "command": command, "executor": executor, "workers": workers}
        )
        self.save()

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
