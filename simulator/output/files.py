"""Atomic file writes: a file appears whole under its name, or not at all."""

from __future__ import annotations

import gzip
import json
import math
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import SimulatorError


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the length of the block (in this thread).

    A signal that arrives meanwhile is delivered, and handled, right after: a short
    piece of bookkeeping (a file write, the manifest's last word) is never cut in half.
    """
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_bytes(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write to a temporary name in the same folder, fsync, then rename into place.

    Signals are held meanwhile, so an interrupt cannot leave the temporary file behind.
    `exclusive`: never replace an existing file (FileExistsError); the temporary file
    is linked to `path` instead of renamed, which fails if `path` exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with signals_held():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            # mkstemp makes the file private (0600); results are meant to be shared.
            os.fchmod(fd, 0o666 & ~_UMASK)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if exclusive:
                os.link(tmp, path)
                Path(tmp).unlink()
            else:
                os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def write_text(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Atomically write UTF-8 text (`exclusive`: to a new file only, see `write_bytes`)."""
    write_bytes(path, text.encode("utf-8"), exclusive=exclusive)


def write_json(path: Path, document: Any) -> None:
    """Atomically write JSON (strict: NaN must already be replaced by None).

    A NaN or infinity left in `document` (from damaged input) is a `SimulatorError`
    naming the file and the value's place, not a traceback; nothing is written.
    """
    try:
        text = json.dumps(document, indent=2, allow_nan=False)
    except ValueError:
        where = next(_non_finite(document, ""), "")
        raise SimulatorError(
            f"cannot write {path}: {where or 'a value'} is not a finite number; JSON has "
            "no NaN or infinity (is an input or a checkpoint damaged?)"
        ) from None
    write_text(path, text + "\n")


def _non_finite(value: Any, where: str) -> Iterator[str]:
    """The places (`a.b[2]`) of the NaNs and infinities in a JSON-like document."""
    if isinstance(value, float) and not math.isfinite(value):
        yield where
    elif isinstance(value, dict):
        for key, part in value.items():
            yield from _non_finite(part, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list | tuple):
        for i, part in enumerate(value):
            yield from _non_finite(part, f"{where}[{i}]")


def write_gzip(path: Path, text: str) -> None:
    """Atomically write gzip-compressed text, byte-identical for identical text."""
    write_bytes(path, gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))
