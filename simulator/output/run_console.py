"""What `visitsim run` prints: the ranking table, its legend and sentences, and the
calendars asked for; or the same as one JSON document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..evidence.condition import conditioning
from ..experiment import ExperimentResult
from ..stats.ranking import Ranking
from .calendar import Calendar, calendar_lines
from .ranking_text import (
    design_sentence,
    mcb_sentence,
    ranking_document,
    ranking_legend,
    ranking_table,
)
from .tables import SUMMARY_LIMIT
from .terminal import Printer


def run_document(
    result: ExperimentResult,
    ranking: Ranking,
    design: dict[str, Any],
    recommendation: str,
    directory: Path,
    calendars: list[Calendar] | None,
) -> dict[str, Any]:
    """The run as one JSON document (`calendars` None: none were asked for). Its ranking
    lists the SUMMARY_LIMIT best orderings, as summary.json does; with more candidates,
    `orderings_total` counts them all and ranking.csv lists them."""
    total = len(result.orderings)
    document = {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "design": {k: v for k, v in design.items() if k != "eliminated_at"},
        "recommendation": recommendation,
        "results": str(directory),
        "ranking": ranking_document(ranking, design, SUMMARY_LIMIT),
        **({"orderings_total": total} if total > SUMMARY_LIMIT else {}),
    }
    past = conditioning(result.scenario)
    if past is not None:
        document["conditioned_on"] = past.summary(result.scenario.start)
    if calendars is not None:
        document["calendars"] = [c.document() for c in calendars]
    return document


def print_run(
    result: ExperimentResult,
    ranking: Ranking,
    design: dict[str, Any],
    recommendation: str,
    directory: Path,
    calendars: list[Calendar],
) -> None:
    """The ranking table, the legend, the recommendation and the design's sentences,
    then each calendar, then where the results are."""
    console = Printer()
    how = "knockout tournament" if design.get("rounds") else "KN"
    size = (
        f"adaptive {how}, {design['replications_total']:,} replications"
        if design["design"] == "adaptive"
        else f"{result.replications:,} replications each"
    )
    title = f"{result.scenario.name}: {len(result.orderings)} orderings, {size}, seed {result.seed}"
    past = conditioning(result.scenario)
    if past is not None:
        lines = past.summary(result.scenario.start)
        console.lines(
            [f"Conditioned on what was observed {lines[0]}:", *(f"  {x}" for x in lines[1:])]
        )
    console.print(ranking_table(ranking, design, title))
    for line in (
        ranking_legend(ranking, design),
        recommendation,
        mcb_sentence(ranking),
        design_sentence(design),
    ):
        if line:
            console.print(line)
    for calendar in calendars:
        console.lines(["", *calendar_lines(calendar, console.width)])
    if calendars:
        console.lines([""])
    console.lines([f"Results: {directory}"])
