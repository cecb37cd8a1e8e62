"""The figures of a run, drawn from the files of its results directory.

Everything here reads what a run wrote (manifest.json, scenario.resolved.yaml,
summary.json, ranking.csv, rank_probabilities.csv, replications.csv.gz) and never
simulates, so a run and a later rebuild of its report draw the same pictures. The
top orderings keep the same colour in every figure (`plotting.color` of their
position in the ranking), and every title names the scenario and the replications.
This module lists the figures and draws the utility, rank-probability and ECDF
figures; `timeline` draws the calendar of the top orderings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..errors import SettingError
from ..types import FloatArray
from .plotting import (
    color,
    constant,
    date_origin,
    line_style,
    mark_constant,
    new_figure,
    ranked_label,
    save_png,
    suptitle,
)
from .runfiles import RankingRow, RunFiles
from .timeline import TIMELINES, timeline_figure

TOP = 5
"""Orderings shown in the utility, ECDF and timeline figures (best first)."""
MAX_TOP = 100
"""Most orderings a figure draws: beyond it the lines and swatches cannot be told apart."""
HEATMAP_ROWS = 24
"""Largest number of orderings (and ranks) drawn in the rank-probability heatmap."""


@dataclass(frozen=True)
class FigureSpec:
    """A figure file, its title in the report, and how to read it."""

    name: str
    title: str
    caption: str


FIGURES = (
    FigureSpec(
        "utility.png",
        "Utility distributions and the evidence",
        "Left: the spread of utility over replications for the top orderings, best "
        "first. The diamond is the mean with its confidence interval (the ranking's "
        "statistic); the line across each violin is the median. Wide, overlapping "
        "violins are normal: every ordering faces the same worlds. Right: the evidence "
        "the ranking rests on, each ordering's mean difference to the best in the same "
        "replications with its confidence interval (ranking.csv's diff_best columns). An "
        "interval wholly left of 0 means that ordering is worse than the best; one that "
        "reaches 0 means the two cannot be told apart with these replications.",
    ),
    FigureSpec(
        "rank_probabilities.png",
        "Rank probabilities",
        "Row: an ordering (best first); column: a rank; cell: the bootstrap probability "
        "that the ordering holds that rank. A single dark cell per row means a settled "
        "ranking; mass spread over several columns means neighbouring orderings cannot "
        "be told apart with these replications.",
    ),
    FigureSpec(
        "ecdf.png",
        "Time to the first visit and final climate",
        "Empirical distribution functions for the top orderings: the share of "
        "replications at or below each value. Left: days until the first visit (a curve "
        "further left is faster; no visit at all counts as the horizon). Right: the "
        "relationship climate at the end of the horizon (further right is warmer). Each "
        "ordering has its own colour, line style and marker; a metric that is the same "
        "in every replication is marked as constant instead of drawn.",
    ),
    FigureSpec(
        "timeline.png",
        "Timelines of the top orderings",
        "Each row is a visitor, in plan order. The bar spans the 5–95% range of the day "
        "the visit starts (the darker part 25–75%), the black tick is the median, and "
        "the percentage on the right is the share of replications in which the visit "
        "happened at all. Grey areas are the gates that block that visitor: a summit "
        "window (hatched) as its fixed dates; a gate closed until an uncertain day as "
        "dark grey up to its median opening day and light grey up to its 95% quantile, "
        "including any chance of a crisis that extends it.",
    ),
)


# --- drawing ------------------------------------------------------------------------


def _quantile_box(ax: Axes, run: RunFiles, row: RankingRow, i: int) -> bool:
    """Utility's 25-75% box and 5-95% whiskers from summary.json (replications not
    kept); False if summary.json has no quantiles either (a knockout tournament)."""
    q = run.metric_summary(row.ordering, "utility")
    if q["q05"] is None:
        return False
    ax.plot([q["q05"], q["q95"]], [i, i], color=color(i), lw=1.2)
    ax.add_patch(
        Rectangle(
            (q["q25"], i - 0.25), q["q75"] - q["q25"], 0.5, facecolor=color(i), alpha=0.45, lw=0
        )
    )
    ax.plot([q["q50"], q["q50"]], [i - 0.3, i + 0.3], color="0.2", lw=1.2)
    return True


def _differences_panel(ax: Axes, rows: Sequence[RankingRow], percent: int) -> None:
    """Each ordering's paired mean difference to the best with its interval, as the
    ranking computed them (ranking.csv's diff_best columns); nothing is recomputed."""
    ax.axvline(0.0, color="0.3", lw=1, ls="--")
    for i, row in enumerate(rows):
        if row.diff_best is None or row.diff_best_low is None or row.diff_best_high is None:
            continue
        ax.errorbar(
            row.diff_best,
            i,
            xerr=[[row.diff_best - row.diff_best_low], [row.diff_best_high - row.diff_best]],
            fmt="o",
            color=color(i),
            ms=6,
            capsize=4,
            lw=1.8,
        )
    right = ax.secondary_yaxis("right")
    right.set_yticks(
        range(len(rows)),
        [
            "best"
            if i == 0
            else ""
            if r.diff_best is None
            else "identical in every replication"
            if r.diff_best_low == r.diff_best_high == 0
            else f"{r.diff_best:+.3f} [{r.diff_best_low:+.3f}, {r.diff_best_high:+.3f}]"
            for i, r in enumerate(rows)
        ],
        fontsize=8,
    )
    ax.set_xlabel(f"paired difference to the best, mean and {percent}% CI")
    ax.grid(axis="x", alpha=0.3)


def utility_figure(run: RunFiles, top: int = TOP) -> Figure:
    """Violins of utility for the top orderings (mean, CI and median marked), beside
    the evidence: each one's paired difference to the best with its interval.

    A run that did not keep its replications shows boxes (25-75%) and whiskers
    (5-95%) from the quantiles in summary.json instead of violins. A run whose ranking
    has no differences to the best (written by an earlier visitsim) gets no second panel.
    """
    rows = run.ranking[:top]
    kept = run.kept_replications
    data = run.replications([r.ordering for r in rows], ("utility",)) if kept else {}
    evidence = any(r.diff_best is not None for r in rows[1:])
    figure = new_figure(11.0 if evidence else 9.0, 1.5 + 0.55 * len(rows))
    if evidence:
        ax, diff_ax = figure.subplots(1, 2, sharey=True, width_ratios=(3, 2))
    else:
        ax = figure.add_subplot()
    percent = round(100 * run.summary.get("confidence", 0.95))
    boxes = False
    for i, row in enumerate(rows):
        if not kept:
            boxes = _quantile_box(ax, run, row, i) or boxes
        else:
            _violin(ax, data[row.ordering][:, 0], i)
        ax.errorbar(
            row.mean,
            i,
            xerr=[[row.mean - row.ci_low], [row.ci_high - row.mean]],
            fmt="D",
            color="black",
            mfc="white",
            ms=6,
            capsize=4,
            lw=1.5,
        )
    ax.set_yticks(range(len(rows)), [ranked_label(run.scenario, r.rank, r.ordering) for r in rows])
    for i, tick in enumerate(ax.get_yticklabels()):
        tick.set_color(color(i))
    ax.set_ylim(len(rows) - 0.5, -0.5)
    means = [
        f"{r.mean:.2f} [{r.ci_low:.2f}, {r.ci_high:.2f}]"
        + ("" if r.p_best is None else f"  P(best) {r.p_best:.2f}")
        for r in rows
    ]
    ax.secondary_yaxis("right").set_yticks(range(len(rows)), means, fontsize=8)
    if evidence:
        _differences_panel(diff_ax, rows, percent)
    ax.set_xlabel("utility (the scenario's objective), per replication")
    ax.grid(axis="x", alpha=0.3)
    handles = _utility_legend(percent, median=kept or boxes, boxes=boxes, evidence=evidence)
    figure.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False
    )
    count = len(run.ranking)
    what = f"utility of the top {len(rows)} of {count} orderings"
    suptitle(figure, f"{run.scenario.name}: {what}", run.size_text)
    return figure


