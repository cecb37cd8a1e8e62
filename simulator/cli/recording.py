"""What the tuning commands share: a progress bar over settings, and JSON output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from ..output.progress import LazyProgress


def settings_bar(description: str, replications: int | None, quiet: bool) -> LazyProgress:
    """A progress bar on stderr over settings, each of `replications` replications."""
    unit = "settings" if replications is None else f"settings of {replications} replications"
    return LazyProgress(Console(stderr=True), description, unit=unit, quiet=quiet)


def echo_json(document: dict[str, Any], directory: Path) -> None:
    """Print the command's JSON document, with where its files are, as one document."""
    click.echo(json.dumps(document | {"results": str(directory)}, indent=2))
