"""The ranking as the terminal shows it: a table sized for 80 columns, the sentences under
it (MCB, what an adaptive design spent) and the rows of its JSON document.

`report` reuses the sentences, so the terminal and the run's page say the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rich import box
from rich.console import RenderableType
from rich.table import Table

from ..stats.ranking import Ranking
from .tables import ordering_arrows, ranking_rows
from .terminal import Pieces

TABLE_ROWS = 30
"""Most orderings `visitsim run` prints; ranking.csv has them all."""


def ranking_table(
    ranking: Ranking, design: dict[str, Any], title: str, limit: int | None = TABLE_ROWS
) -> Table:
    """The ranking, best first: mean utility with CI, P(best), SUCRA; and for the
    adaptive design, replications and the replication at which each was eliminated
    ("out"). Compact enough for an 80-column terminal with four visitors; an ordering
    too long for its column breaks after an arrow. `ranking_legend` explains it."""
    percent = round(ranking.confidence * 100)
    adaptive = design["design"] == "adaptive"
    table = Table(
        title=title,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("rank", justify="right")
    table.add_column("ordering")
    table.add_column(f"mean ± {percent}% CI", justify="right", no_wrap=True, overflow="fold")
    table.add_column("P(best)", justify="right", overflow="fold")
    table.add_column("SUCRA", justify="right", overflow="fold")
    if adaptive:
        table.add_column("reps", justify="right")
        table.add_column("out", justify="right")
    for row in ranking_rows(ranking, design.get("eliminated_at"), limit):
        cells: list[RenderableType] = [
            str(row["rank"]),
            Pieces(ordering_arrows(row["ordering"].split(","))),
            f"{row['mean_utility']:.3f} ± {(row['ci_high'] - row['ci_low']) / 2:.3f}",
            "" if row["p_best"] is None else f"{row['p_best']:.3f}",
            "" if row["sucra"] is None else f"{row['sucra']:.2f}",
        ]
        if adaptive:
            out_at = row["eliminated_at"]
            cells += [str(row["replications"]), "" if out_at is None else str(out_at)]
        table.add_row(*cells, style="bold green" if row["rank"] == 1 else None)
    if limit is not None and len(ranking.order) > limit:
        table.caption = f"{len(ranking.order) - limit:,} more orderings in ranking.csv"
    return table


KNOCKOUT_MEANS = (
    "Below the final round, orderings are listed by the round they reached; the mean of "
    "one that was eliminated includes the rounds it won, which flatter it, so a mean "
    "above the selected ordering's is no evidence against the selection."
)
"""Why a knockout run's table may show an eliminated ordering with a higher mean."""


def ranking_legend(ranking: Ranking, design: dict[str, Any]) -> str:
    """What the ranking table's columns and the MCB sentence under it mean."""
    text = (
        "P(best): chance of the highest mean utility. SUCRA: from 1 (always ranked "
        "first) to 0 (always last)."
    )
    if not np.isnan(ranking.mcb_high).any():
        text += " MCB: Hsu's multiple comparisons with the best."
    if design["design"] == "adaptive":
        text += " reps: replications run; out: replications when it was eliminated."
    if design.get("rounds"):
        text += f" {KNOCKOUT_MEANS}"
    return text


def mcb_sentence(ranking: Ranking) -> str:
    """Hsu's MCB in one line: how many orderings are ruled out as best."""
    contenders = ranking.contenders
    if not contenders:
        return ""
    percent = round(ranking.confidence * 100)
    names = ", ".join(ordering_arrows(ranking.orderings[k]) for k in contenders[:3])
    more = f" and {len(contenders) - 3} more" if len(contenders) > 3 else ""
    return (
        f"MCB ({percent}% simultaneous): {len(ranking.orderings) - len(contenders)} of "
        f"{len(ranking.orderings)} orderings are ruled out as best; still in contention: "
        f"{names}{more}."
    )


def design_sentence(design: dict[str, Any]) -> str:
    """What the adaptive design spent, against a fixed design of equal guarantee."""
    if design["design"] != "adaptive":
        return ""
    return f"{spent_sentence(design)} {compared_sentence(design)}"


def spent_sentence(design: dict[str, Any]) -> str:
    """What the adaptive design spent."""
    if design.get("rounds"):
        return (
            f"The knockout tournament played {design['rounds']} rounds (α = "
            f"{design['alpha']:g} split by the orderings each round played: "
            f"{', '.join(f'{a:.3g}' for a in design['alpha_rounds'])}) and spent "
            f"{design['replications_total']:,} replications in all. "
            f"δ: {design['delta_source']}."
        )
    return (
        f"KN spent {design['replications_total']:,} replications in all; a fixed "
        f"(Rinott) design with the same δ = {design['delta']:.4g} and α = {design['alpha']:g} "
        f"would need about {design['rinott_total']:,}. δ: {design['delta_source']}."
    )


def compared_sentence(design: dict[str, Any]) -> str:
    """What P(best), SUCRA and MCB of an adaptive run describe (not the selection)."""
    n = design.get("compared_on")
    if n is None:
        return ""
    which = (
        "the final round's orderings on that round's"
        if design.get("rounds")
        else "every ordering on the first"
    )
    return (
        f"P(best), SUCRA and MCB compare {which} {n:,} replications, which all of them "
        "have; they describe those replications, not the selection's confidence."
    )


def ranking_document(
    ranking: Ranking, design: dict[str, Any], limit: int | None = None
) -> list[dict[str, Any]]:
    """The `limit` best rows of the ranking (None: all) as JSON-ready rows, ordering as
    a list of visitor ids."""
    return [
        row | {"ordering": row["ordering"].split(",")}
        for row in ranking_rows(ranking, design.get("eliminated_at"), limit)
    ]
