"""report.html of compare, sweep, sensitivity and robustness: the page `run` writes, with
each command's own sections.

Every page has the same template (`templates/tuning.html.j2`, which extends the shared
`page.html.j2`) and style as run's report: the question, the answer in a sentence, the
tables behind it, the figures (embedded) and the provenance from the final manifest.
Sections are built here from the command's result and the JSON document it wrote, with
the same sentences the terminal prints, so the page and the terminal never disagree.
A page is written once the command's manifest is final; if drawing it fails, the
result files stay and the manifest records why (`presentation_error`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..scenario import Scenario
from ..stats.compare import QUANTILES, Difference, VariantComparison
from ..tuning.compare import OrderingComparison, Variant
from ..tuning.robustness import Robustness
from ..tuning.sensitivity import Sensitivity
from ..tuning.sweep import Sweep
from . import files
from .page import embed_figure, provenance, render_page
from .rundir import RunDirectory
from .tuning_figures import REGRET_ROWS, safe_name
from .tuning_files import (
    Document,
    comparison_sentence,
    robustness_sentence,
    variants_sentence,
)

ROWS = 50
"""Orderings listed in a page's tables at most; the CSV files have them all."""


@dataclass(frozen=True)
class Table:
    """A table of a page: a CSS class, a header, text cells; `numeric` columns align
    right; `best` highlights the first row."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()
    best: bool = False
    title: str = ""
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A section of a page: a lead sentence (the answer), paragraphs, tables, figures."""

    id: str
    title: str
    lead: Sequence[str] = ()
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table] = ()
    figures: Sequence[dict[str, str]] = ()
    no_figures: str = ""


@dataclass(frozen=True)
class Page:
    """A command's page: its heading, a line under it, and its sections."""

    heading: str
    meta: str
    sections: Sequence[Section]


def _names(ordering: Sequence[str]) -> str:
    """An ordering as the terminal and the command's sentences write it (visitor ids)."""
    return "→".join(ordering)


