"""`visitsim score`: how good was the scenario's forecast of what then happened?"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from .. import api
from ..evidence.load import load_observations, parse_as_of
from ..executors import Executor
from ..output.progress import LazyProgress
from ..output.rundir import argv
from ..output.score_console import print_score
from ..scenario import load_scenario
from .main import main
from .options import (
    executor_options,
    format_option,
    observed_option,
    out_option,
    quiet_option,
    scenario_options,
)
from .recording import echo_json


@main.command()
@scenario_options
@observed_option("The observations file: what happened, day by day, up to its end.")
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="Score the forecast as the scenario stood on DATE (what was seen by then is "
    "known; only later events are scored). Default: the scenario's start.",
)
@click.option(
    "--ordering",
    metavar="V1,V2,...",
    help="The plan the forecast runs, as visitor ids (default: the observed visit order, "
    "then the other visitors in the scenario's order).",
)
@click.option(
    "--replications",
    "-n",
    type=int,
    help="Replications of the forecast (default: the scenario's experiment.replications).",
)
@click.option("--seed", type=int, help="Random seed (default: the scenario's experiment.seed).")
@executor_options
@out_option
@format_option
@quiet_option()
def score(
    scenario: Path,
    overrides: tuple[str, ...],
    observed: Path,
    as_of: str | None,
    ordering: str | None,
    replications: int | None,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """Score SCENARIO's forecast against the events observed after its start (or
    after --as-of): CRPS of each event's day, Brier and log scores of whether it
    happened, PIT values and interval coverage, with a calibration figure."""
    loaded = load_scenario(scenario, overrides)
    observations = load_observations(observed, loaded)
    day = None if as_of is None else parse_as_of(as_of, loaded)
    bar = LazyProgress(Console(stderr=True), f"forecasting {loaded.name}", quiet=quiet)
    with bar:
        done = api.score_forecast(
            loaded,
            observations,
            api.ScoreSettings(
                as_of=day,
                ordering=ordering,
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
        print_score(done.result, done.directory)
