"""Rebuild a run's figures and report.html from its files, without simulating."""

from __future__ import annotations

from pathlib import Path

from ..output.figures import TOP, check_top, write_figures
from ..output.report import write_report
from ..output.rundir import exclusive
from ..output.runfiles import RunFiles


def rebuild_report(directory: Path, *, top: int = TOP) -> list[Path]:
    """Redraw the figures (of the `top` orderings) and report.html of the run in
    `directory` from its files; return the files written. Holds the run's lock, so a
    process still writing the run is never raced."""
    check_top(top)
    RunFiles.check(directory)  # a results directory, before a lock file is made in it
    with exclusive(directory):
        run = RunFiles.read(directory)  # once for both: a ranking can be large
        figures = write_figures(run, top=top)
        page = write_report(run, top=top)
    return [*(directory / name for name in figures), page]
