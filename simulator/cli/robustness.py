"""`visitsim robustness`: which ordering holds up across plausible assumptions."""

from __future__ import annotations

from pathlib import Path

import click

from .. import api
from ..executors import Executor
from ..output.rundir import argv
from ..output.tuning_console import print_robustness
from ..tuning import Base
from ..tuning.robustness import DEFAULT_SAMPLES
from .main import main
from .options import scenario_options, tuning_options
from .recording import echo_json, settings_bar


@main.command()
@scenario_options
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH",
    help="A contested assumption and its plausible range, e.g. host.preference.bonus=0:2 "
    "(repeatable).",
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
    replications: int,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """Run every ordering of SCENARIO under sampled settings of the contested
    assumptions; report mean utility, worst case, regret and how often each is best."""
    base = Base.load(scenario, overrides)
    with settings_bar(f"robustness of {base.scenario.name}", replications, quiet) as bar:
        done = api.robustness(
            base,
            api.RobustnessSettings(
                params=params,
                samples=samples,
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
        print_robustness(done.result, done.document, done.directory)
