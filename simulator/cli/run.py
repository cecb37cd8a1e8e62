"""`visitsim run`: simulate a scenario's candidate orderings and rank them."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from ..api import run_scenario
from ..executors import make_executor
from ..experiment import AdaptiveSettings
from ..output.rundir import argv
from ..output.terminal import (
    LazyProgress,
    design_sentence,
    mcb_sentence,
    ranking_document,
    ranking_table,
)
from ..scenario import load_scenario
from .main import main
from .options import executor_options, out_option, scenario_options


@main.command()
@scenario_options
@click.option(
    "--replications",
    "-n",
    type=int,
    help="Fixed design: replications per ordering (default: the scenario's "
    "experiment.replications).",
)
@click.option("--seed", type=int, help="Random seed (default: the scenario's experiment.seed).")
@click.option(
    "--design",
    type=click.Choice(["fixed", "adaptive"]),
    default="fixed",
    show_default=True,
    help="fixed: the same N replications for every ordering. adaptive: the "
    "Kim-Nelson procedure eliminates orderings as evidence accumulates and "
    "stops with a guaranteed selection.",
)
@click.option(
    "--delta",
    type=float,
    help="Adaptive: indifference zone δ, the smallest utility difference worth "
    "detecting (default: 0.05 x the utility's sd in a pilot run).",
)
@click.option(
    "--alpha",
    type=float,
    default=0.05,
    show_default=True,
    help="Adaptive: 1 - alpha is the probability of a correct selection.",
)
@click.option(
    "--n0",
    type=int,
    default=20,
    show_default=True,
    help="Adaptive: first-stage replications of every ordering.",
)
@click.option(
    "--batch",
    type=int,
    default=50,
    show_default=True,
    help="Adaptive: replications simulated between elimination checks.",
)
@click.option(
    "--max-replications",
    type=int,
    help="Adaptive: budget per ordering; a run that hits it has no guarantee.",
)
@executor_options
@out_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Print a table, or one JSON document on stdout.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar (it goes to stderr).")
def run(
    scenario: Path,
    overrides: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    design: str,
    delta: float | None,
    alpha: float,
    n0: int,
    batch: int,
    max_replications: int | None,
    executor: str,
    workers: int | None,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """Simulate the candidate orderings of SCENARIO and rank them."""
    loaded = load_scenario(scenario, overrides)
    pool = make_executor(executor, workers)
    adaptive = (
        AdaptiveSettings(
            delta=delta, alpha=alpha, n0=n0, batch=batch, max_replications=max_replications
        )
        if design == "adaptive"
        else None
    )
    progress = LazyProgress(Console(stderr=True), f"simulating {loaded.name}")
    with progress:
        done = run_scenario(
            loaded,
            replications=replications,
            adaptive=adaptive,
            seed=seed,
            executor=pool,
            out=out,
            command=argv(),
            progress=None if quiet else progress,
        )
    if fmt == "json":
        document = {
            "scenario": loaded.name,
            "seed": done.result.seed,
            "design": {k: v for k, v in done.design.items() if k != "eliminated_at"},
            "recommendation": done.recommendation,
            "results": str(done.directory),
            "ranking": ranking_document(done.ranking, done.design),
        }
        click.echo(json.dumps(document, indent=2))
        return
    console = Console()
    size = (
        f"{done.result.replications} replications each"
        if adaptive is None
        else f"adaptive KN, {int(done.result.counts.sum()):,} replications"
    )
    title = (
        f"{loaded.name}: {len(done.result.orderings)} orderings, {size}, seed {done.result.seed}"
    )
    console.print(ranking_table(done.ranking, done.design, title))
    for line in (done.recommendation, mcb_sentence(done.ranking), design_sentence(done.design)):
        if line:
            console.print(line)
    console.print(f"Results: {done.directory}")
