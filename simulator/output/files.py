"""Atomic file writes: a file appears whole under its name, or not at all.

A location that cannot be written (a read-only folder, a path under a regular file,
`/dev/null`, `/proc`, a full disk) is an `InputError` naming the path and the reason,
so every command that writes reports it in one line.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import signal
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import InputError, SimulatorError


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


def cannot_write(path: Path, error: OSError) -> InputError:
    """The error for a location that cannot be written."""
    return InputError(f"cannot write {path}: {error.strerror or error}")


def new_folder(parent: Path, name: str) -> Path:
    """Create the folder `parent/name`, or `name-2`, `name-3`, ... if taken, and return it.

    Creating the folder is what claims the name (mkdir fails if it exists), so processes
    started at the same moment never share one.
    """
    n = 1
    while True:
        path = parent / (name if n == 1 else f"{name}-{n}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            if not parent.is_dir():
                raise cannot_write(path, NotADirectoryError(f"{parent} is not a folder")) from None
            n += 1
        except OSError as error:
            raise cannot_write(path, error) from None


def write_bytes(path: Path, data: bytes | Iterable[bytes], *, exclusive: bool = False) -> None:
    """Write to a temporary name in the same folder, fsync, then rename into place.

    `data` may come in pieces, written as they are made (a large table is never held
    whole). Signals are held meanwhile, so an interrupt cannot leave the temporary file
    behind.
    `exclusive`: never replace an existing file (FileExistsError); the temporary file
    is linked to `path` instead of renamed, which fails if `path` exists.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise cannot_write(path, error) from None
    with signals_held():
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as error:
            raise cannot_write(path, error) from None
        try:
            # mkstemp makes the file private (0600); results are meant to be shared.
            os.fchmod(fd, 0o666 & ~_UMASK)
            with os.fdopen(fd, "wb") as handle:
                for piece in [data] if isinstance(data, bytes) else data:
                    handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
            if exclusive:
                os.link(tmp, path)
                Path(tmp).unlink()
            else:
                os.replace(tmp, path)
        except FileExistsError:
            Path(tmp).unlink(missing_ok=True)
            raise
        except OSError as error:
            Path(tmp).unlink(missing_ok=True)
            raise cannot_write(path, error) from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def append_line(path: Path, line: str) -> None:
    """Append one line to a log and fsync it: a line is either whole or, if the process
    died while writing it, the last one and unterminated (a reader skips it; the next
    append starts a new line)."""
    with signals_held():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as handle:
                if handle.tell() and not _ends_with_newline(path):
                    handle.write(b"\n")
                handle.write(line.encode("utf-8") + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as error:
            raise cannot_write(path, error) from None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def write_text(path: Path, text: str | Iterable[str], *, exclusive: bool = False) -> None:
    """Atomically write UTF-8 text, whole or in pieces (`exclusive`: to a new file only,
    see `write_bytes`)."""
    pieces = [text] if isinstance(text, str) else text
    write_bytes(path, (piece.encode("utf-8") for piece in pieces), exclusive=exclusive)


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
