"""`visitsim sweep`: vary one or two assumptions; find where the best ordering flips."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..output.tuning_console import print_sweep
from .main import main
from .options import scenario_options
from .recording import Tuning, tuning_options


@main.command()
@scenario_options
@click.option(
    "--vary",
    "varies",
    multiple=True,
    metavar="PATH=START:STOP:N",
    help="A numeric scenario field and its grid, e.g. host.preference.bonus=0:2:9 (once or "
    "twice; default: the first assumption the scenario declares uncertain).",
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
    tuning: Tuning,
) -> None:
    """Rank every ordering at each point of a grid over one or two assumptions of
    SCENARIO, and locate the tipping points where the best ordering changes."""
    done = tuning.run(
        "sweeping",
        scenario,
        overrides,
        lambda base, shared: api.sweep(
            base, api.SweepSettings(varies=varies, tolerances=tolerances, **shared)
        ),
    )
    tuning.show(done, lambda result, _, directory: print_sweep(result, directory))
