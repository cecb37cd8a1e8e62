"""`visitsim robustness`: which ordering holds up across plausible assumptions."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from ..executors import Executor
from ..experiment import resolve_design
from ..output.robustness_report import robustness_page
from ..output.tables import ordering_arrows
from ..output.terminal import Pieces, Printer
from ..output.tuning_figures import write_robustness_figures
from ..output.tuning_files import (
    robustness_sentence,
    write_robustness,
)
from ..output.tuning_report import write_page
from ..tuning import Base, parse_param, run_robustness
from ..tuning.robustness import DEFAULT_SAMPLES, check_robustness
from .main import main
from .options import scenario_options, tuning_options
from .recording import echo_json, tuning_run, tuning_settings
from .sweep import DEFAULT_REPLICATIONS

ROWS = 10
"""Orderings shown in the terminal table (all are in robustness.csv)."""


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
@tuning_options(DEFAULT_REPLICATIONS, "in each setting")
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
    assumptions, samples = check_robustness(base, [parse_param(p) for p in params], samples)
    replications, seed, _ = resolve_design(base.scenario, replications, seed)
    settings = tuning_settings(
        seed, replications, executor, overrides, samples=samples, params=list(params)
    )
    description = f"robustness of {base.scenario.name}"
    with tuning_run(out, "robustness", base, settings, quiet, description) as (directory, bar):
        done = run_robustness(
            base,
            list(assumptions),
            samples=samples,
            replications=replications,
            seed=seed,
            executor=executor,
            progress=bar,
        )
        document = write_robustness(directory, done)
        write_robustness_figures(directory, done)
    write_page(directory, lambda: robustness_page(directory, done, document))
    if fmt == "json":
        echo_json(document, directory)
        return
    console = Printer()
    table = Table(
        title=f"{base.scenario.name}: {len(done.orderings)} orderings in {len(done.settings)} "
        f"settings x {done.replications} replications (seed {done.seed})",
        title_justify="left",
        caption="mean, worst: mean utility across settings and in the worst one. regret: "
        "shortfall from the best ordering of each setting (mean, 90th percentile, max). "
        "best: share of settings where it is best.",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("rank", justify="right")
    table.add_column("ordering")
    for name in ("mean", "worst", "regret", "p90", "max", "best"):
        table.add_column(name, justify="right", no_wrap=True, overflow="fold")
    for row in document["orderings"][:ROWS]:
        table.add_row(
            str(row["rank"]),
            Pieces(ordering_arrows(row["ordering"])),
            f"{row['mean_utility']:.2f}",
            f"{row['worst']:.2f}",
            f"{row['regret_mean']:.3f}",
            f"{row['regret_p90']:.3f}",
            f"{row['regret_max']:.3f}",
            f"{row['share_best']:.0%}",
        )
    if len(done.orderings) > ROWS:
        table.caption += f" {len(done.orderings) - ROWS} more orderings in robustness.csv."
    console.print(table)
    console.print(robustness_sentence(done))
    console.lines([f"Results: {directory.path}"])
