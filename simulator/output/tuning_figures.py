"""Figures of compare, sweep and sensitivity, drawn through `plotting`'s conventions.

* compare: the two orderings' empirical CDFs overlaid, and a histogram of the paired
  differences A - B (one pair of figures per metric);
* sweep: for one assumption, the top orderings' mean utility against it with
  confidence bands and the tipping points marked; for two, a map of the best ordering;
* sensitivity: a tornado of the selected ordering's margin (its value with one
  assumption at LOW and at HIGH, the others as in the scenario), assumptions sorted
  by their global influence;
* robustness: each ordering's regret in every sampled setting, most robust first.
"""

from __future__ import annotations

import re

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..scenario import Scenario
from ..tuning.compare import OrderingComparison
from ..tuning.robustness import Robustness
from ..tuning.sensitivity import Sensitivity
from ..tuning.sweep import Sweep
from .plotting import (
    color,
    constant,
    line_style,
    mark_constant,
    new_figure,
    ordering_label,
    save_png,
)
from .rundir import RunDirectory

CURVES = 4
"""Orderings drawn in a 1-D sweep figure at most (those best somewhere come first)."""


def safe_name(name: str) -> str:
    """A metric name as part of a file name."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def ecdf_figure(scenario: Scenario, done: OrderingComparison, metric: str) -> Figure:
    """Both orderings' empirical CDFs of one metric (missing values left out)."""
    figure = new_figure()
    ax = figure.add_subplot()
    values = done.result.metric(metric)
    flat = constant(values)
    if flat is not None:
        mark_constant(ax, flat, "both orderings")
    for position, ordering in enumerate(done.orderings):
        x = np.sort(values[position][~np.isnan(values[position])])
        if x.size and flat is None:
            y = np.arange(1, x.size + 1) / x.size
            ax.step(
                x,
                y,
                where="post",
                label=ordering_label(scenario, ordering),
                **line_style(position),
            )
    ax.set_xlabel(metric)
    ax.set_ylabel("share of replications at or below")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"{scenario.name}: {metric}, {done.result.replications} replications")
    if flat is None:
        ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return figure


def difference_figure(scenario: Scenario, done: OrderingComparison, metric: str) -> Figure:
    """Histogram of the paired differences A - B of one metric, zero and mean marked."""
    figure = new_figure()
    ax = figure.add_subplot()
    values = done.result.metric(metric)
    d = values[0] - values[1]
    d = d[~np.isnan(d)]
    a, b = (ordering_label(scenario, o) for o in done.orderings)
    if d.size:
        if np.ptp(d) <= 1e-9 * max(1.0, float(np.abs(d).max())):  # (nearly) one value
            center = float(d.mean())
            ax.hist(d, bins=1, range=(center - 0.5, center + 0.5), color=color(0), alpha=0.7)
        else:
            bins = min(50, max(10, int(np.sqrt(d.size))))
            ax.hist(d, bins=bins, color=color(0), alpha=0.7)
        ax.axvline(float(d.mean()), color="black", label=f"mean {d.mean():.3g}")
    ax.axvline(0.0, color="grey", linestyle="--", label="no difference")
    ax.set_xlabel(f"{metric}: ({a}) − ({b}), same replication")
    ax.set_ylabel("replications")
    ax.set_title(f"{scenario.name}: paired differences, {d.size} pairs")
    ax.legend()
    return figure


def write_comparison_figures(directory: RunDirectory, done: OrderingComparison) -> None:
    """figures/ecdf_<metric>.png and figures/difference_<metric>.png for each metric."""
    scenario = done.result.scenario
    for c in done.comparisons:
        for name, draw in (("ecdf", ecdf_figure), ("difference", difference_figure)):
            file = f"figures/{name}_{safe_name(c.metric)}.png"
            save_png(draw(scenario, done, c.metric), directory.path / file)
            directory.manifest["files"].append(file)


