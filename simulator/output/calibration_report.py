"""The page of calibrate: which settings of the assumptions fit what happened, what the
plan's calendar looks like across them, and which ordering holds up across them."""

from __future__ import annotations

from ..evidence.calibrate import Calibration
from .calibration_figures import FIGURE
from .calibration_files import calibration_sentence, narrowing
from .rundir import RunDirectory
from .tables import Document, ordering_arrows
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


def _day(x: float | None) -> str:
    return "–" if x is None else fixed(x, 1)


def calibration_page(directory: RunDirectory, c: Calibration, document: Document) -> Page:
    """calibrate: the waves, the calibrated ranges, the calendar and the ranking."""
    scenario = c.base.scenario
    waves = Table(
        "waves",
        ("wave", *(a.path for a in c.assumptions), "settings", "non-implausible"),
        [
            [
                str(w["wave"]),
                *(f"{lo:.4g} – {hi:.4g}" for lo, hi in w["box"].values()),
                str(w["settings"]),
                str(w["non_implausible"]),
            ]
            for w in document["waves"]
        ],
        numeric=frozenset({0, len(c.assumptions) + 1, len(c.assumptions) + 2}),
        title="Waves",
        note="Each wave's box (the first is the declared ranges) and how many of its "
        "settings are non-implausible.",
    )
    calendar = Table(
        "calendar",
        ("visitor", "event", "observed", "happens", "5%", "median", "95%"),
        [
            [
                row["visitor"],
                row["event"],
                _day(row["observed"]),
                share(row["share"]),
                _day(row["quantiles"]["q05"]),
                _day(row["quantiles"]["q50"]),
                _day(row["quantiles"]["q95"]),
            ]
            for row in document["calendar"]
        ],
        numeric=frozenset(range(2, 7)),
        title="Predictive calendar of the plan",
        note=f"The plan {ordering_arrows(c.plan)} (the observed visits, then the others) "
        "across the calibrated sample: the share of replications in which the event happens "
        "within the horizon, and quantiles of its day where it does (days from the start). "
        "All quantiles are in calendar.csv.",
    )
    rows = document["ranking"]["orderings"]
    ranking = Table(
        "robustness",
        ("rank", "ordering", "mean", "worst", "mean regret", "max regret", "best"),
        [
            [
                str(row["rank"]),
                ordering_arrows(row["ordering"]),
                fixed(row["mean_utility"], 2),
                fixed(row["worst"], 2),
                fixed(row["regret_mean"]),
                fixed(row["regret_max"]),
                share(row["share_best"]),
            ]
            for row in rows[:ROWS]
        ],
        numeric=frozenset({0, *range(2, 7)}),
        best=True,
        title=f"Orderings from day {c.observations.until:g} on, across the calibrated sample",
        note="mean, worst: mean utility across the calibrated settings and in the worst one. "
        "Regret: the shortfall from the best ordering of each setting. Best: the share of "
        "settings in which it is best (P(best) across the calibrated set).",
    )
    ranges = "; ".join(f"{a.path} from {a.low:g} to {a.high:g}" for a in c.assumptions)
    return Page(
        heading=f"{scenario.name}: which assumptions are consistent with what happened?",
        meta=f"visitsim calibrate · {len(c.waves)} wave(s) of {len(c.waves[0].settings)} "
        f"settings · {size_text(document)}",
        sections=(
            question(
                scenario,
                f"Observations from {c.observations.source} up to day "
                f"{c.observations.until:g}. Which settings of {ranges} could have produced "
                "them, and which ordering is best across those settings?",
            ),
            Section(
                "result",
                "Result",
                lead=[calibration_sentence(c)],
                paragraphs=narrowing(c),
                tables=(waves, calendar, ranking),
            ),
            figures_section(
                directory,
                (
                    (
                        FIGURE,
                        "Calibrated settings against the declared ranges",
                        "Each panel below the diagonal is a pair of assumptions over their "
                        "declared ranges: grey settings were ruled out by their wave, hollow ones "
                        "were kept by an earlier wave, filled ones are the calibrated sample; "
                        "the dashed box is the last wave's. The diagonal "
                        "shows each assumption's histogram.",
                    ),
                ),
            ),
        ),
    )
