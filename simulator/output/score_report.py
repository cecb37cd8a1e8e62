"""The page of `visitsim score`: how well the scenario forecast what then happened."""

from __future__ import annotations

from ..evidence.events import label
from ..evidence.score import Scores
from ..evidence.targets import Target
from .rundir import RunDirectory
from .score_figures import FIGURE
from .score_files import MEANINGS, score_sentence, skipped_lines
from .tuning_report import Page, Section, Table, figures_section, fixed, question, sig


def observed_text(event: Target, until: float) -> str:
    """An event's observed day, or that it had not happened by the end of the record."""
    return f"{event.observed:g}" if event.happened else f"after {until:g}"


def score_page(directory: RunDirectory, s: Scores) -> Page:
    """score: the events' forecasts and scores, their totals and the calibration figure."""
    f = s.forecast
    when = "its start date" if s.as_of is None else f"day {s.as_of:g}"
    table = Table(
        "scores",
        (
            "event",
            "observed",
            "median [50%]",
            "90% interval",
            "P(by end)",
            "CRPS",
            "Brier",
            "log",
            "PIT",
        ),
        [
            [
                label(e.event),
                observed_text(e.event, s.until),
                f"{e.quantiles[2]:.0f} [{e.quantiles[1]:.0f}, {e.quantiles[3]:.0f}]",
                f"[{e.quantiles[0]:.0f}, {e.quantiles[4]:.0f}]",
                f"{e.p_happened:.0%}",
                sig(e.crps),
                fixed(e.brier),
                fixed(e.log, 2),
                fixed(e.pit, 2),
            ]
            for e in s.events
        ],
        numeric=frozenset(range(1, 9)),
        note=f"Days from the scenario's start, each censored at day {s.censor:g} (the end of "
        "the record, or the horizon if earlier): a forecast day past it shows as "
        f"{s.censor:g}. P(by end): the forecast chance that the event happened by then.",
    )
    t = s.totals
    totals = Table(
        "totals",
        ("events", "mean CRPS", "mean Brier", "mean log", "50% coverage", "90% coverage"),
        [
            [
                str(len(s.events)),
                sig(t["crps"]),
                fixed(t["brier"]),
                fixed(t["log"], 2),
                f"{t['coverage_50']:.0%}",
                f"{t['coverage_90']:.0%}",
            ]
        ],
        numeric=frozenset(range(6)),
        title="In total",
    )
    return Page(
        heading=f"{f.scenario.name}: how good was the forecast?",
        meta=f"visitsim score · as of {when} · {f.replications:,} replications, seed {f.seed}",
        sections=(
            question(
                f.scenario,
                f"How well did the scenario, as it stood on {when}, forecast what the record "
                f"{s.source} shows up to day {s.until:g}?",
            ),
            Section(
                "result",
                "Result",
                lead=[score_sentence(s)],
                paragraphs=[*MEANINGS, *skipped_lines(s)],
                tables=(table, totals),
            ),
            figures_section(
                directory,
                (
                    (
                        FIGURE,
                        "Calibration",
                        "Left: the events' PIT values; a calibrated forecast gives a flat "
                        "histogram (a U shape: too confident; a hump: too cautious). Right: "
                        "the share of observed days inside each central forecast interval "
                        "against its nominal level; below the diagonal, intervals too narrow.",
                    ),
                ),
            ),
        ),
    )
