"""`visitsim report`: rebuild a run's figures and report.html from its files."""

from __future__ import annotations

from pathlib import Path

import click

from ..output.figures import TOP, write_figures
from ..output.report import write_report
from .main import main
from .options import quiet_option


@main.command()
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=TOP,
    show_default=True,
    help="Orderings shown in the figures (best first; timelines show at most 3).",
)
@quiet_option("Do not list the files written.")
def report(run_dir: Path, top: int, quiet: bool) -> None:
    """Rebuild the figures and report.html of RUN_DIR from its files (no simulation).

    RUN_DIR is a results directory written by `visitsim run`, e.g.
    results/us_china_2023/<run-id>.
    """
    figures = write_figures(run_dir, top=top)
    page = write_report(run_dir, top=top)
    if quiet:
        return
    for name in figures:
        click.echo(run_dir / name)
    click.echo(page)