def _violin(ax: Axes, values: FloatArray, i: int) -> None:
    """One ordering's utilities (missing ones left out) as a violin in row `i`, unless
    they are all alike, with their median marked."""
    values = values[~np.isnan(values)]
    if values.size > 1 and np.ptp(values) > 0:
        parts = ax.violinplot(
            [values], [i], orientation="horizontal", widths=0.8, showextrema=False
        )
        # matplotlib's stubs type each entry as one Collection; "bodies" is a list of them
        for body in parts["bodies"]:  # type: ignore[attr-defined]
            body.set_facecolor(color(i))
            body.set_edgecolor(color(i))
            body.set_alpha(0.45)
    if values.size:
        median = float(np.median(values))
        ax.plot([median, median], [i - 0.3, i + 0.3], color="0.2", lw=1.2)


def _utility_legend(percent: int, *, median: bool, boxes: bool, evidence: bool) -> list[Line2D]:
    """The utility figure's legend entries: the mean and CI, then the marks it shows."""
    handles = [Line2D([], [], marker="D", color="black", mfc="white", label=f"mean, {percent}% CI")]
    if median:
        handles.append(Line2D([], [], color="0.2", label="median"))
    if boxes:
        handles.append(
            Line2D([], [], color="0.5", lw=6, alpha=0.45, label="25-75%, whiskers 5-95%")
        )
    if evidence:
        handles.append(
            Line2D([], [], marker="o", color="0.3", label=f"difference to the best, {percent}% CI")
        )
    return handles


