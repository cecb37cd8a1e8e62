"""The `visitsim` command group, its error handling and its signal handling.

Errors a user can cause (`SimulatorError`) print one message and exit with status 2
(bad input) or 1; `--debug` shows the traceback instead. A mistake on the command line
itself (an unknown option, a value of the wrong kind) is one `error: ...` line too.
SIGINT (Ctrl-C) and SIGTERM both raise `Interrupted` in the command's process, so a run
records the stop in its manifest and removes partial results on either; the exit status
is 130 or 143.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, NoReturn

import click

from ..errors import Interrupted, ReplicationFailed, SimulatorError
from .options import option_names

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into `Interrupted` in this process, for one command.

    Worker processes forked meanwhile inherit the handler: there SIGINT is ignored
    (Ctrl-C reaches the whole process group, and the parent stops the pool) and SIGTERM
    ends the worker as usual.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    parent = os.getpid()

    def handler(signum: int, _frame: FrameType | None) -> None:
        if os.getpid() == parent:
            raise Interrupted(signum)
        if signum == signal.SIGTERM:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, action in previous.items():
            signal.signal(s, action)


def _usage_error(ctx: click.Context, error: click.ClickException) -> NoReturn:
    """Print a command-line mistake (unknown option or command, bad option value) as one
    `error: ...` line, as for bad input, instead of click's usage block; exit 2."""
    message = " ".join(error.format_message().split()).rstrip(".")
    where = error.ctx if isinstance(error, click.UsageError) and error.ctx else ctx
    click.echo(
        f"error: {message[:1].lower()}{message[1:]} (see {where.command_path} --help)",
        err=True,
    )
    ctx.exit(error.exit_code)


class _Group(click.Group):
    """Turns `SimulatorError` and click's usage errors into a one-line message and its
    exit status, and a stop signal into status 128 + its number."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help:
            return super().parse_args(ctx, args)  # `visitsim` alone prints the help
        try:
            return super().parse_args(ctx, args)
        except click.ClickException as error:
            _usage_error(ctx, error)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _stop_signals():
                return super().invoke(ctx)
        except click.ClickException as error:
            _usage_error(ctx, error)
        except SimulatorError as error:
            if ctx.meta.get("debug"):
                raise
            click.echo(f"error: {error.render(option_names(ctx))}", err=True)
            if isinstance(error, ReplicationFailed):
                _replay_hint(error)
            ctx.exit(error.exit_code)
        except KeyboardInterrupt as stop:
            if ctx.meta.get("debug"):
                raise
            if not isinstance(stop, Interrupted):
                stop = Interrupted(signal.SIGINT)
            message = f"interrupted: {stop}"
            if stop.directory is not None and stop.resumable:
                message += (
                    f"; the run is recorded in {stop.directory}; continue it with: "
                    f"visitsim run --resume {stop.directory}"
                )
            click.echo(message, err=True)
            ctx.exit(stop.exit_code)


def _replay_hint(failure: ReplicationFailed) -> None:
    """Where a failed run is recorded, and the command that replays the failure alone."""
    directory = failure.directory
    if directory is None:
        return
    click.echo(f"  the run is recorded as failed in {directory / 'manifest.json'}", err=True)
    if failure.replay is not None:
        click.echo(
            f"  replay it alone: visitsim run {directory / 'scenario.resolved.yaml'} "
            f"--replay {failure.replay} --seed {failure.seed}",
            err=True,
        )


def _debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta["debug"] = value
    return value


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="visitsim")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    callback=_debug,
    is_eager=True,
    help="Show tracebacks instead of one-line errors.",
)
def main() -> None:
    """visitsim: in which order should these visits happen, and how sure are we?

    Simulates every candidate ordering of a scenario's visitors many times on common
    random worlds and ranks the orderings with honest statistics.
    """
