"""Options shared by several commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..executors import EXECUTORS, make_executor

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
    """--executor, --workers and --scheduler, handed to the command as one `executor`.

    The executor is built (and its options checked) before the command runs, and
    closed after it, which stops a Dask cluster the command started.
    """

    @functools.wraps(command)
    def build(
        *args: Any, executor: str, workers: int | None, scheduler: str | None, **kwargs: Any
    ) -> Any:
        pool = make_executor(executor, workers, scheduler)
        try:
            return command(*args, executor=pool, **kwargs)
        finally:
            close = getattr(pool, "close", None)
            if close is not None:
                close()

    wrapped: Any = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --executor dask: an existing Dask scheduler (e.g. tcp://host:8786); "
        "without it a local cluster is started.",
    )(build)
    wrapped = click.option("--workers", type=int, help="Worker processes (default: all cores).")(
        wrapped
    )
    return click.option(  # type: ignore[no-any-return]
        "--executor",
        type=click.Choice(EXECUTORS),
        default="process",
        show_default=True,
        help="Where replications run: this process (serial), local worker processes "
        "(process), or a Dask cluster (dask; needs the dask extra).",
    )(wrapped)


def out_option(command: F) -> F:
    """--out, the root folder of results directories."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("results"),
        show_default=True,
        help="Root folder of results directories.",
    )(command)