def rank_figure(run: RunFiles, top: int = TOP) -> Figure | None:
    """Heatmap of P(ordering holds rank j), orderings best first (None without the matrix)."""
    matrix = run.rank_probabilities
    if matrix is None:
        return None
    k = matrix.shape[0]
    m = min(k, HEATMAP_ROWS)
    shown = matrix[:m, :m]
    ranks = [str(j + 1) for j in range(m)]
    if k > m:
        shown = np.column_stack([shown, matrix[:m, m:].sum(axis=1)])
        ranks.append(f"{m + 1}+")
    figure = new_figure(8.5, 1.6 + 0.26 * m)
    ax = figure.add_subplot()
    image = ax.imshow(shown, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    size = 8 if m <= 12 else 5.5
    for (r, c), p in np.ndenumerate(shown):
        if p >= 0.005:
            shade = "white" if p > 0.6 else "black"
            ax.text(c, r, f"{p:.2f}", ha="center", va="center", fontsize=size, color=shade)
    ax.set_xticks(range(len(ranks)), ranks, fontsize=size + 1)
    labels = [ranked_label(run.scenario, row.rank, row.ordering) for row in run.ranking[:m]]
    ax.set_yticks(range(m), labels, fontsize=size + 1)
    for i, tick in enumerate(ax.get_yticklabels()[:top]):
        tick.set_color(color(i))
    ax.set_xlabel("rank")
    figure.colorbar(image, ax=ax, label="P(rank)", shrink=0.8)
    what = "rank probabilities" + (f" of the top {m} of {k} orderings" if k > m else "")
    suptitle(figure, f"{run.scenario.name}: {what}", run.size_text)
    return figure


def _ecdf(ax: Axes, values: FloatArray, total: int, **style: Any) -> None:
    finite = np.sort(values[~np.isnan(values)])
    if finite.size:
        share = np.arange(1, finite.size + 1) / max(total, 1)
        ax.step(np.r_[finite[0], finite], np.r_[0.0, share], where="post", **style)


def ecdf_figure(run: RunFiles, top: int = TOP) -> Figure | None:
    """ECDFs of days to first visit and of final climate for the top orderings (None
    when the run did not keep its replications)."""
    if not run.kept_replications:
        return None
    scenario = run.scenario
    rows = run.ranking[:top]
    metrics = ("days_to_first_visit", "final_climate")
    data = run.replications([r.ordering for r in rows], metrics)
    figure = new_figure(9.5, 4.6)
    axes = figure.subplots(1, 2, sharey=True)
    for ax, j in zip(axes, range(2), strict=True):
        flat = constant([data[row.ordering][:, j] for row in rows])
        if flat is not None:
            mark_constant(ax, flat, f"the top {len(rows)} orderings")
            continue
        for i, row in enumerate(rows):
            values = data[row.ordering][:, j]
            label = ranked_label(scenario, row.rank, row.ordering)
            _ecdf(ax, values, values.size, lw=1.6, label=label, **line_style(i))
    axes[0].set_xlim(0, scenario.horizon_days)
    axes[0].set_xlabel(f"days to the first visit (no visit = {scenario.horizon_days:g})")
    start = date_origin(scenario)
    dates = axes[0].secondary_xaxis("top", functions=(lambda d: d + start, lambda n: n - start))
    dates.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6))
    dates.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    dates.tick_params(labelsize=8)
    axes[1].set_xlim(*scenario.climate.bounds)
    axes[1].set_xlabel("final relationship climate")
    axes[0].set_ylabel("share of replications at or below")
    for ax in axes:
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    handles, labels = max((ax.get_legend_handles_labels() for ax in axes), key=lambda h: len(h[0]))
    figure.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    what = f"time to the first visit and final climate, top {len(rows)} orderings"
    suptitle(figure, f"{scenario.name}: {what}", run.size_text)
    return figure


DRAWERS: dict[str, Callable[[RunFiles, int], Figure | None]] = {
    "utility.png": utility_figure,
    "rank_probabilities.png": rank_figure,
    "ecdf.png": ecdf_figure,
    "timeline.png": lambda run, top: timeline_figure(run, min(top, TIMELINES)),
}


def check_top(top: int) -> None:
    """Refuse a number of orderings to draw outside 1 to MAX_TOP."""
    if not 1 <= top <= MAX_TOP:
        raise SettingError(f"{{top}} must be between 1 and {MAX_TOP} (got {top})", setting="top")


def write_figures(run: RunFiles, *, top: int = TOP) -> list[str]:
    """Draw every figure of a run, read from its files, into `figures/`; return the
    paths written, relative to the run directory."""
    check_top(top)
    written = []
    for spec in FIGURES:
        figure = DRAWERS[spec.name](run, top)
        if figure is not None:
            save_png(figure, run.path / "figures" / spec.name)
            written.append(f"figures/{spec.name}")
    return written
