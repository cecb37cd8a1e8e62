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


FORMATS = ("text", "json")


class _Format(click.Choice):
    """text|json. `table`, what some commands called text before, still means text."""

    def __init__(self) -> None:
        super().__init__(FORMATS)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert("text" if value == "table" else value, param, ctx)


def format_option(command: F) -> F:
    """--format text|json, the same on every command that prints results."""
    return click.option(
        "--format",
        "fmt",
        type=_Format(),
        default="text",
        show_default=True,
        help="Print text (tables and sentences), or one JSON document on stdout.",
    )(command)


def quiet_option(text: str = "No progress bar (it goes to stderr).") -> Callable[[F], F]:
    """-q/--quiet, on every command that reports more than its result; `text` says what
    it leaves out."""
    return click.option("--quiet", "-q", is_flag=True, help=text)


def tuning_options(replications: int, per: str) -> Callable[[F], F]:
    """What sweep, sensitivity and robustness all take: -n/--replications (default
    `replications`, per ordering `per`), --seed, the executor options, --out,
    --format and -q."""

    def decorate(command: F) -> F:
        for option in (
            quiet_option(),
            format_option,
            out_option,
            executor_options,
            click.option(
                "--seed", type=int, help="Random seed (default: the scenario's experiment.seed)."
            ),
            click.option(
                "--replications",
                "-n",
                type=int,
                default=replications,
                show_default=True,
                help=f"Replications per ordering {per}.",
            ),
        ):
            command = option(command)
        return command

    return decorate


def option_names(ctx: click.Context) -> dict[str, str]:
    """Each setting's option as the user types it (`max_replications` → `--max-replications`),
    from every command of the group, for messages the engine phrases with setting names;
    an on/off flag's off switch as `no_` and its name (`no_keep_replications`)."""
    group = ctx.command
    commands = group.commands.values() if isinstance(group, click.Group) else [group]
    names: dict[str, str] = {}
    for command in commands:
        for param in command.params:
            if isinstance(param, click.Option) and param.name:
                long = [o for o in param.opts if o.startswith("--")]
                names.setdefault(param.name, (long or param.opts)[0])
                if param.secondary_opts:
                    names.setdefault(f"no_{param.name}", param.secondary_opts[0])
    return names
