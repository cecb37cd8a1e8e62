"""The figures of a run, drawn from the files of its results directory.

Everything here reads what a run wrote (manifest.json, scenario.resolved.yaml,
summary.json, ranking.csv, rank_probabilities.csv, replications.csv.gz) and never
simulates, so `visitsim run` and `visitsim report RUN_DIR` draw the same pictures.
The top orderings keep the same colour in every figure (`plotting.color` of their
position in the ranking), and every title names the scenario and the replications.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..errors import InputError
from ..scenario import Scenario, UntilGate, Visitor, WindowGate
from ..types import FloatArray
from .plotting import (
    color,
    constant,
    line_style,
    mark_constant,
    new_figure,
    ordering_label,
    save_png,
)
from .runfiles import RankingRow, RunFiles

TOP = 5
MAX_TOP = 100
"""Most orderings a figure draws: beyond it the lines and swatches cannot be told apart."""
"""Orderings shown in the utility, ECDF and timeline figures (best first)."""
TIMELINES = 3
"""Orderings that get a timeline panel."""
HEATMAP_ROWS = 24
"""Largest number of orderings (and ranks) drawn in the rank-probability heatmap."""
GRID = 1000
"""Uniforms per distribution in the deterministic grid behind gate-opening quantiles."""


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


# --- gates --------------------------------------------------------------------------


def opening_quantiles(gate: UntilGate, quantiles: Sequence[float]) -> FloatArray:
    """Quantiles of the day an `until` gate opens, from its distributions' `ppf`.

    Without a crisis they are `opens.ppf(q)`. With one, the opening day is a mixture:
    `opens` with probability 1 - p, `max(opens, deadline) + extension` with probability
    p; its quantiles are read off a deterministic grid of uniforms (no sampling noise).
    """
    q = np.asarray(quantiles, dtype=np.float64)
    if gate.crisis is None or gate.deadline is None:
        return gate.opens.ppf(q)
    u = (np.arange(GRID) + 0.5) / GRID
    opens = gate.opens.ppf(u)
    extension = gate.crisis.extension.ppf(u[:: max(1, GRID // 100)])
    late = (np.maximum(opens, gate.deadline)[:, None] + extension[None, :]).ravel()
    p = gate.crisis.probability
    values = np.concatenate([opens, late])
    weights = np.concatenate(
        [np.full(opens.size, (1.0 - p) / opens.size), np.full(late.size, p / late.size)]
    )
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    index = np.searchsorted(cumulative, q * cumulative[-1] - 1e-12)
    return values[order][np.minimum(index, values.size - 1)]


def blocking_gates(scenario: Scenario, visitor: Visitor) -> list[WindowGate | UntilGate]:
    """The gates that block this visitor (by id or by track)."""
    return [g for g in scenario.gates if g.id in visitor.gates or visitor.track in g.tracks]


# --- drawing ------------------------------------------------------------------------


def _label(run: RunFiles, row: RankingRow) -> str:
    return f"{row.rank}. {ordering_label(run.scenario, row.ordering)}"


def _title(figure: Figure, run: RunFiles, what: str) -> None:
    figure.suptitle(f"{run.scenario.name}: {what}\n{run.size_text}", fontsize=10)


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
            values = data[row.ordering][:, 0]
            values = values[~np.isnan(values)]
            if values.size > 1 and np.ptp(values) > 0:
                parts = ax.violinplot(
                    [values], [i], orientation="horizontal", widths=0.8, showextrema=False
                )
                for body in parts["bodies"]:
                    body.set_facecolor(color(i))
                    body.set_edgecolor(color(i))
                    body.set_alpha(0.45)
            if values.size:
                median = float(np.median(values))
                ax.plot([median, median], [i - 0.3, i + 0.3], color="0.2", lw=1.2)
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
    ax.set_yticks(range(len(rows)), [_label(run, r) for r in rows])
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
    handles = [Line2D([], [], marker="D", color="black", mfc="white", label=f"mean, {percent}% CI")]
    if kept or boxes:
        handles.append(Line2D([], [], color="0.2", label="median"))
    if boxes:
        handles.append(
            Line2D([], [], color="0.5", lw=6, alpha=0.45, label="25-75%, whiskers 5-95%")
        )
    if evidence:
        handles.append(
            Line2D([], [], marker="o", color="0.3", label=f"difference to the best, {percent}% CI")
        )
    figure.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False
    )
    count = len(run.ranking)
    _title(figure, run, f"utility of the top {len(rows)} of {count} orderings")
    return figure


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
    ax.set_yticks(range(m), [_label(run, row) for row in run.ranking[:m]], fontsize=size + 1)
    for i, tick in enumerate(ax.get_yticklabels()[:top]):
        tick.set_color(color(i))
    ax.set_xlabel("rank")
    figure.colorbar(image, ax=ax, label="P(rank)", shrink=0.8)
    what = "rank probabilities" + (f" of the top {m} of {k} orderings" if k > m else "")
    _title(figure, run, what)
    return figure


def _ecdf(ax: Axes, values: FloatArray, total: int, **style: Any) -> None:
    finite = np.sort(values[~np.isnan(values)])
    if finite.size:
        share = np.arange(1, finite.size + 1) / max(total, 1)
        ax.step(np.r_[finite[0], finite], np.r_[0.0, share], where="post", **style)


def _start_num(scenario: Scenario) -> float:
    return float(mdates.date2num(dt.datetime.combine(scenario.start, dt.time())))


def ecdf_figure(run: RunFiles, top: int = TOP) -> Figure | None:
    """ECDFs of days to first visit and of final climate for the top orderings (None
    when the run did not keep its replications)."""
    if not run.kept_replications:
        return None
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
            _ecdf(ax, values, values.size, lw=1.6, label=_label(run, row), **line_style(i))
    scenario = run.scenario
    axes[0].set_xlim(0, scenario.horizon_days)
    axes[0].set_xlabel(f"days to the first visit (no visit = {scenario.horizon_days:g})")
    start = _start_num(scenario)
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
    _title(figure, run, f"time to the first visit and final climate, top {len(rows)} orderings")
    return figure


HATCHES = ("///", "\\\\\\", "xxx", "...", "+++")


def _gate_bands(scenario: Scenario) -> dict[str, list[tuple[float, float, dict[str, Any]]]]:
    """Per gate id, the (start day, length, style) bands that show it on a timeline."""
    bands: dict[str, list[tuple[float, float, dict[str, Any]]]] = {}
    windows = 0
    for gate in scenario.gates:
        if isinstance(gate, WindowGate):
            hatch = HATCHES[windows % len(HATCHES)]
            windows += 1
            style = {"facecolor": "0.85", "edgecolor": "0.45", "hatch": hatch, "lw": 0}
            bands[gate.id] = [(gate.start_day, gate.end_day - gate.start_day, style)]
        else:
            median, q95 = (float(x) for x in opening_quantiles(gate, (0.5, 0.95)))
            bands[gate.id] = [
                (0.0, median, {"facecolor": "0.55", "alpha": 0.45, "lw": 0}),
                (median, q95 - median, {"facecolor": "0.55", "alpha": 0.2, "lw": 0}),
            ]
    return bands


def _gate_legend(scenario: Scenario, bands: dict[str, Any]) -> list[Any]:
    start = scenario.start
    handles: list[Any] = []
    for gate in scenario.gates:
        first = bands[gate.id][0]
        if isinstance(gate, WindowGate):
            a = start + dt.timedelta(days=gate.start_day)
            b = start + dt.timedelta(days=gate.end_day)
            handles.append(
                Patch(**first[2], label=f"{gate.id}: window from {a:%d %b} until {b:%d %b}")
            )
        else:
            median = start + dt.timedelta(days=bands[gate.id][0][1])
            late = start + dt.timedelta(days=bands[gate.id][1][0] + bands[gate.id][1][1])
            handles.append(Patch(**first[2], label=f"{gate.id}: closed to median ({median:%d %b})"))
            handles.append(
                Patch(**bands[gate.id][1][2], label=f"{gate.id}: to 95% quantile ({late:%d %b})")
            )
    return handles


def timeline_figure(run: RunFiles, top: int = TIMELINES) -> Figure:
    """Per top ordering, each visitor's visit-day band on the calendar, with gates shaded
    (the mean day alone when the run kept no replications to take quantiles from)."""
    scenario = run.scenario
    rows = run.ranking[:top]
    visitors = len(scenario.visitors)
    figure = new_figure(9.5, 1.6 + len(rows) * (0.55 + 0.42 * visitors))
    axes = figure.subplots(len(rows), 1, sharex=True, squeeze=False)[:, 0]
    origin = _start_num(scenario)
    bands = _gate_bands(scenario)
    for i, (ax, row) in enumerate(zip(axes, rows, strict=True)):
        happened = []
        for j, vid in enumerate(row.ordering):
            visitor = scenario.visitor(vid)
            for gate in blocking_gates(scenario, visitor):
                for x0, width, style in bands[gate.id]:
                    if width > 0:
                        ax.broken_barh([(origin + x0, width)], (j - 0.45, 0.9), **style)
            stats = run.metric_summary(row.ordering, f"day.{vid}")
            happened.append(stats["n"] / max(row.replications, 1))
            if not stats["n"]:
                continue
            if stats["q05"] is None:  # no replications kept: the mean visit day only
                ax.plot([origin + stats["mean"]] * 2, [j - 0.3, j + 0.3], color="black", lw=2)
                continue
            q05, q25, q50, q75, q95 = (stats[k] for k in ("q05", "q25", "q50", "q75", "q95"))
            bar = {"facecolor": color(i), "lw": 0}
            ax.broken_barh([(origin + q05, q95 - q05)], (j - 0.17, 0.34), alpha=0.35, **bar)
            ax.broken_barh([(origin + q25, q75 - q25)], (j - 0.17, 0.34), alpha=0.85, **bar)
            ax.plot([origin + q50] * 2, [j - 0.3, j + 0.3], color="black", lw=2)
            try:
                asked, accepted = (
                    run.metric_summary(row.ordering, f"{prefix}.{vid}")["q50"]
                    for prefix in ("request_day", "accept_day")
                )
            except KeyError:  # a run from before requests were recorded
                asked = accepted = None
            if asked is not None and accepted is not None:  # the paperwork before the visit
                ax.plot([origin + asked, origin + q50], [j + 0.32] * 2, color="0.45", lw=0.8)
                ax.plot(origin + asked, j + 0.32, "o", ms=4, mfc="white", mec="0.25")
                ax.plot(origin + accepted, j + 0.32, "D", ms=3.5, color="0.25")
        ax.set_yticks(range(visitors), [scenario.visitor(v).name for v in row.ordering])
        ax.set_ylim(visitors - 0.5, -0.5)
        right = ax.secondary_yaxis("right")
        right.set_yticks(range(visitors), [f"{h:.0%}" for h in happened], fontsize=8)
        right.set_ylabel("visited", fontsize=8)
        p_best = "" if row.p_best is None else f", P(best) {row.p_best:.2f}"
        ax.set_title(
            f"{_label(run, row)} (mean utility {row.mean:.2f}{p_best})",
            loc="left",
            fontsize=9,
            color=color(i),
        )
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlim(origin, origin + scenario.horizon_days)
    locator = mdates.AutoDateLocator(maxticks=10)
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    handles = [
        Patch(facecolor="0.3", alpha=0.35, label="visit start: 5–95%"),
        Patch(facecolor="0.3", alpha=0.85, label="25–75%"),
        Line2D([], [], color="black", lw=2, label="median"),
        Line2D([], [], marker="o", ms=4, mfc="white", mec="0.25", ls="", label="asks (median)"),
        Line2D([], [], marker="D", ms=3.5, color="0.25", ls="", label="accepted (median)"),
        *_gate_legend(scenario, bands),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    _title(figure, run, f"visit timelines of the top {len(rows)} orderings")
    return figure


DRAWERS: dict[str, Callable[[RunFiles, int], Figure | None]] = {
    "utility.png": utility_figure,
    "rank_probabilities.png": rank_figure,
    "ecdf.png": ecdf_figure,
    "timeline.png": lambda run, top: timeline_figure(run, min(top, TIMELINES)),
}


def write_figures(run_dir: Path, *, top: int = TOP) -> list[str]:
    """Draw every figure of a run from its files into `figures/`; return the paths
    written, relative to the run directory."""
    if not 1 <= top <= MAX_TOP:
        raise InputError(f"--top must be between 1 and {MAX_TOP} (got {top})")
    run = RunFiles.read(run_dir)
    written = []
    for spec in FIGURES:
        figure = DRAWERS[spec.name](run, top)
        if figure is not None:
            save_png(figure, run.path / "figures" / spec.name)
            written.append(f"figures/{spec.name}")
    return written
