"""The page of sweep: the best ordering at each grid point, and where it flips."""

from __future__ import annotations

from ..tuning.sweep import Sweep
from .rundir import RunDirectory
from .tables import Document, ordering_arrows
from .tuning_report import Page, Section, Table, figures_section, interval, question, size_text

_SWEEP_CAPTION = (
    "Mean utility of the orderings that are best somewhere (and the next highest), with "
    "their confidence bands, against the varied assumption; dotted lines are the tipping "
    "points."
)
_MAP_CAPTION = "Each grid cell coloured by its best ordering; x marks the tipping points."


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
                ordering_arrows(sweep.orderings[p.best]),
                interval(p.margin),
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
        meta=f"visitsim sweep · {len(sweep.orderings):,} orderings · {size_text(document)} "
        "per point",
        sections=(
            question(
                scenario,
                f"Every ordering is ranked at each point of a grid over {ranges}, on common "
                "random numbers; where the best ordering changes, the tipping point is located "
                "between neighbouring points. The varied assumptions were "
                f"{document['assumptions_from']['text']}.",
            ),
            Section("result", "Result", lead=lead, tables=(points,)),
            figures_section(directory, (figure,)),
        ),
    )
