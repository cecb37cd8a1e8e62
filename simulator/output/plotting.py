"""Shared plotting conventions: colours, labels, figure size, deterministic PNGs.

Every figure module draws through these helpers, so that an ordering has the same
colour in every figure of a run and PNG files are byte-stable for the same inputs.
Figures are plain `Figure` objects rendered by the Agg canvas: no pyplot, no global
state, no display needed.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ..schema import Scenario
from ..types import Ordering
from . import files

PALETTE = matplotlib.colormaps["tab10"].colors
"""Colours by position in the ranking: the best ordering is always the first colour."""


def color(position: int) -> tuple[float, float, float]:
    """The colour of the ordering at this position (0 = best) of a ranking."""
    return PALETTE[position % len(PALETTE)]  # type: ignore[no-any-return]


def ordering_label(scenario: Scenario, ordering: Ordering) -> str:
    """A readable ordering: the visitors' family names joined by arrows."""
    return " → ".join(scenario.visitor(v).name.split()[-1] for v in ordering)


def new_figure(width: float = 8.0, height: float = 4.5) -> Figure:
    """A figure of the standard size."""
    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def save_png(figure: Figure, path: Path) -> None:
    """Write the figure as PNG atomically, without time stamps in its metadata."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    files.write_bytes(path, buffer.getvalue())
