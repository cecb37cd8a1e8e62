"""The files of `compare` (two orderings, or two variants) and their sentences.

comparison.json/.csv and quantiles.csv for two orderings; variants.json/.csv for two
variants. Floats are written with `repr` and NaN as an empty cell or null, so the same
inputs give byte-identical files.
"""

from __future__ import annotations

import math

from ..stats.compare import QUANTILES, Difference, PairedComparison
from ..stats.variants import VariantComparison
from ..tuning.compare import OrderingComparison, Variant
from .rundir import RunDirectory
from .tables import Document, csv_text, num, ordering_arrows, ordering_text


def difference_document(d: Difference) -> Document:
    """A paired difference: its mean, confidence interval and number of pairs."""
    return {"mean": num(d.mean), "ci_low": num(d.ci_low), "ci_high": num(d.ci_high), "n": d.n}


def _q(q: float) -> str:
    return f"q{round(q * 100):02d}"


def paired_document(c: PairedComparison) -> Document:
    """One metric's comparison as plain data."""
    return {
        "metric": c.metric,
        "better": "lower" if c.lower_is_better else "higher",
        "replications": c.replications,
        "n_a": c.n_a,
        "n_b": c.n_b,
        "mean_a": num(c.mean_a),
        "mean_b": num(c.mean_b),
        "identical": c.identical,
        "difference": difference_document(c.difference),
        "p_a_better": num(c.p_a_better),
        "p_b_better": num(c.p_b_better),
        "wilcoxon": {"statistic": c.wilcoxon.statistic, "p_value": c.wilcoxon.p_value},
        "ks": None if c.ks is None else {"statistic": c.ks.statistic, "p_value": c.ks.p_value},
        "rank_biserial": c.rank_biserial,
        "cohen_dz": c.cohen_dz,
        "quantiles": {
            _q(q): {"a": num(a), "b": num(b), "difference": num(d)}
            for q, a, b, d in zip(
                QUANTILES, c.quantiles_a, c.quantiles_b, c.quantiles_difference, strict=True
            )
        },
        "dominance": {
            "verdict": c.dominance.verdict,
            "crossings": list(c.dominance.crossings),
        },
    }


def comparison_document(done: OrderingComparison) -> Document:
    """What `compare SCENARIO --ordering A --ordering B` found."""
    a, b = done.orderings
    return {
        "kind": "compare",
        "scenario": done.result.scenario.name,
        "seed": done.result.seed,
        "replications": done.result.replications,
        "confidence": done.comparisons[0].confidence,
        "a": list(a),
        "b": list(b),
        "metrics": [paired_document(c) for c in done.comparisons],
    }


def comparison_csv(done: OrderingComparison) -> str:
    """comparison.csv: one row per metric."""
    header = [
        "metric",
        "better",
        "mean_a",
        "mean_b",
        "mean_difference",
        "ci_low",
        "ci_high",
        "pairs",
        "p_a_better",
        "p_b_better",
        "wilcoxon_p",
        "ks_statistic",
        "ks_p",
        "rank_biserial",
        "cohen_dz",
        "dominance",
        "ecdf_crossings",
    ]
    rows = [
        [
            c.metric,
            "lower" if c.lower_is_better else "higher",
            c.mean_a,
            c.mean_b,
            c.difference.mean,
            c.difference.ci_low,
            c.difference.ci_high,
            c.difference.n,
            c.p_a_better,
            c.p_b_better,
            c.wilcoxon.p_value,
            None if c.ks is None else c.ks.statistic,
            None if c.ks is None else c.ks.p_value,
            c.rank_biserial,
            c.cohen_dz,
            c.dominance.verdict,
            len(c.dominance.crossings),
        ]
        for c in done.comparisons
    ]
    return csv_text(header, rows)


def quantiles_csv(done: OrderingComparison) -> str:
    """quantiles.csv: per metric and quantile, A, B and the paired difference A - B."""
    rows = [
        [c.metric, q, a, b, d]
        for c in done.comparisons
        for q, a, b, d in zip(
            QUANTILES, c.quantiles_a, c.quantiles_b, c.quantiles_difference, strict=True
        )
    ]
    return csv_text(["metric", "quantile", "a", "b", "difference"], rows)


def write_comparison(directory: RunDirectory, done: OrderingComparison) -> Document:
    """comparison.json, comparison.csv, quantiles.csv; returns the JSON document."""
    document = comparison_document(done)
    directory.write_file("comparison.json", document)
    directory.write_file("comparison.csv", comparison_csv(done))
    directory.write_file("quantiles.csv", quantiles_csv(done))
    return document


# --- compare: two variants --------------------------------------------------------------


def _variant(v: Variant) -> Document:
    return {
        "source": str(v.source),
        "kind": v.kind,
        "scenario": v.result.scenario.name,
        "seed": v.result.seed,
        "replications": v.result.replications,
    }


