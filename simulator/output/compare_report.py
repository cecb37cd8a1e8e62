"""The page of compare: two orderings on the same worlds (metrics side by side, tests,
quantiles, figures), or how the ranking moves between two runs or scenario variants."""

from __future__ import annotations

from ..stats.compare import QUANTILES
from ..stats.variants import VariantComparison
from ..tuning.compare import OrderingComparison, Variant
from .compare_files import comparison_sentence, variants_sentence
from .rundir import RunDirectory
from .tables import Document, ordering_arrows
from .tuning_figures import safe_name
from .tuning_report import (
    ROWS,
    Page,
    Section,
    Table,
    figures_section,
    fixed,
    interval,
    question,
    share,
    sig,
    size_text,
)


def comparison_page(directory: RunDirectory, done: OrderingComparison, document: Document) -> Page:
    """Two orderings on the same simulated worlds: the metrics side by side, quantiles,
    ECDFs and paired differences."""
    scenario = done.result.scenario
    a, b = (ordering_arrows(o) for o in done.orderings)
    percent = round(document["confidence"] * 100)
    metrics = Table(
        "comparison",
        ("metric", "mean A", "mean B", f"A − B [{percent}% CI]", "A better", "B better"),
        [
            [
                m["metric"] + (" ↓" if m["better"] == "lower" else ""),
                sig(m["mean_a"]),
                sig(m["mean_b"]),
                interval(m["difference"]),
                share(m["p_a_better"]),
                share(m["p_b_better"]),
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
                sig(m["wilcoxon"]["p_value"], 2),
                "–" if m["ks"] is None else sig(m["ks"]["p_value"], 2),
                fixed(m["rank_biserial"], 2),
                sig(m["cohen_dz"]),
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
                *(sig(m["quantiles"][f"q{round(q * 100):02d}"][key]) for q in QUANTILES),
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
        meta=f"visitsim compare · {size_text(document)}",
        sections=(
            question(
                scenario,
                f"How do two orderings compare on the same simulated worlds? A: {a}. B: {b}.",
            ),
            Section(
                "result",
                "Result",
                lead=[comparison_sentence(c) for c in done.comparisons],
                tables=(metrics, tests, quantiles),
            ),
            figures_section(directory, specs),
        ),
    )


def variants_page(a: Variant, b: Variant, done: VariantComparison, document: Document) -> Page:
    """Two runs or scenario variants: how the ranking moves between them."""
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
                ordering_arrows(done.orderings[k]),
                fixed(float(utility.mean_a[k]), 2),
                fixed(float(utility.mean_b[k]), 2),
                interval(utility.differences[k]),
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
            + "; ".join(
                f"{ordering_arrows(m['ordering'])} {m['rank_a']} → {m['rank_b']}" for m in moves
            )
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
            question(
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
