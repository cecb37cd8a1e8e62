"""What the tuning commands print: their tables and sentences, at the terminal's width.

Each function prints one finished command's result (its `TuningRun` pieces) through the
width-aware `Printer`; the JSON form is the document the command's files hold.
"""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.table import Table

from ..stats.compare import QUANTILES
from ..stats.variants import VariantComparison
from ..tuning.compare import OrderingComparison
from ..tuning.inputs import Assumption
from ..tuning.robustness import Robustness
from ..tuning.sensitivity import Sensitivity
from ..tuning.sweep import Sweep
from .compare_files import comparison_sentence, variants_sentence
from .tables import Document, ordering_arrows
from .terminal import Pieces, Printer, wrap
from .tuning_files import robustness_sentence, source_text, tipping_sentence

ROWS = 10
"""Orderings shown in the robustness table (all are in robustness.csv)."""


def _p(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


def _pv(p: float) -> str:
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def _share(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


def _caption(method: str) -> str:
    what = (
        "mu*: mean absolute change of the margin per full range of the assumption; mu: "
        "signed; sigma: spread (non-linearity, interactions)."
        if method == "morris"
        else "ST: share of the margin's variance due to the assumption with its "
        "interactions; S1: alone."
    )
    return f"{what} at LOW/HIGH: the margin with that assumption at its bound, others as given."


def _assumptions(console: Printer, assumptions: tuple[Assumption, ...], option: str) -> None:
    """Which assumptions were varied, and where they came from (with the scenario's
    reason for each declared one)."""
    console.print(f"Assumptions {source_text(assumptions, option)}:")
    for a in assumptions:
        text = f"{a.path} from {a.low:.4g} to {a.high:.4g}" + (f": {a.reason}" if a.reason else "")
        console.lines(wrap("  " + " ".join(text.split()), console.width, "    "))


def print_sweep(done: Sweep, directory: Path) -> None:
    """The best ordering at each grid point, its margin, and the tipping points."""
    console = Printer()
    table = Table(
        title=f"{done.base.scenario.name}: {len(done.orderings)} orderings x {done.replications} "
        f"replications per point (seed {done.seed})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for a in done.axes:
        table.add_column(Pieces(a.path, "."), justify="right", overflow="fold")
    table.add_column("best ordering")
    table.add_column("margin over runner-up", justify="right", overflow="fold")
    for p in done.points:
        if not p.grid:
            continue
        m = p.margin
        table.add_row(
            *(f"{v:g}" for v in p.values),
            Pieces(ordering_arrows(done.orderings[p.best])),
            f"{m.mean:.3f} [{m.ci_low:.3f}, {m.ci_high:.3f}]",
        )
    console.print(table)
    if not done.tipping_points:
        console.print("The best ordering is the same at every grid point: no tipping point.")
    for t in done.tipping_points:
        console.print(tipping_sentence(done, t))
    _assumptions(console, done.axes, "--vary")
    console.lines([f"Results: {directory}"])


def print_sensitivity(done: Sensitivity, document: Document, directory: Path) -> None:
    """The analysed ordering, and each assumption's influence on its margin."""
    console = Printer()
    selected = ordering_arrows(document["selected"])
    margin = done.outputs[0]
    behind = (
        f" (negative: at {done.replications} replications another ordering comes out ahead)"
        if margin.base < 0
        else ""
    )
    console.print(
        f"{done.base.scenario.name}: {done.method}, {done.settings} settings x {done.replications} "
        f"replications (seed {done.seed})\nSelected ordering: {selected}, "
        f"{document['selected_by']['text']}; its margin over the best other ordering is "
        f"{margin.base:.3g} in the scenario as given{behind}."
    )
    table = Table(
        title="Influence on the selected ordering's margin (most influential first)",
        title_justify="left",
        caption=_caption(done.method),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("assumption")
    headers = ("mu*", "mu", "sigma") if done.method == "morris" else ("ST [95% CI]", "S1")
    for h in (*headers, "at LOW", "at HIGH"):
        table.add_column(h, justify="right", no_wrap=True, overflow="fold")
    for row in (r for r in document["indices"] if r["output"] == "margin"):
        if done.method == "morris":
            cells = [_f(row["mu_star"]), _f(row["mu"]), _f(row["sigma"])]
        else:
            ci = f"[{_f(row['total_ci_low'])}, {_f(row['total_ci_high'])}]"
            cells = [f"{_f(row['total'])} {ci}", _f(row["first"])]
        table.add_row(Pieces(row["parameter"], "."), *cells, _f(row["at_low"]), _f(row["at_high"]))
    console.print(table)
    measure = "mu*" if done.method == "morris" else "ST"
    for out_indices in done.outputs[1:]:
        ranked = out_indices.ranked()
        listing = ", ".join(
            f"{done.assumptions[i].path} {out_indices.influence[i]:.3g}" for i in ranked
        )
        ordering = ordering_arrows(out_indices.output.removeprefix("mean:").split(","))
        console.print(f"Mean utility of {ordering}: {measure} {listing}")
    _assumptions(console, done.assumptions, "--param")
    console.lines([f"Results: {directory}"])


def print_robustness(done: Robustness, document: Document, directory: Path) -> None:
    """Every ordering's mean, worst case and regret across the sampled settings."""
    console = Printer()
    caption = (
        "mean, worst: mean utility across settings and in the worst one. regret: "
        "shortfall from the best ordering of each setting (mean, 90th percentile, max). "
        "best: share of settings where it is best."
    )
    if len(done.orderings) > ROWS:
        caption += f" {len(done.orderings) - ROWS} more orderings in robustness.csv."
    table = Table(
        title=f"{done.base.scenario.name}: {len(done.orderings)} orderings in {len(done.settings)} "
        f"settings x {done.replications} replications (seed {done.seed})",
        title_justify="left",
        caption=caption,
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("rank", justify="right")
    table.add_column("ordering")
    for name in ("mean", "worst", "regret", "p90", "max", "best"):
        table.add_column(name, justify="right", no_wrap=True, overflow="fold")
    for row in document["orderings"][:ROWS]:
        table.add_row(
            str(row["rank"]),
            Pieces(ordering_arrows(row["ordering"])),
            f"{row['mean_utility']:.2f}",
            f"{row['worst']:.2f}",
            f"{row['regret_mean']:.3f}",
            f"{row['regret_p90']:.3f}",
            f"{row['regret_max']:.3f}",
            f"{row['share_best']:.0%}",
        )
    console.print(table)
    console.print(robustness_sentence(done))
    _assumptions(console, done.assumptions, "--param")
    console.lines([f"Results: {directory}"])


def print_comparison(done: OrderingComparison, document: Document, directory: Path) -> None:
    """Two orderings: each metric side by side, the tests, quantiles, and a sentence each."""
    console = Printer()
    _print_orderings(console, done.result.scenario.name, document)
    for c in done.comparisons:
        console.print(comparison_sentence(c))
    console.lines([f"Results: {directory}"])


def _print_orderings(console: Printer, scenario: str, document: Document) -> None:
    console.print(
        f"{scenario}: {document['replications']} replications (seed {document['seed']})",
        f"  A: {ordering_arrows(document['a'])}",
        f"  B: {ordering_arrows(document['b'])}",
    )
    percent = round(document["confidence"] * 100)
    means = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), caption_justify="left")
    tests = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), caption_justify="left")
    for name in ("metric", "mean A", "mean B", f"A − B [{percent}% CI]", "A wins", "B wins"):
        means.add_column(
            name,
            justify="left" if name == "metric" else "right",
            no_wrap=name != "metric",
            overflow="fold",
        )
    for name in ("metric", "Wilcoxon", "KS", "r", "d_z", "dominates", "crosses"):
        tests.add_column(
            name,
            justify="left" if name == "metric" else "right",
            no_wrap=name != "metric",
            overflow="fold",
        )
    for m in document["metrics"]:
        d = m["difference"]
        name = m["metric"] + (" ↓" if m["better"] == "lower" else "")
        means.add_row(
            Pieces(name, "."),
            _p(m["mean_a"]),
            _p(m["mean_b"]),
            "identical"
            if m["identical"]
            else f"{_p(d['mean'])} [{_p(d['ci_low'])}, {_p(d['ci_high'])}]",
            _share(m["p_a_better"]),
            _share(m["p_b_better"]),
        )
        tests.add_row(
            Pieces(name, "."),
            _pv(m["wilcoxon"]["p_value"]),
            "–" if m["ks"] is None else _pv(m["ks"]["p_value"]),
            f"{m['rank_biserial']:+.2f}",
            _p(m["cohen_dz"]),
            m["dominance"]["verdict"],
            str(len(m["dominance"]["crossings"])),
        )
    means.caption = "↓: lower is better. A wins: share of replications where A's outcome is better."
    tests.caption = (
        "Wilcoxon signed-rank and two-sample KS p-values; r: rank-biserial effect size "
        "(+1: A higher in every pair); d_z: mean/sd of the differences; dominates: a, b, "
        "equal or none (first-order stochastic dominance); crosses: ECDF crossings."
    )
    console.print(means)
    console.print(tests)
    quantiles = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        title="quantiles",
        title_justify="left",
    )
    quantiles.add_column("metric", overflow="fold")
    quantiles.add_column("", no_wrap=True)
    for q in QUANTILES:
        quantiles.add_column(f"{q:.0%}", justify="right", overflow="fold")
    for m in document["metrics"]:
        for key, label in (("a", "A"), ("b", "B"), ("difference", "A − B")):
            quantiles.add_row(
                Pieces(m["metric"] if key == "a" else "", "."),
                label,
                *(_p(m["quantiles"][f"q{round(q * 100):02d}"][key]) for q in QUANTILES),
            )
    console.print(quantiles)


