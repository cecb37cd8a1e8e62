"""`visitsim calibrate`: which settings of the uncertain assumptions fit what happened."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..evidence.calibrate import RULES
from ..output.calibration_console import print_calibration
from .main import main
from .options import observed_option, param_option, scenario_options
from .recording import Tuning, tuning_options


@main.command()
@scenario_options
@observed_option("The observations file: what happened, in days from the scenario's start.")
@param_option(
    "An uncertain assumption and its range, e.g. host.acceptance=0.4:0.9 "
    "(repeatable; default: the scenario's declared uncertain assumptions)."
)
@click.option(
    "--samples",
    type=int,
    default=api.CalibrateSettings.samples,
    show_default=True,
    help="Settings per wave (a scrambled Sobol design over the wave's box).",
)
@click.option(
    "--waves",
    type=int,
    default=api.CalibrateSettings.waves,
    show_default=True,
    help="Most waves; they stop sooner once the box stops shrinking.",
)
@click.option(
    "--cutoff",
    type=float,
    default=api.CalibrateSettings.cutoff,
    show_default=True,
    help="Largest implausibility of a setting kept (3: Pukelsheim's three-sigma rule).",
)
@click.option(
    "--rule",
    type=click.Choice(RULES),
    default="max",
    show_default=True,
    help="Which event's implausibility decides: the largest, or the second largest "
    "(one misfit event is forgiven).",
)
@click.option(
    "--discrepancy",
    type=float,
    default=api.CalibrateSettings.discrepancy,
    show_default=True,
    help="Model discrepancy: the standard deviation, in days, of what no setting of the "
    "model reproduces.",
)
@click.option(
    "--ranking",
    type=int,
    default=api.CalibrateSettings.ranking,
    show_default=True,
    help="Calibrated settings at which every ordering is ranked.",
)
@tuning_options(api.SENSITIVITY_REPLICATIONS, "(and of the plan) at each setting", replan=False)
def calibrate(
    scenario: Path,
    overrides: tuple[str, ...],
    observed: Path,
    params: tuple[str, ...],
    samples: int,
    waves: int,
    cutoff: float,
    rule: str,
    discrepancy: float,
    ranking: int,
    tuning: Tuning,
) -> None:
    """Find the settings of SCENARIO's uncertain assumptions that are consistent with
    the observations (history matching), and rank the orderings across them."""
    done = tuning.run(
        "calibrating",
        scenario,
        overrides,
        lambda base, shared: api.calibrate(
            base,
            observed,
            api.CalibrateSettings(
                params=params,
                samples=samples,
                waves=waves,
                cutoff=cutoff,
                rule=rule,
                discrepancy=discrepancy,
                ranking=ranking,
                **shared,
            ),
        ),
    )
    tuning.show(done, print_calibration)
