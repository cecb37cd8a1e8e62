"""`visitsim robustness`: which ordering holds up across plausible assumptions."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..output.tuning_console import print_robustness
from ..tuning.robustness import DEFAULT_SAMPLES
from .main import main
from .options import param_option, scenario_options
from .recording import Tuning, tuning_options


@main.command()
@scenario_options
@param_option(
    "A contested assumption and its plausible range, e.g. host.preference.bonus=0:2 "
    "(repeatable; default: the assumptions the scenario declares uncertain)."
)
@click.option(
    "--samples",
    type=int,
    default=DEFAULT_SAMPLES,
    show_default=True,
    help="Settings sampled by Latin hypercube over the ranges.",
)
@tuning_options(api.SWEEP_REPLICATIONS, "in each setting")
def robustness(
    scenario: Path,
    overrides: tuple[str, ...],
    params: tuple[str, ...],
    samples: int,
    tuning: Tuning,
) -> None:
    """Run every ordering of SCENARIO under sampled settings of the contested
    assumptions; report mean utility, worst case, regret and how often each is best."""
    done = tuning.run(
        "robustness of",
        scenario,
        overrides,
        lambda base, shared: api.robustness(
            base, api.RobustnessSettings(params=params, samples=samples, **shared)
        ),
    )
    tuning.show(done, print_robustness)
