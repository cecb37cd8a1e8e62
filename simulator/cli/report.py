"""`visitsim report`: rebuild a run's figures and report.html from its files."""

from __future__ import annotations

from pathlib import Path

import click

from ..api import rebuild_report
from ..output.figures import TOP
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
    written = rebuild_report(run_dir, top=top)
    if not quiet:
        click.echo("\n".join(map(str, written)))
