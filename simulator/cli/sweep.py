"""`visitsim sweep`: vary one or two assumptions; find where the best ordering flips."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..executors import Executor
from ..output.rundir import argv
from ..output.tuning_console import print_sweep
from ..tuning import Base
from .main import main
from .options import scenario_options, tuning_options
from .recording import echo_json, settings_bar


@main.command()
@scenario_options
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=START:STOP:N",
    help="A numeric scenario field and its grid, e.g. host.preference.bonus=0:2:9 (once or twice).",
)
@click.option(
    "--tolerance",
    "tolerances",
    multiple=True,
    type=float,
    help="Width to which tipping points are located, in the field's units (once, or "
    "once per --vary; default: an eighth of the grid step).",
)
@tuning_options(api.SWEEP_REPLICATIONS, "at each point")
def sweep(
    scenario: Path,
    overrides: tuple[str, ...],
    varies: tuple[str, ...],
    tolerances: tuple[float, ...],
    replications: int,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """Rank every ordering at each point of a grid over one or two assumptions of
    SCENARIO, and locate the tipping points where the best ordering changes."""
    base = Base.load(scenario, overrides)
    with settings_bar(f"sweeping {base.scenario.name}", replications, quiet) as bar:
        done = api.sweep(
            base,
            api.SweepSettings(
                varies=varies,
                tolerances=tolerances,
                replications=replications,
                seed=seed,
                out=out,
                executor=executor,
                progress=bar,
                command=tuple(argv()),
            ),
        )
    if fmt == "json":
        echo_json(done.document, done.directory)
    else:
        print_sweep(done.result, done.directory)