def _curves(sweep: Sweep) -> list[int]:
    """Orderings for the 1-D figure: best somewhere (by first appearance), then the
    highest mean over the sweep."""
    chosen = list(dict.fromkeys(p.best for p in sweep.points))
    average = np.mean([p.evaluation.mean for p in sweep.points], axis=0)
    rest = [int(k) for k in np.argsort(-average, kind="stable") if k not in chosen]
    return (chosen + rest)[: max(CURVES, len(chosen))]


def sweep_curves(sweep: Sweep) -> Figure:
    """Mean utility (with CI band) of the top orderings against the varied assumption."""
    scenario = sweep.base.scenario
    figure = new_figure()
    ax = figure.add_subplot()
    x = np.array([p.values[0] for p in sweep.points])
    for position, k in enumerate(_curves(sweep)):
        mean = np.array([p.ranking.mean[k] for p in sweep.points])
        low = np.array([p.ranking.ci_low[k] for p in sweep.points])
        high = np.array([p.ranking.ci_high[k] for p in sweep.points])
        label = ordering_label(scenario, sweep.orderings[k])
        ax.plot(x, mean, color=color(position), marker=".", label=label)
        ax.fill_between(x, low, high, color=color(position), alpha=0.15, linewidth=0)
    for t in sweep.tipping_points:
        ax.axvline(t.at, color="black", linestyle=":", linewidth=1)
    ax.set_xlabel(sweep.axes[0].path)
    ax.set_ylabel("mean utility")
    percent = round(sweep.confidence * 100)
    ax.set_title(
        f"{scenario.name}: {sweep.replications} replications per point, {percent}% CI bands; "
        "dotted: tipping points"
    )
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return figure


def sweep_map(sweep: Sweep) -> Figure:
    """Grid points of a 2-D sweep coloured by their best ordering."""
    scenario = sweep.base.scenario
    grid = [p for p in sweep.points if p.grid]
    xs = sorted({p.values[0] for p in grid})
    ys = sorted({p.values[1] for p in grid})
    winners = list(dict.fromkeys(p.best for p in grid))
    cells = np.zeros((len(ys), len(xs)))
    for p in grid:
        cells[ys.index(p.values[1]), xs.index(p.values[0])] = winners.index(p.best)
    figure = new_figure(8.0, 5.5)
    ax = figure.add_subplot()
    palette = ListedColormap([color(i) for i in range(len(winners))])
    ax.pcolormesh(_edges(xs), _edges(ys), cells, cmap=palette, vmin=-0.5, vmax=len(winners) - 0.5)
    for t in sweep.tipping_points:
        point = [*t.values]
        point[t.axis] = t.at
        ax.plot(*point, marker="x", color="black", markersize=5)
    ax.set_xlabel(sweep.axes[0].path)
    ax.set_ylabel(sweep.axes[1].path)
    ax.set_title(f"{scenario.name}: best ordering, {sweep.replications} replications per point")
    handles = [
        Patch(color=color(i), label=ordering_label(scenario, sweep.orderings[k]))
        for i, k in enumerate(winners)
    ]
    handles.append(Patch(color="white", label="x: tipping points"))
    figure.legend(handles=handles, loc="outside right upper", fontsize="small")
    return figure


def _edges(values: list[float]) -> np.ndarray:
    """Cell edges around grid values (halfway between neighbours)."""
    v = np.array(values, dtype=float)
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    middle = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - middle[0]], middle, [2 * v[-1] - middle[-1]]])


def write_sweep_figures(directory: RunDirectory, sweep: Sweep) -> None:
    """figures/sweep.png (1-D curves) or figures/sweep_map.png (2-D)."""
    if len(sweep.axes) == 1:
        file, figure = "figures/sweep.png", sweep_curves(sweep)
    else:
        file, figure = "figures/sweep_map.png", sweep_map(sweep)
    save_png(figure, directory.path / file)
    directory.manifest["files"].append(file)


