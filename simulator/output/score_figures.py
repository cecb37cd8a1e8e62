"""The calibration figure of `visitsim score`: PIT histogram and interval coverage.

Left, a histogram of the events' randomized PIT values against the flat line a
calibrated forecast gives (a U shape: too confident; a hump: too cautious; a slope:
biased early or late). Right, the share of observed days inside each central
interval against its nominal level (on the diagonal: calibrated; below: intervals too
narrow), the 50% and 90% levels marked.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..evidence.score import CURVE_LEVELS, LEVELS, Scores
from .plotting import color, new_figure, save_png, suptitle
from .rundir import RunDirectory

FIGURE = "figures/calibration.png"


def _bins(events: int) -> int:
    """Histogram bins: about five events per bin, between 4 and 10."""
    return int(min(10, max(4, events // 5)))


def calibration_figure(s: Scores) -> Figure:
    """PIT histogram (left) and central-interval coverage against nominal (right)."""
    figure = new_figure(9.0, 4.0)
    hist, cover = figure.subplots(1, 2)
    pits = np.array([e.pit for e in s.events])
    bins = _bins(pits.size)
    heights, _, _ = hist.hist(
        pits, bins=bins, range=(0, 1), density=True, color=color(0), edgecolor="white"
    )
    hist.axhline(1.0, color="0.3", linestyle="--", linewidth=1, label="calibrated")
    hist.set_xlim(0, 1)
    hist.set_ylim(0, 1.3 * max(1.0, float(np.max(heights))))  # room for the legend
    hist.set_xlabel("PIT of the observed day (0: earliest in the forecast, 1: latest)")
    hist.set_ylabel("density")
    hist.set_title(f"PIT histogram, {pits.size} events", fontsize=9)
    hist.legend(loc="upper center", fontsize=8)
    hist.grid(alpha=0.3)

    curve = s.curve()
    cover.plot([0, 1], [0, 1], color="0.3", linestyle="--", linewidth=1, label="nominal")
    cover.plot(CURVE_LEVELS, curve, color=color(0), marker="o", markersize=4, label="observed")
    marked = [CURVE_LEVELS.index(level) for level in LEVELS]
    cover.plot(
        [CURVE_LEVELS[k] for k in marked],
        [curve[k] for k in marked],
        linestyle="none",
        marker="o",
        markersize=9,
        markerfacecolor="none",
        markeredgecolor="black",
        label=", ".join(f"{round(CURVE_LEVELS[k] * 100)}%: {curve[k]:.0%}" for k in marked),
    )
    cover.set_xlim(0, 1)
    cover.set_ylim(0, 1.02)
    cover.set_xlabel("central forecast interval (nominal coverage)")
    cover.set_ylabel("share of observed days inside")
    cover.set_title("Interval coverage against nominal", fontsize=9)
    cover.legend(loc="best", fontsize=8)
    cover.grid(alpha=0.3)
    when = "start" if s.as_of is None else f"day {s.as_of:g}"
    f = s.forecast
    suptitle(
        figure,
        f"{f.scenario.name}: calibration of the forecast as of {when}",
        f"{f.replications:,} replications, seed {f.seed}; record to day {s.until:g}",
    )
    return figure


def write_score_figures(directory: RunDirectory, s: Scores) -> None:
    """figures/calibration.png."""
    save_png(calibration_figure(s), directory.path / FIGURE)
    directory.manifest["files"].append(FIGURE)
