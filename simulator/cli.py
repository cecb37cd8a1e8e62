"""The `visitsim` command line: parse options, call the Python API, print.

Errors a user can cause (`SimulatorError`) print one message and exit with status 2
(bad input) or 1; `--debug` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from .api import run_scenario
from .errors import SimulatorError
from .executors import EXECUTORS, make_executor
from .experiment import AdaptiveSettings
from .output.rundir import argv
from .output.terminal import (
    LazyProgress,
    design_sentence,
    mcb_sentence,
    ranking_document,
    ranking_table,
    scenario_summary,
    scenario_summary_text,
)
from .scenario import load_scenario

F = TypeVar("F", bound=Callable[..., Any])


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


def scenario_options(command: F) -> F:
    """The options every command that reads a scenario shares."""
    command = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override a scenario value, e.g. host.preference.penalty=2 "
        "(repeatable; list items by id: visitors.kerry.earliest_day=30).",
    )(command)
    return click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))(command)


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
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="process",
    show_default=True,
    help="Where replications run: this process, or local worker processes.",
)
@click.option("--workers", type=int, help="Worker processes (default: all cores).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Root folder of results directories.",
)
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


@main.command()
@scenario_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print a summary, or one JSON document on stdout.",
)
def validate(scenario: Path, overrides: tuple[str, ...], fmt: str) -> None:
    """Check SCENARIO: print its errors (file:line: field: problem) or a summary."""
    summary = scenario_summary(load_scenario(scenario, overrides))
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(scenario_summary_text(summary))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
