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
import importlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, NoReturn

import click

from ..errors import Interrupted, ReplicationFailed, SimulatorError

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

COMMANDS: dict[str, str] = {
    "app": (
        "A local web page to move SCENARIO's uncertain assumptions and watch the ranking "
        "move: the ranking, the recommended calendar and the paired differences are "
        "redrawn on the same worlds at each move, then each assumption's nearest tipping "
        "points are found in the background; a variant file and a full run of it are a "
        "button away. Ctrl-C stops it."
    ),
    "calibrate": (
        "Find the settings of SCENARIO's uncertain assumptions that are consistent with "
        "the observations (history matching), and rank the orderings across them."
    ),
    "compare": ("Compare outcome distributions."),
    "init": (
        "Write a commented starter scenario to NAME.yaml (or to NAME if it ends in "
        ".yaml): three visitors, one gate and a host preference, ready to validate and "
        "run. An existing file is never overwritten."
    ),
    "report": ("Rebuild the figures and report.html of RUN_DIR from its files (no simulation)."),
    "reproduce": (
        "Run RUN_DIR again from its manifest and resolved scenario, into a new run "
        "directory, and check that every result table (ranking.csv, summary.json, ...) "
        "has the SHA-256 the manifest recorded. Exit status 1 if any differs."
    ),
    "robustness": (
        "Run every ordering of SCENARIO under sampled settings of the contested "
        "assumptions; report mean utility, worst case, regret and how often each is best."
    ),
    "run": ("Simulate the candidate orderings of SCENARIO and rank them."),
    "schema": ("Print the JSON Schema of the scenario format (for editor completion and checks)."),
    "score": (
        "Score SCENARIO's forecast against the events observed after its start (or after "
        "--as-of): CRPS of each event's day, Brier and log scores of whether it happened, "
        "PIT values and interval coverage, with a calibration figure."
    ),
    "sensitivity": (
        "How much each assumption of SCENARIO moves the selected ordering's margin over "
        "the runner-up, and the top orderings' mean utilities."
    ),
    "sweep": (
        "Rank every ordering at each point of a grid over one or two assumptions of "
        "SCENARIO, and locate the tipping points where the best ordering changes."
    ),
    "validate": ("Check SCENARIO: print its errors (file:line: field: problem) or a summary."),
}
"""Every command, by name (its module in this package), with the first paragraph of its
help. `visitsim --help` lists them from here and a command's module is imported only
when the command runs: the modules load numpy, scipy and matplotlib, which take
seconds. A test checks this table against the commands themselves."""


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
    """Loads each command when it is used (`COMMANDS`); turns `SimulatorError` and
    click's usage errors into a one-line message and its exit status, and a stop signal
    into status 128 + its number."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__package__}.{cmd_name}")  # registers the command
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their short help, as click lists them, without loading them."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=text).get_short_help_str(limit))
            for name, text in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))

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


def option_names(ctx: click.Context) -> dict[str, str]:
    """Each setting's option as the user types it (`max_replications` → `--max-replications`),
    from every command of the group, for messages the engine phrases with setting names;
    an on/off flag's off switch as `no_` and its name (`no_keep_replications`)."""
    group = ctx.command
    commands = (
        [group.get_command(ctx, name) for name in group.list_commands(ctx)]
        if isinstance(group, click.Group)
        else [group]
    )
    names: dict[str, str] = {}
    for command in commands:
        for param in command.params if command is not None else ():
            if isinstance(param, click.Option) and param.name:
                long = [o for o in param.opts if o.startswith("--")]
                names.setdefault(param.name, (long or param.opts)[0])
                if param.secondary_opts:
                    names.setdefault(f"no_{param.name}", param.secondary_opts[0])
    return names


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
