"""`visitsim sensitivity`: which assumptions move the recommendation (Morris, Sobol)."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..output.tuning_console import print_sensitivity
from ..tuning.sensitivity import DEFAULT_SAMPLES, METHODS
from .main import main
from .options import param_option, scenario_options
from .recording import Tuning, tuning_options


@main.command()
@scenario_options
@param_option(
    "An assumption and its plausible range, e.g. host.preference.penalty=0:2 (repeatable; "
    "default: the assumptions the scenario declares uncertain)."
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="morris",
    show_default=True,
    help="morris: elementary effects (screening); sobol: variance-based indices.",
)
@click.option(
    "--samples",
    type=int,
    help=f"Morris trajectories (default {DEFAULT_SAMPLES['morris']}) or Sobol base points, "
    f"a power of 2 (default {DEFAULT_SAMPLES['sobol']}).",
)
@click.option(
    "--ordering",
    metavar="V1,V2,...",
    help="The ordering whose margin is analysed (default: the one `visitsim run` "
    "recommends for SCENARIO with this seed, found by simulating run's default design "
    "first).",
)
@click.option(
    "--top",
    type=int,
    default=3,
    show_default=True,
    help="Top orderings whose mean utility is analysed too.",
)
@tuning_options(api.SENSITIVITY_REPLICATIONS, "at each setting")
def sensitivity(
    scenario: Path,
    overrides: tuple[str, ...],
    params: tuple[str, ...],
    method: str,
    samples: int | None,
    top: int,
    ordering: str | None,
    tuning: Tuning,
) -> None:
    """How much each assumption of SCENARIO moves the selected ordering's margin over
    the runner-up, and the top orderings' mean utilities."""
    done = tuning.run(
        "sensitivity of",
        scenario,
        overrides,
        lambda base, shared: api.sensitivity(
            base,
            api.SensitivitySettings(
                params=params, method=method, samples=samples, top=top, ordering=ordering, **shared
            ),
        ),
    )
    tuning.show(done, print_sensitivity)
