"""report.html: one self-contained page that answers the scenario's question.

Built from the files of a results directory (through `runfiles.RunFiles`), never from a
simulation, with the run's sections (`templates/report.html.j2`) in the page every
command shares (`page`). Figures are embedded as base64 data URIs and the styles are
inline, so the single file renders offline and can be sent as it is. The page holds
the question, the recommendation and how sure it is, the predicted calendar, the
ranking, the figures, the key assumptions with their source quotes, and the
provenance of the run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..scenario import Scenario, UntilGate, Visitor, WindowGate
from ..scenario.schema import Beta, Exponential, Fixed, LogNormal, Normal, Triangular, Uniform
from ..stats.ranking import mcb_contenders
from ..types import Ordering
from . import files
from .calendar import run_calendar, share_text
from .figures import FIGURES, TOP, blocking_gates, opening_quantiles
from .page import Provenance, embed_figure, provenance, render_page
from .plotting import color
from .runfiles import RankingRow, RunFiles
from .terminal import compared_sentence

RANKING_ROWS = 50
"""Rows of the ranking table in the report; the rest are in ranking.csv."""


def _g(x: float) -> str:
    """A number as written in a scenario (no trailing zeros)."""
    return f"{x:g}"


def describe_distribution(dist: Any) -> str:
    """A distribution in words, with its mean when it is not a constant."""
    if isinstance(dist, Fixed):
        return _g(dist.value)
    if isinstance(dist, Uniform):
        text = f"uniform {_g(dist.low)} to {_g(dist.high)}"
    elif isinstance(dist, Triangular):
        text = f"triangular {_g(dist.low)} / {_g(dist.mode)} / {_g(dist.high)} (low / mode / high)"
    elif isinstance(dist, Normal):
        text = f"normal, mean {_g(dist.mu)}, sd {_g(dist.sd)}"
        if dist.low is not None or dist.high is not None:
            text += f", truncated to [{_g(dist.lower)}, {_g(dist.upper)}]"
    elif isinstance(dist, LogNormal):
        text = f"lognormal, median {_g(dist.median)}, sigma {_g(dist.sigma)}"
    elif isinstance(dist, Exponential):
        text = f"exponential, mean {_g(dist.mu)}"
    elif isinstance(dist, Beta):
        text = f"beta({_g(dist.a)}, {_g(dist.b)}) on [{_g(dist.low)}, {_g(dist.high)}]"
    else:
        return str(dist)
    return f"{text}; mean {dist.mean:.3g}"


def _date(scenario: Scenario, day: float) -> str:
    return f"{scenario.start + dt.timedelta(days=day):%d %b %Y}"


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


# --- the assumptions -----------------------------------------------------------------


def _gate_when(scenario: Scenario, gate: WindowGate | UntilGate) -> str:
    if isinstance(gate, WindowGate):
        return (
            f"no travel from day {_g(gate.start_day)} ({_date(scenario, gate.start_day)}) "
            f"until day {_g(gate.end_day)} ({_date(scenario, gate.end_day)})"
        )
    text = f"no requests until it opens: {describe_distribution(gate.opens)}"
    if gate.deadline is not None:
        text += f"; deadline day {_g(gate.deadline)} ({_date(scenario, gate.deadline)})"
    if gate.crisis is not None:
        text += (
            f"; crisis with probability {gate.crisis.probability:g}, then closed "
            f"{describe_distribution(gate.crisis.extension)} days past the deadline"
        )
    median, q95 = (float(x) for x in opening_quantiles(gate, (0.5, 0.95)))
    return text + (
        f". Median opening {_date(scenario, median)}, 95% open by {_date(scenario, q95)}."
    )


def _conditions(visitor: Visitor) -> str:
    """A visitor's declared preconditions in words (`travel: not before day 21; ...`)."""
    words = {
        "gate": "gate {} open",
        "visited": "after {}'s visit",
        "accepted": "once {} is accepted",
        "track_visited": "after a {} visit",
        "climate_at_least": "climate at least {}",
        "not_before": "not before day {}",
    }
    parts = []
    for phase in ("ask", "travel"):
        said = [
            words[c.kind].format(_g(v) if isinstance(v := getattr(c, c.kind), float) else v)
            + ("" if c.waiver is None else " (soft)")
            for c in getattr(visitor.preconditions, phase)
        ]
        if said:
            parts.append(f"{phase}: {', '.join(said)}")
    return "; ".join(parts) or "none"