def variants_document(a: Variant, b: Variant, done: VariantComparison, moves: int = 5) -> Document:
    """What `compare A B` found: best in each, Kendall's tau, rank moves, differences."""

    def row(k: int) -> Document:
        return {
            "ordering": list(done.orderings[k]),
            "rank_a": int(done.rank_a[k]),
            "rank_b": int(done.rank_b[k]),
            "move": int(done.rank_b[k] - done.rank_a[k]),
        }

    order = sorted(range(len(done.orderings)), key=lambda k: done.rank_a[k])
    return {
        "kind": "compare-variants",
        "a": _variant(a),
        "b": _variant(b),
        "paired": done.paired,
        "confidence": done.confidence,
        "shared_orderings": len(done.orderings),
        "best_a": list(done.best_a),
        "best_b": list(done.best_b),
        "kendall_tau": num(done.kendall_tau),
        "kendall_p": num(done.kendall_p),
        "largest_moves": [row(k) for k in done.moves[:moves]],
        "orderings": [
            row(k)
            | {
                "metrics": {
                    m.metric: {
                        "mean_a": num(float(m.mean_a[k])),
                        "mean_b": num(float(m.mean_b[k])),
                        "difference": difference_document(m.differences[k]),
                    }
                    for m in done.metrics
                }
            }
            for k in order
        ],
    }


def variants_csv(done: VariantComparison) -> str:
    """variants.csv: per shared ordering (by rank in A) and metric, A - B with its CI."""
    order = sorted(range(len(done.orderings)), key=lambda k: done.rank_a[k])
    rows = [
        [
            ordering_text(done.orderings[k]),
            int(done.rank_a[k]),
            int(done.rank_b[k]),
            m.metric,
            float(m.mean_a[k]),
            float(m.mean_b[k]),
            m.differences[k].mean,
            m.differences[k].ci_low,
            m.differences[k].ci_high,
            m.differences[k].n,
        ]
        for k in order
        for m in done.metrics
    ]
    header = ["ordering", "rank_a", "rank_b", "metric", "mean_a", "mean_b", "difference_a_minus_b"]
    return csv_text([*header, "ci_low", "ci_high", "n"], rows)


def write_variants(
    directory: RunDirectory, a: Variant, b: Variant, done: VariantComparison
) -> Document:
    """variants.json and variants.csv; returns the JSON document."""
    document = variants_document(a, b, done)
    directory.write_file("variants.json", document)
    directory.write_file("variants.csv", variants_csv(done))
    return document


def comparison_sentence(c: PairedComparison) -> str:
    """One metric's comparison in words: the difference, who wins how often, dominance."""
    percent = round(c.confidence * 100)
    d = c.difference
    if math.isnan(d.mean):
        return f"{c.metric}: too few replications where both orderings have a value."
    if c.identical:
        return (
            f"{c.metric}: A and B are identical on this metric (the same value, up to "
            f"rounding, in all {d.n} paired replications)."
        )
    if d.mean == 0 and d.ci_low == d.ci_high:
        head = f"{c.metric}: no difference in any of the {d.n} paired replications"
    else:
        head = (
            f"{c.metric}: A - B = {d.mean:.4g} ({percent}% CI {d.ci_low:.4g} to {d.ci_high:.4g}, "
            f"{d.n} pairs; {'lower' if c.lower_is_better else 'higher'} is better)"
        )
    wins = f"A better in {c.p_a_better:.0%} of replications, B in {c.p_b_better:.0%}"
    verdicts = {
        "a": "A's distribution dominates B's (first order)",
        "b": "B's distribution dominates A's (first order)",
        "equal": "the distributions are identical",
        "none": f"no dominance: the ECDFs cross {len(c.dominance.crossings)} time(s)"
        + (f", first at {c.dominance.crossings[0]:.4g}" if c.dominance.crossings else ""),
    }
    return f"{head}; {wins}; {verdicts[c.dominance.verdict]}."


def variants_sentence(done: VariantComparison) -> str:
    """How the ranking moved, in one sentence."""
    same = done.best_a == done.best_b
    best = (
        f"the best ordering is {ordering_arrows(done.best_a)} in both"
        if same
        else f"the best ordering moves from {ordering_arrows(done.best_a)} (A) to "
        f"{ordering_arrows(done.best_b)} (B)"
    )
    tau = (
        "Kendall's tau is undefined (constant means)"
        if math.isnan(done.kendall_tau)
        else f"Kendall's tau between the rankings is {done.kendall_tau:.2f}"
    )
    kind = "paired (same seed)" if done.paired else "unpaired (different seeds)"
    return f"Across {len(done.orderings)} shared orderings, {best}; {tau}; differences {kind}."
