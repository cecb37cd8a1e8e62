"""`visitsim app`: the what-if page of a scenario, on this machine."""

from __future__ import annotations

from pathlib import Path

import click

from ..api.whatif import WhatIf
from ..errors import InputError
from ..executors import Executor
from ..tuning import Base
from .main import main
from .options import executor_options, out_option, param_option, scenario_options


@main.command()
@scenario_options
@param_option(
    "An assumption to move, with its range (repeatable; default: the scenario's uncertain: block)."
)
@click.option(
    "--replications",
    "-n",
    type=int,
    default=200,
    show_default=True,
    help="Replications per ordering of each re-ranking (the page can change it).",
)
@click.option("--seed", type=int, help="Random seed (default: the scenario's experiment.seed).")
@executor_options
@out_option
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Anything but 127.0.0.1 lets other machines reach the page.",
)
@click.option("--port", type=int, help="Port to listen on (default: a free one).")
@click.option("--no-browser", is_flag=True, help="Do not open a browser on the page.")
def app(
    scenario: Path,
    overrides: tuple[str, ...],
    params: tuple[str, ...],
    replications: int,
    seed: int | None,
    executor: Executor,
    out: Path,
    host: str,
    port: int | None,
    no_browser: bool,
) -> None:
    """A local web page to move SCENARIO's uncertain assumptions and watch the ranking
    move: the ranking, the recommended calendar and the paired differences are redrawn
    on the same worlds at each move, then each assumption's nearest tipping points are
    found in the background; a variant file and a full run of it are a button away.
    Ctrl-C stops it."""
    try:
        from ..app.serve import LOCAL, serve  # noqa: PLC0415 - optional extra
    except ImportError as error:
        raise InputError(
            "visitsim app needs the app extra: pip install 'visitsim[app]' (make run installs it)"
        ) from error
    session = WhatIf(
        Base.load(scenario, overrides),
        params=params,
        replications=replications,
        seed=seed,
        executor=executor,
    )
    if host != LOCAL:
        click.echo(
            f"warning: listening on {host}: other machines can reach the page and run "
            "simulations on this one",
            err=True,
        )

    def announce(address: str) -> None:
        click.echo(f"The what-if page of {session.base.scenario.name}: {address} (Ctrl-C stops it)")

    serve(session, out, host=host, port=port, browser=not no_browser, announce=announce)
