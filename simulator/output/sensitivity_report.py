"""The page of sensitivity: which assumptions move the selected ordering's margin, and by
how much."""

from __future__ import annotations

from ..tuning.sensitivity import Sensitivity
from .rundir import RunDirectory
from .tables import Document, ordering_arrows
from .tuning_report import Page, Section, Table, figures_section, question, sig, size_text


def sensitivity_page(directory: RunDirectory, s: Sensitivity, document: Document) -> Page:
    """sensitivity: which assumptions move the selected ordering's margin, and how much."""
    scenario = s.base.scenario
    margin = s.outputs[0]
    morris = s.method == "morris"
    headers = ("mu*", "mu", "sigma") if morris else ("ST [95% CI]", "S1")
    rows = []
    for row in (r for r in document["indices"] if r["output"] == "margin"):
        if morris:
            cells = [sig(row["mu_star"]), sig(row["mu"]), sig(row["sigma"])]
        else:
            ci = f"[{sig(row['total_ci_low'])}, {sig(row['total_ci_high'])}]"
            cells = [f"{sig(row['total'])} {ci}", sig(row["first"])]
        rows.append(
            [
                row["parameter"],
                f"{row['low']:g} to {row['high']:g}",
                *cells,
                sig(row["at_low"]),
                sig(row["at_high"]),
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
        f"Mean utility of {ordering_arrows(out.output.removeprefix('mean:').split(','))}: "
        + ", ".join(
            f"{s.assumptions[i].path} {measure} {out.influence[i]:.3g}" for i in out.ranked()
        )
        + "."
        for out in s.outputs[1:]
    ]
    selected = ordering_arrows(s.orderings[s.selected])
    return Page(
        heading=f"{scenario.name}: which assumptions move the recommendation?",
        meta=f"visitsim sensitivity · {s.method}, {s.settings:,} settings · {size_text(document)} "
        "per setting",
        sections=(
            question(
                scenario,
                f"How much does each assumption, over its plausible range, move the margin of "
                f"{selected} over the best other ordering (and the top orderings' mean utility)? "
                f"The assumptions were {document['assumptions_from']['text']}.",
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
            figures_section(
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
