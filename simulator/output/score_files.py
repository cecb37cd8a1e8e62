"""The files of `visitsim score` and the sentences that explain its scores.

score.json holds every event's forecast and scores, their means and the provenance
(scenario, ordering and why, seed, replications, as-of day, the record); scores.csv one
row per event. Floats are written with `repr` and NaN as an empty cell or null, so the
same inputs give byte-identical files.
"""

from __future__ import annotations

from ..evidence.score import CURVE_LEVELS, LEVELS, QUANTILES, EventScore, Scores
from .rundir import RunDirectory
from .tables import Document, csv_text, num, ordering_arrows

MEANINGS = (
    "CRPS: the forecast's error in days, spread included (lower is better; 0 is a sure "
    "and right forecast).",
    "Brier: squared error of the forecast chance that each event happened by the end of "
    "the record (0 is perfect; always saying 50% scores 0.25).",
    "log: minus the log of the chance given to what happened (0 is perfect; 50% scores 0.69).",
    "PIT: where the observed day fell in the forecast (0 earliest, 1 latest); a calibrated "
    "forecast gives PIT values spread evenly, and 50% and 90% intervals that hold the "
    "observed day about 50% and 90% of the time.",
)
"""What each score means and what a good value is, as the terminal and the page say it."""


def _pct(level: float) -> str:
    return f"{round(level * 100)}"


def event_row(e: EventScore) -> Document:
    """One event's forecast and scores, as score.json and scores.csv hold them."""
    row: Document = {
        "event": e.event.name,
        "kind": e.event.kind,
        "subject": e.event.subject,
        "observed_day": e.event.observed if e.event.happened else None,
        "happened": e.event.happened,
        "p_happened": e.p_happened,
    }
    row |= {f"q{_pct(q)}": num(v) for q, v in zip(QUANTILES, e.quantiles, strict=True)}
    row |= {
        "crps": e.crps,
        "brier": e.brier,
        "log": e.log,
        "pit": e.pit,
        "pit_low": e.pit_low,
        "pit_high": e.pit_high,
    }
    row |= {f"coverage_{_pct(p)}": c for p, c in zip(LEVELS, e.coverage, strict=True)}
    return row


def score_document(s: Scores) -> Document:
    """Scores per event and in total, with their provenance."""
    f = s.forecast
    return {
        "kind": "score",
        "scenario": f.scenario.name,
        "seed": f.seed,
        "replications": f.replications,
        "ordering": list(f.ordering),
        "ordering_reason": f.ordering_reason,
        "as_of": num(s.as_of),
        "observations": {"source": s.source, "until": float(s.until)},
        "censored_at": float(s.censor),
        "methods": {
            "crps": "CRPS of min(day, censored_at) against the observed min(day, censored_at)",
            "log": "natural log; forecast probabilities clipped to [1/(2N), 1 - 1/(2N)]",
            "pit": "randomized over the rank among N samples and ties, N + 1 places; "
            "uniforms from the named streams score:pit:<event>",
            "coverage": "chance that the randomized PIT falls in the central interval",
        },
        "totals": {"events": len(s.events), **s.totals},
        "coverage_curve": [
            {"level": level, "coverage": float(c)}
            for level, c in zip(CURVE_LEVELS, s.curve(), strict=True)
        ],
        "events": [event_row(e) for e in s.events],
        "skipped": [{"event": k.name, "reason": k.reason} for k in s.skipped],
    }


def write_score(directory: RunDirectory, s: Scores) -> Document:
    """score.json and scores.csv; returns the document."""
    document = score_document(s)
    rows = document["events"]
    directory.write_file("scores.csv", csv_text(list(rows[0]), [list(r.values()) for r in rows]))
    directory.write_file("score.json", document)
    return document


def score_sentence(s: Scores) -> str:
    """The forecast scored, and its scores in total."""
    t = s.totals
    f = s.forecast
    when = "its start" if s.as_of is None else f"day {s.as_of:g}"
    happened = sum(e.event.happened for e in s.events)
    return (
        f"The forecast of {f.scenario.name} as of {when} ({f.replications:,} replications of "
        f"{ordering_arrows(f.ordering)}: {f.ordering_reason}), against {len(s.events)} events "
        f"of the record to day {s.until:g} ({happened} happened): mean CRPS {t['crps']:.3g} "
        f"days, Brier {t['brier']:.3g}, log {t['log']:.3g}; the 50% intervals held "
        f"{t['coverage_50']:.0%} and the 90% intervals {t['coverage_90']:.0%} of the observed "
        "days."
    )


def skipped_lines(s: Scores) -> list[str]:
    """The events left out of scoring, one sentence per reason."""
    reasons: dict[str, list[str]] = {}
    for k in s.skipped:
        reasons.setdefault(k.reason, []).append(k.name)
    return [f"Not scored ({reason}): {', '.join(keys)}." for reason, keys in reasons.items()]
