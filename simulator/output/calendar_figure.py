"""The calendar of an ordering as a figure: a lane per visitor in plan order, with the
days it asks, is accepted and visits as bands on a date axis (5–95% light, 25–75% dark,
a tick at the median), drawn from the same quantiles as the calendar's text
(`calendar.Calendar`), so the two always agree.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .calendar import STEPS, Calendar, Step, share_text
from .plotting import PALETTE, new_figure

Color = tuple[float, float, float]
STEP_STYLE: dict[str, tuple[Color, float]] = {
    "request": (PALETTE[1], -0.28),
    "accept": (PALETTE[2], 0.0),
    "visit": (PALETTE[0], 0.28),
}
"""Each step's colour and its offset from the middle of the visitor's lane."""
BAND = 0.22
"""Height of a step's band, in lanes."""
LIGHT, DARK = 0.3, 0.8
"""Opacity of the 5–95% and 25–75% bands."""


def _band(axes: Axes, step: Step, y: float, color: Color, origin: float) -> None:
    """One step's bands and median tick at height `y` (nothing if it never happened)."""
    if step.n == 0 or step.q50 is None:
        return
    for low, high, alpha in ((step.q05, step.q95, LIGHT), (step.q25, step.q75, DARK)):
        if low is not None and high is not None:
            bar = [(origin + low, max(high - low, 0.5))]
            axes.broken_barh(bar, (y - BAND / 2, BAND), facecolor=color, alpha=alpha, lw=0)
    tick = [y - BAND / 2 - 0.05, y + BAND / 2 + 0.05]
    axes.plot([origin + step.q50] * 2, tick, color="black", lw=1.6)


def calendar_figure(calendar: Calendar, width: float = 8.0) -> Figure:
    """The calendar's bands, one lane per visitor in plan order (by family name, as
    the run's figures name them), the share of the replications in which each visits
    on the right."""
    rows = calendar.rows
    figure = new_figure(width, 1.1 + 0.6 * len(rows))
    axes = figure.subplots()
    origin = float(mdates.date2num(dt.datetime.combine(calendar.start, dt.time())))
    for j, row in enumerate(rows):
        for (name, _, _), step in zip(STEPS, row.steps(), strict=True):
            color, offset = STEP_STYLE[name]
            _band(axes, step, j + offset, color, origin)
    lanes = range(len(rows))
    axes.set_yticks(lanes, [row.name.split()[-1] for row in rows], fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    right = axes.secondary_yaxis("right")
    visited = [share_text(row.visit.n, row.visit.replications) for row in rows]
    right.set_yticks(lanes, visited, fontsize=8)
    right.set_ylabel("visits", fontsize=8)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axes.tick_params(axis="x", labelsize=8)
    axes.grid(axis="x", alpha=0.3)
    handles = [
        *(Patch(facecolor=STEP_STYLE[name][0], label=heading) for name, _, heading in STEPS),
        Patch(facecolor="0.3", alpha=LIGHT, label="5–95%"),
        Patch(facecolor="0.3", alpha=DARK, label="25–75%"),
        Line2D([], [], color="black", lw=1.6, label="median"),
    ]
    # on the axes, above them: any layout engine makes room for it
    axes.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=2,  # the steps, then the bands: narrow enough for a phone
        fontsize=8,
        frameon=False,
    )
    return figure