def _g(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or math.isnan(x) else f"{x:.{digits}g}"


def _f(x: float | None, digits: int = 3) -> str:
    return "–" if x is None or math.isnan(x) else f"{x:.{digits}f}"


def _interval(d: Difference | Document) -> str:
    """A mean difference and its confidence interval."""
    mean, low, high = (
        (d.mean, d.ci_low, d.ci_high)
        if isinstance(d, Difference)
        else (d["mean"], d["ci_low"], d["ci_high"])
    )
    return f"{_f(mean)} [{_f(low)}, {_f(high)}]"


def _share(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _question(scenario: Scenario, text: str) -> Section:
    paragraphs = [text]
    if scenario.description:
        paragraphs.append(f"The scenario: {scenario.description}")
    return Section("question", "The question", paragraphs=paragraphs)


def _figures_section(directory: RunDirectory, specs: Sequence[tuple[str, str, str]]) -> Section:
    """The figures (file, title, caption) the command drew, embedded."""
    drawn = (embed_figure(directory.path, *spec) for spec in specs)
    return Section(
        "figures",
        "Figures",
        figures=[figure for figure in drawn if figure is not None],
        no_figures="The command drew no figures.",
    )


def _size(document: Document) -> str:
    return f"{document['replications']:,} replications, seed {document['seed']}"


# --- compare ---------------------------------------------------------------------------------


def comparison_page(directory: RunDirectory, done: OrderingComparison, document: Document) -> Page:
    """compare SCENARIO --ordering A --ordering B: the metrics side by side, quantiles,
    ECDFs and paired differences."""
    scenario = done.result.scenario
    a, b = (_names(o) for o in done.orderings)
    percent = round(document["confidence"] * 100)
    metrics = Table(
        "comparison",
        ("metric", "mean A", "mean B", f"A − B [{percent}% CI]", "A better", "B better"),
        [
            [
                m["metric"] + (" ↓" if m["better"] == "lower" else ""),
                _g(m["mean_a"]),
                _g(m["mean_b"]),
                _interval(m["difference"]),
                _share(m["p_a_better"]),
                _share(m["p_b_better"]),
            ]
            for m in document["metrics"]
        ],
        numeric=frozenset(range(1, 6)),
        note="↓: lower is better. A better: the share of replications in which A's outcome "
        "is better than B's in the same world.",
    )
    tests = Table(
        "tests",
        ("metric", "Wilcoxon p", "KS p", "r", "d_z", "dominates", "ECDFs cross"),
        [
            [
                m["metric"],
                _g(m["wilcoxon"]["p_value"], 2),
                "–" if m["ks"] is None else _g(m["ks"]["p_value"], 2),
                _f(m["rank_biserial"], 2),
                _g(m["cohen_dz"]),
                m["dominance"]["verdict"],
                str(len(m["dominance"]["crossings"])),
            ]
            for m in document["metrics"]
        ],
        numeric=frozenset(range(1, 7)),
        title="Tests and effect sizes",
        note="Wilcoxon signed-rank and two-sample KS p-values; r: rank-biserial effect size "
        "(+1: A higher in every pair); d_z: mean / sd of the differences; dominates: a, b, "
        "equal or none (first-order stochastic dominance).",
    )
    quantiles = Table(
        "quantiles",
        ("metric", "", *(f"{q:.0%}" for q in QUANTILES)),
        [
            [
                m["metric"] if key == "a" else "",
                label,
                *(_g(m["quantiles"][f"q{round(q * 100):02d}"][key]) for q in QUANTILES),
            ]
            for m in document["metrics"]
            for key, label in (("a", "A"), ("b", "B"), ("difference", "A − B"))
        ],
        numeric=frozenset(range(2, 2 + len(QUANTILES))),
        title="Quantiles",
        note="A − B: quantiles of the paired differences, not the difference of quantiles.",
    )
    specs = [
        spec
        for c in done.comparisons
        for spec in (
            (
                f"figures/ecdf_{safe_name(c.metric)}.png",
                f"{c.metric}: distributions",
                "Empirical distribution functions of both orderings over the same worlds: "
                "the share of replications at or below each value.",
            ),
            (
                f"figures/difference_{safe_name(c.metric)}.png",
                f"{c.metric}: paired differences",
                "A − B in each replication (same world for both); the dashed line is no "
                "difference, the solid one the mean difference.",
            ),
        )
    ]
    return Page(
        heading=f"{scenario.name}: {a} or {b}?",
        meta=f"visitsim compare · {_size(document)}",
        sections=(
            _question(
                scenario,
                f"How do two orderings compare on the same simulated worlds? A: {a}. B: {b}.",
            ),
            Section(
                "result",
                "Result",
                lead=[comparison_sentence(c) for c in done.comparisons],
                tables=(metrics, tests, quantiles),
            ),
            _figures_section(directory, specs),
        ),
    )


def variants_page(a: Variant, b: Variant, done: VariantComparison, document: Document) -> Page:
    """compare A B (runs or scenario variants): how the ranking moves between them."""
    scenario = a.result.scenario
    percent = round(done.confidence * 100)
    utility = done.metrics[0]
    order = sorted(range(len(done.orderings)), key=lambda k: done.rank_a[k])
    table = Table(
        "variants",
        ("#A", "#B", "ordering", "mean A", "mean B", f"B − A [{percent}% CI]"),
        [
            [
                str(done.rank_a[k]),
                str(done.rank_b[k]),
                _names(done.orderings[k]),
                _f(float(utility.mean_a[k]), 2),
                _f(float(utility.mean_b[k]), 2),
                _interval(utility.differences[k]),
            ]
            for k in order[:ROWS]
        ],
        numeric=frozenset({0, 1, 3, 4, 5}),
        best=True,
        note="#A, #B: rank by mean utility in A and in B."
        + (
            f" {len(order) - ROWS} more orderings are in variants.csv." if len(order) > ROWS else ""
        ),
    )
    moves = [m for m in document["largest_moves"] if m["move"] != 0]
    paragraphs = []
    if moves:
        paragraphs.append(
            "Largest rank moves: "
            + "; ".join(f"{_names(m['ordering'])} {m['rank_a']} → {m['rank_b']}" for m in moves)
            + "."
        )
    if len(done.metrics) > 1:
        others = ", ".join(m.metric for m in done.metrics[1:])
        paragraphs.append(f"Per-ordering differences of {others} are in variants.csv.")
    sides = [
        f"{side}: {v['source']} ({v['scenario']}, {v['kind']}, {v['replications']:,} "
        f"replications, seed {v['seed']})"
        for side, v in (("A", document["a"]), ("B", document["b"]))
    ]
    return Page(
        heading=f"{scenario.name}: how does the ranking move between two variants?",
        meta=f"visitsim compare · {len(done.orderings):,} shared orderings",
        sections=(
            _question(
                scenario,
                "How does the ranking of the orderings change from A to B? "
                + " ".join(f"{s}." for s in sides),
            ),
            Section(
                "result",
                "Result",
                lead=[variants_sentence(done)],
                paragraphs=paragraphs,
                tables=(table,),
            ),
        ),
    )


# --- sweep, sensitivity, robustness ----------------------------------------------------------


def sweep_page(directory: RunDirectory, sweep: Sweep, document: Document) -> Page:
    """sweep: the best ordering at each grid point and where it flips."""
    scenario = sweep.base.scenario
    paths = [a.path for a in sweep.axes]
    percent = round(sweep.confidence * 100)
    points = Table(
        "points",
        (*paths, "best ordering", f"margin over the runner-up [{percent}% CI]"),
        [
            [
                *(f"{v:g}" for v in p.values),
                _names(sweep.orderings[p.best]),
                _interval(p.margin),
            ]
            for p in sweep.points
            if p.grid
        ],
        numeric=frozenset({*range(len(paths)), len(paths) + 1}),
        note="The grid points; the refinement points that locate each tipping point are in "
        "sweep_points.csv, and every ordering at every point in sweep.csv.",
    )
    lead = [t["statement"] for t in document["tipping_points"]] or [
        "The best ordering is the same at every grid point: no tipping point."
    ]
    figure = (
        ("figures/sweep.png", "Mean utility along the sweep", _SWEEP_CAPTION)
        if len(sweep.axes) == 1
        else ("figures/sweep_map.png", "The best ordering over the grid", _MAP_CAPTION)
    )
    ranges = "; ".join(
        f"{a.path} from {a.low:g} to {a.high:g} ({a.points} points)" for a in sweep.axes
    )
    return Page(
        heading=f"{scenario.name}: where does the best ordering change?",
        meta=f"visitsim sweep · {len(sweep.orderings):,} orderings · {_size(document)} per point",
        sections=(
            _question(
                scenario,
                f"Every ordering is ranked at each point of a grid over {ranges}, on common "
                "random numbers; where the best ordering changes, the tipping point is located "
                "between neighbouring points.",
            ),
            Section("result", "Result", lead=lead, tables=(points,)),
            _figures_section(directory, (figure,)),
        ),
    )


_SWEEP_CAPTION = (
    "Mean utility of the orderings that are best somewhere (and the next highest), with "
    "their confidence bands, against the varied assumption; dotted lines are the tipping "
    "points."
)
_MAP_CAPTION = "Each grid cell coloured by its best ordering; x marks the tipping points."


def sensitivity_page(directory: RunDirectory, s: Sensitivity, document: Document) -> Page:
    """sensitivity: which assumptions move the selected ordering's margin, and how much."""
    scenario = s.base.scenario
    margin = s.outputs[0]
    morris = s.method == "morris"
    headers = ("mu*", "mu", "sigma") if morris else ("ST [95% CI]", "S1")
    rows = []
    for row in (r for r in document["indices"] if r["output"] == "margin"):
        if morris:
            cells = [_g(row["mu_star"]), _g(row["mu"]), _g(row["sigma"])]
        else:
            ci = f"[{_g(row['total_ci_low'])}, {_g(row['total_ci_high'])}]"
            cells = [f"{_g(row['total'])} {ci}", _g(row["first"])]
        rows.append(
            [
                row["parameter"],
                f"{row['low']:g} to {row['high']:g}",
                *cells,
                _g(row["at_low"]),
                _g(row["at_high"]),
            ]
        )
    what = (
        "mu*: mean absolute change of the margin per full range of the assumption; mu: "
        "signed; sigma: spread (non-linearity, interactions)."
        if morris
        else "ST: share of the margin's variance due to the assumption with its "
        "interactions; S1: alone."
    )
    table = Table(
        "indices",
        ("assumption", "range", *headers, "at LOW", "at HIGH"),
        rows,
        numeric=frozenset(range(2, 4 + len(headers))),
        title="Influence on the selected ordering's margin, most influential first",
        note=f"{what} At LOW / HIGH: the margin with that assumption at its bound, the others "
        "as in the scenario.",
    )
    measure = "mu*" if morris else "ST"
    others = [
        f"Mean utility of {_names(out.output.removeprefix('mean:').split(','))}: "
        + ", ".join(
            f"{s.assumptions[i].path} {measure} {out.influence[i]:.3g}" for i in out.ranked()
        )
        + "."
        for out in s.outputs[1:]
    ]
    selected = _names(s.orderings[s.selected])
    return Page(
        heading=f"{scenario.name}: which assumptions move the recommendation?",
        meta=f"visitsim sensitivity · {s.method}, {s.settings:,} settings · {_size(document)} "
        "per setting",
        sections=(
            _question(
                scenario,
                f"How much does each assumption, over its plausible range, move the margin of "
                f"{selected} over the best other ordering (and the top orderings' mean utility)?",
            ),
            Section(
                "result",
                "Result",
                lead=[
                    f"Selected ordering: {selected}; its margin over the best other ordering "
                    f"is {margin.base:.3g} in the scenario as given."
                ],
                paragraphs=others,
                tables=(table,),
            ),
            _figures_section(
                directory,
                (
                    (
                        "figures/tornado.png",
                        "Tornado of the margin",
                        "The selected ordering's margin with one assumption at LOW and at HIGH "
                        "(the others as in the scenario), most influential assumption at the "
                        "top; a bar crossing the dashed line at 0 means that assumption alone "
                        "can hand the lead to another ordering.",
                    ),
                ),
            ),
        ),
    )


def robustness_page(directory: RunDirectory, r: Robustness, document: Document) -> Page:
    """robustness: which ordering holds up across the sampled settings (regret)."""
    scenario = r.base.scenario
    rows = document["orderings"]
    table = Table(
        "robustness",
        ("rank", "ordering", "mean", "worst", "mean regret", "p90 regret", "max regret", "best"),
        [
            [
                str(row["rank"]),
                _names(row["ordering"]),
                _f(row["mean_utility"], 2),
                _f(row["worst"], 2),
                _f(row["regret_mean"]),
                _f(row["regret_p90"]),
                _f(row["regret_max"]),
                _share(row["share_best"]),
            ]
            for row in rows[:ROWS]
        ],
        numeric=frozenset({0, *range(2, 8)}),
        best=True,
        note="mean, worst: mean utility across the settings and in the worst one. Regret: the "
        "shortfall from the best ordering of each setting (mean, 90th percentile, max). Best: "
        "the share of settings in which it is best."
        + (
            f" {len(rows) - ROWS} more orderings are in robustness.csv." if len(rows) > ROWS else ""
        ),
    )
    ranges = "; ".join(f"{a.path} from {a.low:g} to {a.high:g}" for a in r.assumptions)
    shown = min(len(r.orderings), REGRET_ROWS)
    return Page(
        heading=f"{scenario.name}: which ordering holds up when the assumptions are uncertain?",
        meta=f"visitsim robustness · {len(r.settings)} settings · {_size(document)} per setting",
        sections=(
            _question(
                scenario,
                f"Every ordering runs in {len(r.settings)} settings sampled by Latin hypercube "
                f"over {ranges}. Which one loses least against the best of each setting?",
            ),
            Section("result", "Result", lead=[robustness_sentence(r)], tables=(table,)),
            _figures_section(
                directory,
                (
                    (
                        "figures/regret.png",
                        "Regret per ordering across settings",
                        f"The {shown} most robust orderings, lowest mean regret at the top: a dot "
                        "per sampled setting (its regret there), the black bar the mean regret, "
                        "the grey tick the 90th percentile. At right: the share of settings in "
                        "which the ordering is best.",
                    ),
                ),
            ),
        ),
    )


# --- writing -------------------------------------------------------------------------------


def write_page(directory: RunDirectory, build: Callable[[], Page]) -> None:
    """Write report.html into a finished command's folder and list it in the manifest.

    Called once the manifest is final, so the page's provenance is the manifest's. A page
    presents results but is not one: if building it fails, the manifest records why.
    """
    manifest = directory.manifest
    try:
        page = build()
        kind = str(manifest.get("kind", ""))
        per = {"compare": "", "sweep": " per point"}.get(kind, " per setting")
        settings = f"{manifest.get('replications', 0):,} replications{per}"
        html = render_page(
            "tuning.html.j2",
            command=kind,
            page=page,
            provenance=provenance(
                directory.path,
                manifest,
                str(manifest.get("scenario", {}).get("name", "")),
                settings,
                label="Results folder",
            ),
        )
        files.write_text(directory.path / "report.html", html)
    except Exception as error:  # a page must never cost the results
        manifest["presentation_error"] = f"{type(error).__name__}: {error}"
    else:
        manifest["files"].append("report.html")
    directory.save()
