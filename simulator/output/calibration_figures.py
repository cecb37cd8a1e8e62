"""The figure of calibrate: the calibrated sample against the declared ranges.

figures/calibrated.png is a pairwise scatter over the prior box: each panel below the
diagonal is one pair of assumptions, with every setting the waves simulated (grey:
ruled out as implausible by its wave; hollow: kept by an earlier wave; filled: the
calibrated sample) and the last wave's box dashed; each diagonal panel is a histogram
of one assumption across the sample.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..evidence.calibrate import Calibration
from ..types import FloatArray, IntArray
from .plotting import color, new_figure, save_png, suptitle
from .rundir import RunDirectory

FIGURE = "figures/calibrated.png"
RULED_OUT, KEPT, SAMPLE = 0, 1, 2
STYLES: dict[int, dict[str, Any]] = {
    RULED_OUT: {"s": 7, "color": "0.72", "linewidths": 0},
    KEPT: {"s": 12, "facecolors": "none", "edgecolors": color(0), "linewidths": 0.7},
    SAMPLE: {"s": 12, "color": color(0), "linewidths": 0},
}
"""How a setting is drawn: ruled out by its wave, kept by an earlier wave, calibrated."""


def _limits(low: float, high: float) -> tuple[float, float]:
    """A declared range with a little room, so that settings at its edge show whole."""
    room = 0.02 * (high - low)
    return low - room, high + room


def _values(c: Calibration) -> tuple[FloatArray, IntArray]:
    """Every simulated setting's values, and what became of it: RULED_OUT by its wave,
    KEPT by an earlier wave, or in the calibrated SAMPLE."""
    values, fate = [], []
    for i, w in enumerate(c.waves):
        kept = SAMPLE if i == len(c.waves) - 1 else KEPT
        for k, setting in enumerate(w.settings):
            values.append([v for _, v in setting])
            fate.append(kept if k in w.kept else RULED_OUT)
    return np.array(values), np.array(fate, dtype=np.int64)


def _histogram(ax: Axes, c: Calibration, values: FloatArray, fate: IntArray, i: int) -> None:
    """The calibrated sample of assumption i over its declared range."""
    a = c.assumptions[i]
    bins = list(np.linspace(a.low, a.high, 21))
    ax.hist(values[fate == SAMPLE, i], bins=bins, color=color(0))
    ax.set_xlim(*_limits(a.low, a.high))
    ax.set_yticks([])


def _scatter(ax: Axes, c: Calibration, values: FloatArray, fate: IntArray, i: int, j: int) -> None:
    """Assumption j (x) against i (y)."""
    x, y = c.assumptions[j], c.assumptions[i]
    for kind, style in STYLES.items():
        ax.scatter(values[fate == kind, j], values[fate == kind, i], **style)
    box = c.waves[-1].box
    ax.add_patch(
        Rectangle(
            (box[j][0], box[i][0]),
            box[j][1] - box[j][0],
            box[i][1] - box[i][0],
            fill=False,
            linestyle="--",
            linewidth=0.8,
            edgecolor="0.3",
        )
    )
    ax.set_xlim(*_limits(x.low, x.high))
    ax.set_ylim(*_limits(y.low, y.high))


def calibration_figure(c: Calibration) -> Figure:
    """The pairwise scatter (or, for one assumption, the histogram)."""
    values, fate = _values(c)
    d = len(c.assumptions)
    size = 4.5 if d == 1 else min(2.6 * d, 11.0)
    figure = new_figure(8.0 if d == 1 else size + 1.0, size)
    axes = figure.subplots(d, d, squeeze=False)
    for i in range(d):
        for j in range(d):
            ax = axes[i][j]
            if j > i:
                ax.set_axis_off()
            elif i == j:
                _histogram(ax, c, values, fate, i)
            else:
                _scatter(ax, c, values, fate, i, j)
            if i == d - 1:
                ax.set_xlabel(c.assumptions[j].path, fontsize=8)
            elif j <= i:
                ax.tick_params(labelbottom=False)
            if j == 0 and i > 0:
                ax.set_ylabel(c.assumptions[i].path, fontsize=8)
            ax.tick_params(labelsize=7)
    handles = [
        Line2D([], [], marker="o", linestyle="", color=color(0), label="calibrated sample"),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="none",
            color=color(0),
            label="kept by an earlier wave",
        ),
        Line2D([], [], marker="o", linestyle="", color="0.72", label="ruled out"),
        Line2D([], [], linestyle="--", color="0.3", label=f"wave {len(c.waves)} box"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    suptitle(
        figure,
        f"{c.base.scenario.name}: settings consistent with the observations, "
        "over the declared ranges",
        f"{len(c.sample)} of {sum(len(w.settings) for w in c.waves)} settings in "
        f"{len(c.waves)} wave(s) · {c.replications:,} replications each · seed {c.seed}",
    )
    return figure


def write_calibration_figures(directory: RunDirectory, c: Calibration) -> None:
    """figures/calibrated.png."""
    save_png(calibration_figure(c), directory.path / FIGURE)
    directory.manifest["files"].append(FIGURE)
