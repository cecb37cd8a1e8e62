"""A run's checkpoint: each completed work item's records, kept so an interrupted run
can resume, each with its SHA-256 and shape in the folder's index and verified before
it is reused; a file the run did not write is refused, by name."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..executors import WorkItem
from ..types import FloatArray
from ..world import BLOCK_SIZE
from . import files


def sha256_file(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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
        # numpy's stubs take a dict of arrays for the `allow_pickle` flag; passing that
        # flag would store it as an array on the older numpy versions pyproject allows.
        np.savez(buffer, **state)  # type: ignore[arg-type]
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
