"""What `visitsim score` prints: a compact table of the events' scores, the totals, and
what each score means, at the terminal's width."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.table import Table

from ..evidence.events import label
from ..evidence.score import Scores
from .score_files import MEANINGS, score_sentence, skipped_lines
from .score_report import observed_text
from .terminal import Printer


def print_score(s: Scores, directory: Path) -> None:
    """Each event's observed day, forecast and scores; the totals; the scores' meaning."""
    console = Printer()
    table = Table(
        title=f"Days from {s.forecast.scenario.start}, censored at day {s.censor:g}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("event", overflow="fold")
    for name in ("observed", "median [50%]", "P(by)", "CRPS", "Brier", "log", "PIT"):
        table.add_column(name, justify="right", no_wrap=True)
    for e in s.events:
        table.add_row(
            label(e.event),
            observed_text(e.event, s.until),
            f"{e.quantiles[2]:.0f} [{e.quantiles[1]:.0f}, {e.quantiles[3]:.0f}]",
            f"{e.p_happened:.0%}",
            f"{e.crps:.2f}" if e.crps < 10 else f"{e.crps:.1f}",
            f"{e.brier:.2f}",
            f"{e.log:.2f}",
            f"{e.pit:.2f}",
        )
    console.print(score_sentence(s), table)
    for line in skipped_lines(s):
        console.print(line)
    console.print(" ".join(MEANINGS))
    console.lines([f"Results: {directory}"])