def tornado(s: Sensitivity) -> Figure:
    """The selected ordering's margin with each assumption at LOW and HIGH (others as
    in the scenario), assumptions sorted by global influence, most at the top."""
    margin = s.outputs[0]
    ranked = margin.ranked()
    figure = new_figure(8.0, 1.5 + 0.6 * len(ranked))
    ax = figure.add_subplot()
    measure = "mu*" if s.method == "morris" else "ST"
    labels = []
    for row, i in enumerate(reversed(ranked)):
        low, high = float(margin.swing_low[i]), float(margin.swing_high[i])
        for value, offset, shade, tag in (
            (low, 0.2, color(1), "LOW"),
            (high, -0.2, color(0), "HIGH"),
        ):
            ax.barh(
                row + offset,
                value - margin.base,
                left=margin.base,
                height=0.4,
                color=shade,
                label=tag if row == 0 else None,
            )
        a = s.assumptions[i]
        labels.append(f"{a.path}\n[{a.low:g}, {a.high:g}], {measure} = {margin.influence[i]:.3g}")
    ax.set_yticks(range(len(ranked)), labels, fontsize="small")
    ax.axvline(margin.base, color="black", linewidth=1)
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=1)
    selected = ordering_label(s.base.scenario, s.orderings[s.selected])
    ax.set_xlabel(f"margin of {selected} over the best other ordering (< 0: overtaken)")
    ax.set_title(f"{s.base.scenario.name}: {s.method} sensitivity, {s.replications} replications")
    ax.legend(title="assumption at", fontsize="small")
    return figure


def write_sensitivity_figures(directory: RunDirectory, s: Sensitivity) -> None:
    """figures/tornado.png."""
    file = "figures/tornado.png"
    save_png(tornado(s), directory.path / file)
    directory.manifest["files"].append(file)


REGRET_ROWS = 12
"""Orderings drawn in the robustness figure at most (the most robust; all are in the CSV)."""


def regret_figure(r: Robustness) -> Figure:
    """Each ordering's regret in every sampled setting (a dot per setting), with its mean
    and 90th percentile, most robust (lowest mean regret) at the top."""
    scenario = r.base.scenario
    shown = list(r.order[:REGRET_ROWS])
    figure = new_figure(9.0, 1.6 + 0.45 * len(shown))
    ax = figure.add_subplot()
    settings = r.regret.shape[0]
    spread = (np.arange(settings) % 7 - 3) * 0.07  # a fixed jitter: dots stay apart, PNG stable
    for row, k in enumerate(shown):
        ax.plot(r.regret[:, k], row + spread, "o", ms=3.5, color=color(row), alpha=0.55, lw=0)
        ax.plot([r.regret_mean[k]] * 2, [row - 0.35, row + 0.35], color="black", lw=2)
        ax.plot(r.regret_p90[k], row, "|", ms=14, mew=2, color="0.35")
    ax.set_yticks(range(len(shown)), [ordering_label(scenario, r.orderings[k]) for k in shown])
    for row, tick in enumerate(ax.get_yticklabels()):
        tick.set_color(color(row))
    right = ax.secondary_yaxis("right")
    right.set_yticks(
        range(len(shown)),
        [f"best in {r.share_best[k]:.0%}" for k in shown],
        fontsize=8,
    )
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.axvline(0.0, color="0.3", lw=1, ls="--")
    ax.set_xlabel("regret: the setting's best mean utility minus the ordering's own")
    ax.grid(axis="x", alpha=0.3)
    handles = [
        Line2D([], [], marker="o", ls="", color="0.4", label="one sampled setting"),
        Line2D([], [], color="black", lw=2, label="mean regret"),
        Line2D([], [], marker="|", ls="", ms=10, mew=2, color="0.35", label="90th percentile"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    more = "" if len(r.orderings) <= len(shown) else f" (top {len(shown)} of {len(r.orderings)})"
    figure.suptitle(
        f"{scenario.name}: regret per ordering across {settings} settings{more}\n"
        f"{r.replications} replications per setting, seed {r.seed}",
        fontsize=10,
    )
    return figure


def write_robustness_figures(directory: RunDirectory, r: Robustness) -> None:
    """figures/regret.png."""
    file = "figures/regret.png"
    save_png(regret_figure(r), directory.path / file)
    directory.manifest["files"].append(file)