def _assumptions(scenario: Scenario) -> dict[str, Any]:
    """The scenario's key assumptions as table rows, with their source quotes."""
    visitors = [
        {
            "name": v.name,
            "role": v.role,
            "track": v.track,
            "invited": "yes" if v.invited else "no",
            "earliest": f"day {_g(v.earliest_day)} ({_date(scenario, v.earliest_day)})",
            "preparation": describe_distribution(v.preparation),
            "visit_days": describe_distribution(v.visit_days),
            "gates": ", ".join(g.id for g in blocking_gates(scenario, v)) or "none",
            "conditions": _conditions(v),
        }
        for v in scenario.visitors
    ]
    agenda = [
        {
            "visitor": v.name,
            "item": item.id,
            "value": _g(item.value),
            "success": f"{item.success:.0%}",
            "climate_weight": _g(item.climate_weight),
            "quote": item.quote,
        }
        for v in scenario.visitors
        for item in v.agenda
    ]
    gates = [
        {
            "id": g.id,
            "kind": g.kind,
            "when": _gate_when(scenario, g),
            "tracks": ", ".join(g.tracks) or "—",
            "quote": g.quote,
        }
        for g in scenario.gates
    ]
    costs = [
        {
            "earlier": scenario.visitor(p.earlier).name,
            "later": scenario.visitor(p.later).name,
            "cost": _g(p.cost),
            "quote": p.quote,
        }
        for p in scenario.effects.precedence_costs
    ]
    boosts = [
        {
            "item": f"{scenario.visitor(b.visitor).name}: {b.item}",
            "after": (
                scenario.visitor(b.after_visitor).name
                if b.after_visitor is not None
                else f"any {b.after_track} visit"
            ),
            "logit": f"{b.logit:+g}",
        }
        for b in scenario.effects.agenda_boosts
    ]
    return {
        "visitors": visitors,
        "agenda": agenda,
        "gates": gates,
        "costs": costs,
        "boosts": boosts,
        "numbers": _main_numbers(scenario),
    }


def _mapping(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:+g}" for k, v in values.items()) or "none"


def _main_numbers(scenario: Scenario) -> list[tuple[str, str]]:
    """The scenario's main numbers, one line each, in words."""
    host, climate, shocks, policy = (
        scenario.host,
        scenario.climate,
        scenario.shocks,
        scenario.policy,
    )
    end = _date(scenario, scenario.horizon_days)
    preference = host.preference
    prefers = (
        "none"
        if preference.first_track is None
        else f"{preference.first_track} first: bonus {preference.bonus:+g}, "
        f"penalty {-preference.penalty:+g} (logits) until the first {preference.first_track} visit"
    )
    if preference.defer_others:
        waiver = preference.waiver
        prefers += f"; holds other tracks' visits until a {preference.first_track} visit is over"
        if waiver is not None:
            prefers += (
                f" (lets it go with chance {waiver.probability:.0%} after "
                f"{describe_distribution(waiver.after)} days)"
            )
    objective = " ".join(
        f"{'−' if w < 0 else '+'} {abs(w):g} × {metric}" for metric, w in scenario.objective.items()
    ).lstrip("+ ")
    constraints = [
        f"{c.before[0]} before {c.before[1]}"
        if c.before is not None
        else f"{c.first} first"
        if c.first is not None
        else f"{c.last} last"
        for c in scenario.constraints
    ]
    expected_shocks = shocks.rate_per_day * scenario.horizon_days
    return [
        (
            "Horizon",
            f"{_g(scenario.horizon_days)} days, {_date(scenario, 0)} to {end}",
        ),
        ("Host", host.name),
        ("Host acceptance at neutral climate", f"{host.acceptance:.0%}"),
        ("Host climate weight (logit per unit)", _g(host.climate_weight)),
        ("Host track bonus (logit)", _mapping(host.track_bonus)),
        ("Host invitation bonus (logit)", f"{host.invitation_bonus:+g}"),
        ("Host sequencing preference", prefers),
        ("Host response delay (days)", describe_distribution(host.response_delay)),
        ("Retry delay after a refusal (days)", describe_distribution(host.retry_delay)),
        ("Requests per visitor", str(host.max_attempts)),
        ("Days the host keeps between visits", _g(host.min_spacing_days)),
        ("Initial climate", describe_distribution(climate.initial)),
        ("Climate gain per visit, by track", _mapping(climate.visit_gain)),
        ("Climate gain per agenda item", f"{climate.item_gain:+g}"),
        (
            "Incidents",
            f"{shocks.rate_per_day:g} per day (about {expected_shocks:.2g} over the horizon)",
        ),
        ("Incident severity", describe_distribution(shocks.severity)),
        ("Climate loss per unit severity", _g(shocks.climate_hit)),
        ("Postponement per unit severity (days)", _g(shocks.postpone_days)),
        ("Severity that cancels a planned visit", _g(shocks.cancel_threshold)),
        ("Discount of agenda value per day", _g(scenario.effects.discount_per_day)),
        (
            "Policy",
            f"{policy.mode}, at least {_g(policy.min_gap_days)} days after a visit before the "
            "next planned one"
            + (
                f", patience {_g(policy.patience_days)} days"
                if policy.mode == "opportunistic"
                else ""
            ),
        ),
        ("Ordering constraints", ", ".join(constraints) or "none"),
        ("Objective (utility)", objective),
    ]


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
        recommendation=recommendation(run),
        details=[s for s in (_mcb_sentence(run), _design_sentence(run)) if s],
        glance=_glance(run),
        calendars=_calendars(run),
        start_year=scenario.start.year,
        ranking=_ranking_table(run, top),
        more=max(0, len(run.ranking) - RANKING_ROWS),
        confidence=round(100 * run.summary.get("confidence", 0.95)),
        figures=_figures(run),
        assumptions=_assumptions(scenario),
        provenance=_provenance(run),
        run_dir=str(run.path),
    )


def write_report(run_dir: Path, *, top: int = TOP) -> Path:
    """Write report.html into a run directory from its files (and its figures/, if
    drawn); return its path."""
    run = RunFiles.read(run_dir)
    path = run.path / "report.html"
    files.write_text(path, render_report(run, top=top))
    return path