def print_variants(done: VariantComparison, document: Document, directory: Path) -> None:
    """Two variants: both rankings side by side, and how far orderings move."""
    console = Printer()
    console.print(
        f"A: {document['a']['source']} ({document['a']['scenario']}, {document['a']['kind']}, "
        f"{document['a']['replications']} replications, seed {document['a']['seed']})\n"
        f"B: {document['b']['source']} ({document['b']['scenario']}, {document['b']['kind']}, "
        f"{document['b']['replications']} replications, seed {document['b']['seed']})"
    )
    percent = round(done.confidence * 100)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    for name in ("#A", "#B", "ordering", "mean A", "mean B", f"A − B [{percent}% CI]"):
        table.add_column(
            name,
            justify="left" if name == "ordering" else "right",
            no_wrap=name != "ordering",
            overflow="fold",
        )
    table.caption = "#A, #B: rank by mean utility in A and in B."
    table.caption_justify = "left"
    utility = done.metrics[0]
    for k in sorted(range(len(done.orderings)), key=lambda k: done.rank_a[k]):
        d = utility.differences[k]
        table.add_row(
            str(done.rank_a[k]),
            str(done.rank_b[k]),
            Pieces(ordering_arrows(done.orderings[k])),
            f"{utility.mean_a[k]:.2f}",
            f"{utility.mean_b[k]:.2f}",
            f"{d.mean:.3f} [{d.ci_low:.3f}, {d.ci_high:.3f}]",
        )
    console.print(table)
    console.print(variants_sentence(done))
    moves = [m for m in document["largest_moves"] if m["move"] != 0]
    if moves:
        console.print(
            "Largest rank moves: "
            + "; ".join(
                f"{ordering_arrows(m['ordering'])} from {m['rank_a']} to {m['rank_b']}"
                for m in moves
            )
        )
    if len(done.metrics) > 1:
        others = ", ".join(m.metric for m in done.metrics[1:])
        console.print(f"Per-ordering differences of {others} are in variants.csv.")
    console.lines([f"Results: {directory}"])
