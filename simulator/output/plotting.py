"""Shared plotting conventions: colours, labels, figure size, deterministic PNGs.

Every figure module draws through these helpers, so that an ordering has the same
colour in every figure of a run and PNG files are byte-stable for the same inputs.
Figures are plain `Figure` objects rendered by the Agg canvas: no pyplot, no global
state, no display needed.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from ..scenario import Scenario
from ..types import FloatArray, Ordering
from . import files

PALETTE = tuple(to_rgb(c) for c in matplotlib.color_sequences["tab10"])
"""Colours by position in the ranking: the best ordering is always the first colour."""
LINESTYLES = ("-", "--", "-.", ":", (0, (6, 2, 1, 2, 1, 2)))
MARKERS = ("o", "s", "^", "D", "v")
"""Line styles and markers by position, so overlapping curves stay apart in grey too."""
DPI = 150
"""Pixels per inch of every PNG: sharp on a slide (a 9-inch figure is 1350 px wide)."""


def color(position: int) -> tuple[float, float, float]:
    """The colour of the ordering at this position (0 = best) of a ranking."""
    return PALETTE[position % len(PALETTE)]


def line_style(position: int) -> dict[str, Any]:
    """Colour, line style and a few markers of the curve of the ordering at this position."""
    return {
        "color": color(position),
        "linestyle": LINESTYLES[position % len(LINESTYLES)],
        "marker": MARKERS[position % len(MARKERS)],
        "markevery": (0.03 * (position % len(MARKERS)), 0.12),
        "markersize": 4.5,
        "markerfacecolor": "white",
    }


def ordering_label(scenario: Scenario, ordering: Ordering) -> str:
    """A readable ordering: the visitors' family names joined by arrows."""
    return " → ".join(scenario.visitor(v).name.split()[-1] for v in ordering)


def ranked_label(scenario: Scenario, rank: int, ordering: Ordering) -> str:
    """A readable ordering after its rank (`1. Blinken → Yellen`)."""
    return f"{rank}. {ordering_label(scenario, ordering)}"


def suptitle(figure: Figure, heading: str, detail: str) -> None:
    """The figure's title: what it shows, and under it the size of the run behind it."""
    figure.suptitle(f"{heading}\n{detail}", fontsize=10)


def date_origin(scenario: Scenario) -> float:
    """The scenario's day 0 as a matplotlib date number: day d is drawn at origin + d."""
    return float(mdates.date2num(dt.datetime.combine(scenario.start, dt.time())))


def constant(samples: Iterable[FloatArray]) -> float | None:
    """The one value every sample takes (missing values aside), or None if they vary."""
    values = np.concatenate([np.asarray(x, dtype=np.float64).ravel() for x in samples])
    values = values[~np.isnan(values)]
    if values.size and values.min() == values.max():
        return float(values[0])
    return None


def mark_constant(ax: Axes, value: float, who: str) -> None:
    """Say on a panel that its metric is constant, instead of drawing a flat curve."""
    ax.text(
        0.5,
        0.5,
        f"constant: {value:g} in every replication\nof {who}; nothing to compare",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        color="0.3",
        bbox={"boxstyle": "round", "facecolor": "0.95", "edgecolor": "0.7"},
    )


def new_figure(width: float = 8.0, height: float = 4.5) -> Figure:
    """A figure of the standard size."""
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def save_png(figure: Figure, path: Path) -> None:
    """Write the figure as PNG atomically, without time stamps in its metadata.

    Matplotlib's drawing warnings (a glyph the font lacks, a layout that does not fit)
    are about the picture, not the run: they are not printed among the results.
    """
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(buffer, format="png", metadata={"Software": None})
    files.write_bytes(path, buffer.getvalue())
