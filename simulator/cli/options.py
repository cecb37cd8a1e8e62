"""Options shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..executors import EXECUTORS

F = TypeVar("F", bound=Callable[..., Any])


def scenario_options(command: F) -> F:
    """The options every command that reads a scenario shares."""
    command = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override a scenario value, e.g. host.preference.penalty=2 "
        "(repeatable; list items by id: visitors.kerry.earliest_day=30).",
    )(command)
    return click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))(command)


def executor_options(command: F) -> F:
    """--executor and --workers."""
    command = click.option("--workers", type=int, help="Worker processes (default: all cores).")(
        command
    )
    return click.option(
        "--executor",
        type=click.Choice(EXECUTORS),
        default="process",
        show_default=True,
        help="Where replications run: this process, or local worker processes.",
    )(command)


def out_option(command: F) -> F:
    """--out, the root folder of results directories."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("results"),
        show_default=True,
        help="Root folder of results directories.",
    )(command)
