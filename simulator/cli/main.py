"""The `visitsim` command group and its error handling.

Errors a user can cause (`SimulatorError`) print one message and exit with status 2
(bad input) or 1; `--debug` shows the traceback instead.
"""

from __future__ import annotations

from typing import Any

import click

from ..errors import SimulatorError


class _Group(click.Group):
    """Turns `SimulatorError` into a one-line message and its exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SimulatorError as error:
            if ctx.meta.get("debug"):
                raise
            click.echo(f"error: {error}", err=True)
            ctx.exit(error.exit_code)


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
