"""`visitsim sweep`: vary one or two assumptions; find where the best ordering flips."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from ..executors import Executor
from ..experiment import resolve_design
from ..output.sweep_report import sweep_page
from ..output.tables import ordering_arrows
from ..output.terminal import Pieces, Printer
from ..output.tuning_figures import write_sweep_figures
from ..output.tuning_files import tipping_sentence, write_sweep
from ..output.tuning_report import write_page
from ..tuning import Base, parse_vary, run_sweep
from ..tuning.sweep import check_sweep
from .main import main
from .options import scenario_options, tuning_options
from .recording import echo_json, tuning_run, tuning_settings

DEFAULT_REPLICATIONS = 200


@main.command()
@scenario_options
@click.option(
    "--vary",
    "varies",
    multiple=True,
    required=True,
    metavar="PATH=START:STOP:N",
    help="A numeric scenario field and its grid, e.g. host.preference.bonus=0:2:9 (once or twice).",
)
@click.option(
    "--tolerance",
    "tolerances",
    multiple=True,
    type=float,
    help="Width to which tipping points are located, in the field's units (once, or "
    "once per --vary; default: an eighth of the grid step).",
)
@tuning_options(DEFAULT_REPLICATIONS, "at each point")
def sweep(
    scenario: Path,
    overrides: tuple[str, ...],
    varies: tuple[str, ...],
    tolerances: tuple[float, ...],
    replications: int,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """Rank every ordering at each point of a grid over one or two assumptions of
    SCENARIO, and locate the tipping points where the best ordering changes."""
    base = Base.load(scenario, overrides)
    checked, tols = check_sweep(base, [parse_vary(v) for v in varies], tolerances)
    replications, seed, _ = resolve_design(base.scenario, replications, seed)
    settings = tuning_settings(
        seed, replications, executor, overrides, vary=list(varies), tolerances=list(tols)
    )
    description = f"sweeping {base.scenario.name}"
    with tuning_run(out, "sweep", base, settings, quiet, description) as (directory, bar):
        done = run_sweep(
            base,
            list(checked),
            replications=replications,
            seed=seed,
            tolerances=tols,
            executor=executor,
            progress=bar,
        )
        document = write_sweep(directory, done)
        write_sweep_figures(directory, done)
    write_page(directory, lambda: sweep_page(directory, done, document))
    if fmt == "json":
        echo_json(document, directory)
        return
    console = Printer()
    table = Table(
        title=f"{base.scenario.name}: {len(done.orderings)} orderings x {done.replications} "
        f"replications per point (seed {done.seed})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for a in done.axes:
        table.add_column(Pieces(a.path, "."), justify="right", overflow="fold")
    table.add_column("best ordering")
    table.add_column("margin over runner-up", justify="right", overflow="fold")
    for p in done.points:
        if not p.grid:
            continue
        m = p.margin
        table.add_row(
            *(f"{v:g}" for v in p.values),
            Pieces(ordering_arrows(done.orderings[p.best])),
            f"{m.mean:.3f} [{m.ci_low:.3f}, {m.ci_high:.3f}]",
        )
    console.print(table)
    if not done.tipping_points:
        console.print("The best ordering is the same at every grid point: no tipping point.")
    for t in done.tipping_points:
        console.print(tipping_sentence(done, t))
    console.lines([f"Results: {directory.path}"])
