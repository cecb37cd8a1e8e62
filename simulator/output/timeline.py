"""The timeline figure of a run: when each visitor of the top orderings asks, is accepted
and visits, on the calendar, with the gates that block them shaded.

Drawn from the files of a results directory (summary.json's quantiles of the
`request_day.`, `accept_day.` and `day.` metrics) and the scenario's gates, never from a
simulation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import matplotlib.dates as mdates
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..scenario import Scenario, WindowGate
from .gates import blocking_gates, opening_quantiles
from .plotting import color, date_origin, new_figure, ranked_label, suptitle
from .runfiles import RunFiles

TIMELINES = 3
"""Orderings that get a timeline panel."""
HATCHES = ("///", "\\\\\\", "xxx", "...", "+++")
"""Hatches of the summit windows, in the order the scenario lists them."""


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
    """The legend entries of the gates' bands, each with its dates."""
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
    origin = date_origin(scenario)
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
        label = ranked_label(scenario, row.rank, row.ordering)
        ax.set_title(
            f"{label} (mean utility {row.mean:.2f}{p_best})",
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
    suptitle(
        figure,
        f"{scenario.name}: visit timelines of the top {len(rows)} orderings",
        run.size_text,
    )
    return figure
