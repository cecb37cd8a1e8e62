"""What the tuning commands (sweep, sensitivity, robustness) share: their settings
record, their results directory with its manifest, their progress bar, JSON output."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ..executors import Executor
from ..output.progress import LazyProgress
from ..output.rundir import RunDirectory, argv
from ..output.tuning_files import recorded, start_directory
from ..tuning import Base


def tuning_settings(
    seed: int,
    replications: int,
    executor: Executor,
    overrides: Sequence[str],
    **fields: Any,
) -> dict[str, Any]:
    """The settings a tuning command records in its manifest."""
    return {
        "seed": seed,
        "replications": replications,
        **fields,
        "overrides": list(overrides),
        "executor": executor.name,
        "workers": executor.workers,
    }


@contextmanager
def tuning_run(
    out: Path, kind: str, base: Base, settings: dict[str, Any], quiet: bool, description: str
) -> Iterator[tuple[RunDirectory, LazyProgress]]:
    """A results directory whose manifest records how the block ends, and a progress
    bar over settings (each of `settings["replications"]` replications)."""
    bar = LazyProgress(
        Console(stderr=True),
        description,
        unit=f"settings of {settings['replications']} replications",
        quiet=quiet,
    )
    with bar:
        directory = start_directory(out, kind, base.scenario, settings, argv())
        with recorded(directory):
            yield directory, bar


def echo_json(document: dict[str, Any], directory: RunDirectory) -> None:
    """Print the command's JSON document, with where its files are, as one document."""
    click.echo(json.dumps(document | {"results": str(directory.path)}, indent=2))
