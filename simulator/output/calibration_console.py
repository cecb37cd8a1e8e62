"""What calibrate prints: the narrowed ranges, the waves, and the orderings across the
calibrated sample, at the terminal's width."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.table import Table

from ..evidence.calibrate import Calibration
from .calibration_files import calibration_sentence, narrowing
from .tables import Document, ordering_arrows
from .terminal import Pieces, Printer

ROWS = 5
"""Orderings shown (all are in calibrated_ranking.csv)."""


def print_calibration(done: Calibration, document: Document, directory: Path) -> None:
    """The calibrated ranges, the waves' counts, and the top orderings across the sample."""
    console = Printer()
    console.print(
        f"{done.base.scenario.name}: {len(done.targets)} observed or censored event days "
        f"up to day {done.observations.until:g}; {done.replications} replications per "
        f"setting (seed {done.seed})"
    )
    console.print(*narrowing(done))
    counts = ", ".join(
        f"wave {w['wave']}: {w['non_implausible']}/{w['settings']}" for w in document["waves"]
    )
    console.print(f"Non-implausible settings: {counts}.")
    table = Table(
        title=f"Orderings from day {done.observations.until:g} on, across "
        f"{len(done.ranking.settings)} calibrated settings",
        title_justify="left",
        caption="regret: shortfall from the best ordering of each setting; best: share of "
        "settings where it is best.",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("rank", justify="right")
    table.add_column("ordering")
    for name in ("mean", "regret", "max", "best"):
        table.add_column(name, justify="right", no_wrap=True)
    for row in document["ranking"]["orderings"][:ROWS]:
        table.add_row(
            str(row["rank"]),
            Pieces(ordering_arrows(row["ordering"])),
            f"{row['mean_utility']:.2f}",
            f"{row['regret_mean']:.3f}",
            f"{row['regret_max']:.3f}",
            f"{row['share_best']:.0%}",
        )
    console.print(table)
    console.print(calibration_sentence(done))
    console.lines([f"Results: {directory}"])
