"""`visitsim compare`: two orderings of a scenario, or two variants (runs or scenarios)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict, TypeVar

import click
from rich.console import Console

from .. import api
from ..errors import InputError
from ..executors import Executor
from ..output.progress import LazyProgress
from ..output.rundir import argv
from ..output.tuning_console import print_comparison, print_variants
from ..tuning import Base
from .main import main
from .options import executor_options, format_option, out_option, quiet_option
from .recording import echo_json

R = TypeVar("R")


class _Common(TypedDict):
    """The settings both kinds of comparison take from the command line."""

    metrics: tuple[str, ...]
    replications: int | None
    seed: int | None
    out: Path
    executor: Executor
    command: tuple[str, ...]


@main.command()
@click.argument("targets", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value (repeatable; applies to every scenario file given).",
)
@click.option(
    "--ordering",
    "orderings",
    multiple=True,
    metavar="V1,V2,...",
    help="An ordering as visitor ids, e.g. blinken,yellen,raimondo,kerry (give two).",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="Outcome metric to compare (repeatable; default utility), e.g. day.kerry, "
    "days_to_first_visit, final_climate.",
)
@click.option(
    "--replications",
    "-n",
    type=int,
    help="Replications (default: the scenario's experiment.replications).",
)
@click.option(
    "--seed",
    type=int,
    help="Random seed (default: the (first) scenario's experiment.seed; scenario variants "
    "share it, so their comparison is paired).",
)
@executor_options
@out_option
@format_option
@quiet_option()
def compare(
    targets: tuple[Path, ...],
    overrides: tuple[str, ...],
    orderings: tuple[str, ...],
    metrics: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """Compare outcome distributions.

    \b
    compare SCENARIO --ordering A --ordering B   two orderings on common worlds
    compare RUN_DIR_A RUN_DIR_B                  two finished runs (results directories)
    compare SCENARIO_A SCENARIO_B                two scenario variants, run here
    """
    if len(targets) not in (1, 2):
        raise InputError(
            f"give one scenario (with two --ordering) or two variants (got {len(targets)})"
        )
    if len(targets) == 2 and orderings:
        raise InputError(
            "--ordering applies to one scenario; to compare two variants give no --ordering"
        )
    if len(targets) == 1 and len(orderings) != 2:
        raise InputError(
            f"compare SCENARIO needs exactly two --ordering options (got {len(orderings)})"
        )
    common: _Common = {
        "metrics": metrics,
        "replications": replications,
        "seed": seed,
        "out": out,
        "executor": executor,
        "command": tuple(argv()),
    }
    if len(targets) == 1:
        if targets[0].is_dir():
            raise InputError(
                f"{targets[0]} is a directory; compare SCENARIO --ordering A --ordering B takes "
                "a scenario file (to compare two runs, give two results directories)"
            )
        base = Base.load(targets[0], overrides)
        bar = LazyProgress(Console(stderr=True), f"simulating {base.scenario.name}", quiet=quiet)
        with bar:
            compared = api.compare_orderings(
                base,
                api.CompareSettings(orderings=(orderings[0], orderings[1]), progress=bar, **common),
            )
        _show(fmt, compared, print_comparison)
    else:
        bar = LazyProgress(Console(stderr=True), "simulating the variants", quiet=quiet)
        with bar:
            variants = api.compare_variants(
                targets[0],
                targets[1],
                api.VariantSettings(overrides=overrides, progress=bar, **common),
            )
        _show(fmt, variants, print_variants)


def _show(
    fmt: str, compared: api.TuningRun[R], show: Callable[[R, dict[str, Any], Path], None]
) -> None:
    """Print a finished comparison as JSON or, with `show`, as text."""
    if fmt == "json":
        echo_json(compared.document, compared.directory)
    else:
        show(compared.result, compared.document, compared.directory)
