"""The page of robustness: which ordering holds up across settings of the uncertain
assumptions, by its regret against the best of each setting."""

from __future__ import annotations

from ..tuning.robustness import Robustness
from .rundir import RunDirectory
from .tables import Document, ordering_arrows
from .tuning_figures import REGRET_ROWS
from .tuning_files import robustness_sentence
from .tuning_report import (
    ROWS,
    Page,
    Section,
    Table,
    figures_section,
    fixed,
    question,
    share,
    size_text,
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
                ordering_arrows(row["ordering"]),
                fixed(row["mean_utility"], 2),
                fixed(row["worst"], 2),
                fixed(row["regret_mean"]),
                fixed(row["regret_p90"]),
                fixed(row["regret_max"]),
                share(row["share_best"]),
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
        meta=f"visitsim robustness · {len(r.settings)} settings · {size_text(document)} "
        "per setting",
        sections=(
            question(
                scenario,
                f"Every ordering runs in {len(r.settings)} settings sampled by Latin hypercube "
                f"over {ranges} (assumptions {document['assumptions_from']['text']}). Which "
                "one loses least against the best of each setting?",
            ),
            Section("result", "Result", lead=[robustness_sentence(r)], tables=(table,)),
            figures_section(
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
