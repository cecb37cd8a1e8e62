"""report.html: one self-contained page that answers the scenario's question.

Built from the files of a results directory (through `runfiles.RunFiles`), never from a
simulation, with the run's sections (`templates/report.html.j2`) in the page every
command shares (`page`). Figures are embedded as base64 data URIs and the styles are
inline, so the single file renders offline and can be sent as it is. The page holds
the question, the recommendation and how sure it is, the predicted calendar, the
ranking, the figures, the key assumptions with their source quotes (described by
`assumptions`), and the provenance of the run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..scenario import Scenario
from ..stats.ranking import mcb_contenders
from ..types import Ordering
from . import files
from .assumptions import assumption_tables
from .calendar import run_calendar, share_text
from .figures import FIGURES, TOP
from .page import Provenance, embed_figure, provenance, render_page
from .plotting import color
from .ranking_text import KNOCKOUT_MEANS, compared_sentence
from .runfiles import RankingRow, RunFiles

RANKING_ROWS = 50
"""Rows of the ranking table in the report; the rest are in ranking.csv."""


def _names(scenario: Scenario, ordering: Ordering) -> str:
    return " → ".join(scenario.visitor(v).name for v in ordering)


def _num(x: float | None, digits: int = 3) -> str:
    return "" if x is None else f"{x:.{digits}f}"


# --- the answer ----------------------------------------------------------------------


def recommendation(run: RunFiles) -> str:
    """The recommendation and how sure it is, in one sentence (two for adaptive runs)."""
    best = run.ranking[0]
    names = _names(run.scenario, best.ordering)
    if run.design.get("design") == "adaptive":
        return f"Selected: {names}. {run.design.get('guarantee', '')}".strip()
    p_best = "" if best.p_best is None else f"P(best) = {best.p_best:.2f}, "
    return (
        f"Best by mean utility: {names} ({p_best}over {best.replications:,} replications "
        "of every ordering on common random numbers)."
    )


def _mcb_sentence(run: RunFiles) -> str:
    rows = run.ranking
    if any(r.mcb_high is None for r in rows):
        return ""
    percent = round(100 * run.summary.get("confidence", 0.95))
    keep = mcb_contenders(
        np.array([r.mean for r in rows]), np.array([r.mcb_high or 0.0 for r in rows])
    )
    contenders = [r for r, kept in zip(rows, keep, strict=True) if kept]
    ruled_out = len(rows) - len(contenders)
    sentence = (
        f"Multiple comparisons with the best ({percent}% simultaneous): {ruled_out} of "
        f"{len(rows)} orderings are ruled out as best"
    )
    if contenders == [rows[0]]:
        return sentence + "; only the recommended one remains."
    if len(contenders) == 1:
        return (
            sentence
            + f"; one remains in contention: {_names(run.scenario, contenders[0].ordering)}."
        )
    return sentence + f"; {len(contenders)} remain in contention."


def _design_sentence(run: RunFiles) -> str:
    design = run.design
    if design.get("design") != "adaptive":
        return ""
    total = design.get("replications_total")
    rinott = design.get("rinott_total")
    text = (
        f"The adaptive procedure ({design.get('procedure', 'KN')}; δ = "
        f"{design.get('delta', float('nan')):.4g}, α = {design.get('alpha')}) spent "
        f"{total:,} replications in all"
    )
    if rinott:
        text += f", where a fixed two-stage design (Rinott) would need about {rinott:,}"
    return f"{text}. {compared_sentence(design)}".strip()


GLANCE = (
    ("utility", "mean", "Utility (mean)"),
    ("visits_completed", "mean", "Visits completed (mean)"),
    ("items_achieved", "mean", "Agenda items achieved (mean)"),
    ("days_to_first_visit", "q50", "Days to the first visit (median)"),
    ("final_climate", "mean", "Final climate (mean)"),
    ("precedence_cost", "mean", "Precedence cost (mean)"),
)


def _glance(run: RunFiles) -> list[dict[str, str]]:
    """The main outcome numbers of the best ordering (with a 5–95% range)."""
    ordering = run.ranking[0].ordering
    rows = []
    for metric, stat, label in GLANCE:
        s = run.metric_summary(ordering, metric)
        if s.get(stat) is None:
            continue
        spread = "" if s.get("q05") is None else f"{s['q05']:.3g} to {s['q95']:.3g}"
        rows.append({"label": label, "value": f"{s[stat]:.3g}", "range": spread})
    kept = run.metric_summary(ordering, "realized_equals_plan")["mean"]
    if kept is not None:
        rows.append({"label": "Visits in the planned order", "value": f"{kept:.0%}", "range": ""})
    return rows


def _calendars(run: RunFiles) -> list[dict[str, Any]]:
    """The predicted calendar of the recommended ordering and of the best-ranked one that
    starts with another visitor (if summary.json has its statistics)."""
    best = run.ranking[0].ordering
    chosen = [("The recommended ordering", best)]
    other = next((row.ordering for row in run.ranking if row.ordering[0] != best[0]), None)
    if other is not None:
        first = run.scenario.visitor(other[0]).name
        chosen.append((f"The best ordering that starts with {first}", other))
    out = []
    for label, ordering in chosen:
        try:
            calendar = run_calendar(run, ordering)
        except InputError:
            continue
        out.append(
            {
                "title": f"{label}: {_names(run.scenario, ordering)} (rank {calendar.rank})",
                "by_mean": calendar.by_mean,
                "rows": [
                    {
                        "name": row.name,
                        "steps": [
                            {"median": step.median_text(), "range": step.range_text()}
                            for step in row.steps()
                        ],
                        "visited": share_text(row.visit.n, row.visit.replications),
                    }
                    for row in calendar.rows
                ],
            }
        )
    return out


def _ranking_table(run: RunFiles, top: int) -> list[dict[str, Any]]:
    def mcb(row: RankingRow) -> str:
        if row.mcb_low is None or row.mcb_high is None:
            return ""
        return f"[{row.mcb_low:.3f}, {row.mcb_high:.3f}]"

    return [
        {
            "rank": row.rank,
            "ordering": _names(run.scenario, row.ordering),
            "ids": ",".join(row.ordering),
            "mean": f"{row.mean:.3f}",
            "ci": f"[{row.ci_low:.3f}, {row.ci_high:.3f}]",
            "p_best": _num(row.p_best),
            "sucra": _num(row.sucra, 2),
            "mcb": mcb(row),
            "replications": f"{row.replications:,}",
            "eliminated_at": "" if row.eliminated_at is None else f"{row.eliminated_at:,}",
            "swatch": _hex(position) if position < top else None,
        }
        for position, row in enumerate(run.ranking[:RANKING_ROWS])
    ]


def _hex(position: int) -> str:
    """The ordering colour of the figures, as CSS."""
    return "#" + "".join(f"{round(255 * c):02x}" for c in color(position))


# --- provenance and rendering --------------------------------------------------------


def _provenance(run: RunFiles) -> Provenance:
    m = run.manifest
    design = m.get("design", run.design.get("design", ""))
    if design == "adaptive":
        settings = m.get("adaptive") or {}
        size = ", ".join(f"{k} {v}" for k, v in settings.items() if v is not None)
    else:
        size = f"{m.get('replications', run.ranking[0].replications):,} per ordering"
    manifest = {"seed": run.summary.get("seed", ""), **m}
    return provenance(run.path, manifest, run.scenario.name, f"{design}: {size}")


def _figures(run: RunFiles) -> list[dict[str, str]]:
    drawn = (
        embed_figure(run.path / "figures", spec.name, spec.title, spec.caption) for spec in FIGURES
    )
    return [figure for figure in drawn if figure is not None]


def render_report(run: RunFiles, *, top: int = TOP) -> str:
    """The report page of a run, as HTML text."""
    scenario = run.scenario
    return render_page(
        "report.html.j2",
        command="report",
        scenario=scenario,
        size_text=run.size_text,
        adaptive=run.design.get("design") == "adaptive",
        knockout_means=KNOCKOUT_MEANS if run.design.get("rounds") else "",
        recommendation=recommendation(run),
        details=[s for s in (_mcb_sentence(run), _design_sentence(run)) if s],
        glance=_glance(run),
        calendars=_calendars(run),
        start_year=scenario.start.year,
        ranking=_ranking_table(run, top),
        more=max(0, len(run.ranking) - RANKING_ROWS),
        confidence=round(100 * run.summary.get("confidence", 0.95)),
        figures=_figures(run),
        assumptions=assumption_tables(scenario),
        provenance=_provenance(run),
        run_dir=str(run.path),
        conditioned_on=run.summary.get("conditioned_on"),
    )


def write_report(run: RunFiles, *, top: int = TOP) -> Path:
    """Write report.html into a run directory, read from its files (with its figures/,
    if drawn); return its path."""
    path = run.path / "report.html"
    files.write_text(path, render_report(run, top=top))
    return path
