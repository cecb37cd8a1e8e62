"""The calendar of an ordering: when each visitor asks, is accepted and visits, as dates.

Built from a finished run's statistics (summary.json's n and quantiles of the
`request_day.`, `accept_day.` and `day.` metrics), never from a simulation: a date is
the scenario's `start` plus the day (whole days, as a replay shows them). The quantiles are
over the replications in which the step happened; how often it did is `n` out of the
ordering's replications.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..scenario import Scenario
from ..types import Ordering
from .runfiles import RunFiles
from .tables import SUMMARY_LIMIT

STEPS = (
    ("request", "request_day", "asks"),
    ("accept", "accept_day", "accepted"),
    ("visit", "day", "visits"),
)
"""The calendar's steps: (name, metric prefix, column heading)."""

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_date(start: dt.date, day: float) -> dt.date:
    """The date of simulated day `day` (day 0 is `start`)."""
    return start + dt.timedelta(days=math.floor(day))


def short_date(date: dt.date, year: int) -> str:
    """`12 Jul`, with the year only when it is not `year` (`03 Jan 2024`)."""
    text = f"{date.day:02d} {MONTHS[date.month - 1]}"
    return text if date.year == year else f"{text} {date.year}"


def share_text(n: int, total: int) -> str:
    """n of total as a percentage that says 100% and 0% only when exact."""
    if total <= 0:
        return ""
    percent = round(100 * n / total)
    if n < total:
        percent = min(percent, 99)
    if n > 0:
        percent = max(percent, 1)
    return f"{percent}%"


@dataclass(frozen=True)
class Step:
    """One step of one visitor (request, acceptance or visit) over the replications: in
    how many it happened, and its 5%, 50% and 95% quantile days (None if never); the
    25% and 75% ones too when the summary has them (figures draw them as bands)."""

    n: int
    replications: int
    q05: float | None
    q50: float | None
    q95: float | None
    start: dt.date
    q25: float | None = None
    q75: float | None = None
    mean: float | None = None  # the mean day, shown when no quantile was kept

    @property
    def share(self) -> float:
        """Fraction of the replications in which the step happened."""
        return self.n / self.replications if self.replications else math.nan

    def date(self, quantile: str) -> dt.date | None:
        """The date of quantile `q05`, `q50` or `q95`."""
        day = getattr(self, quantile)
        return None if day is None else day_date(self.start, day)

    def median_text(self) -> str:
        """The median date (`12 Jul`), `never`, or, when no quantile was kept (a run
        that keeps no replications), the mean date, or `n/a`."""
        if self.n == 0:
            return "never"
        date = self.date("q50")
        if date is None and self.mean is not None:
            date = day_date(self.start, self.mean)
        return "n/a" if date is None else short_date(date, self.start.year)

    def range_text(self) -> str:
        """The 5–95% range: `28 May–30 Jun`, `20 Dec–05 Jan 2024`, `03 Jan–05 Feb 2024`
        (a year other than the start's is shown once); one date if both ends are on it."""
        low, high = self.date("q05"), self.date("q95")
        if low is None or high is None:
            return ""
        if low == high:
            return short_date(low, self.start.year)
        # the year once, after the range, when both ends are in the same other year
        year = low.year if low.year == high.year else self.start.year
        return f"{short_date(low, year)}–{short_date(high, self.start.year)}"

    def document(self) -> dict[str, Any]:
        """The step as JSON: days, n, share and ISO dates."""
        dates = {q: self.date(q) for q in ("q05", "q50", "q95")}
        return {
            "n": self.n,
            "share": None if math.isnan(self.share) else self.share,
            "q05": self.q05,
            "q50": self.q50,
            "q95": self.q95,
            "mean": self.mean,
            "dates": {q: None if d is None else d.isoformat() for q, d in dates.items()},
        }


@dataclass(frozen=True)
class CalendarRow:
    """One visitor of a calendar."""

    id: str
    name: str
    request: Step
    accept: Step
    visit: Step

    def steps(self) -> tuple[Step, Step, Step]:
        """Request, acceptance and visit, in `STEPS` order."""
        return self.request, self.accept, self.visit


@dataclass(frozen=True)
class Calendar:
    """When each visitor of one ordering asks, is accepted and visits, in plan order."""

    ordering: Ordering
    rank: int
    candidates: int
    replications: int
    quantiles_from: int
    start: dt.date
    rows: tuple[CalendarRow, ...]

    @property
    def by_mean(self) -> bool:
        """Whether its dates are means: the run kept no replications to take medians and
        ranges from (an adaptive tournament keeps only each metric's mean and sd)."""
        return self.quantiles_from == 0

    def document(self) -> dict[str, Any]:
        """The calendar as a JSON-ready document."""
        return {
            "ordering": list(self.ordering),
            "rank": self.rank,
            "replications": self.replications,
            "quantiles_from": self.quantiles_from,
            "start": self.start.isoformat(),
            "visitors": [
                {"id": r.id, "name": r.name}
                | {
                    name: step.document()
                    for (name, _, _), step in zip(STEPS, r.steps(), strict=True)
                }
                for r in self.rows
            ],
        }


def _step(stats: dict[str, Any], replications: int, start: dt.date) -> Step:
    return Step(
        n=int(stats.get("n") or 0),
        replications=replications,
        q05=stats.get("q05"),
        q50=stats.get("q50"),
        q95=stats.get("q95"),
        start=start,
        q25=stats.get("q25"),
        q75=stats.get("q75"),
        mean=stats.get("mean") if stats.get("n") else None,
    )


def calendar_from_summary(
    scenario: Scenario, summary: dict[str, Any], ordering: Ordering | None = None
) -> Calendar:
    """The calendar of `ordering` (None: the top-ranked one) from a summary.json document.

    An ordering that is not among the run's candidates, or whose statistics the summary
    did not keep, is an `InputError`.
    """
    entries = summary.get("orderings") or []
    if not entries:
        raise InputError("summary.json: no orderings")
    text = "best" if ordering is None else ",".join(ordering)
    entry = (
        min(entries, key=lambda e: int(e["rank"]))
        if ordering is None
        else next((e for e in entries if tuple(e["ordering"]) == tuple(ordering)), None)
    )
    total = int(summary.get("orderings_total", len(entries)))
    if (
        entry is None
        and total > len(entries)
        and sorted(ordering or ()) == sorted(v.id for v in scenario.visitors)
    ):
        raise InputError(
            f"calendar of {text}: summary.json has statistics for the {len(entries):,} "
            f"best-ranked of the run's {total:,} orderings only, and this is not one of "
            "them (ranking.csv lists every ordering)"
        )
    if entry is None:
        ids = [v.id for v in scenario.visitors]
        why = (
            "it is not one of the run's candidate orderings (the scenario's constraints exclude it)"
            if sorted(ordering or ()) == sorted(ids)
            else f"an ordering names every visitor once ({','.join(ids)})"
        )
        raise InputError(f"calendar of {text}: {why}")
    metrics = entry.get("metrics")
    if metrics is None:
        raise InputError(
            f"calendar of {text}: summary.json has no statistics for it (it keeps them for "
            f"the {SUMMARY_LIMIT:,} best-ranked orderings; this one ranks "
            f"{int(entry['rank']):,} of {len(entries):,})"
        )
    missing = [
        f"{prefix}.{v}"
        for _, prefix, _ in STEPS
        for v in entry["ordering"]
        if f"{prefix}.{v}" not in metrics
    ]
    if missing:
        raise InputError(
            f"calendar of {text}: summary.json has no {missing[0]} statistics (a run made "
            "before visitsim recorded request and acceptance days); run it again"
        )
    replications = int(entry["replications"])
    start = scenario.start
    rows = []
    for visitor_id in entry["ordering"]:
        visitor = scenario.visitor(visitor_id)
        steps = [
            _step(metrics[f"{prefix}.{visitor_id}"], replications, start) for _, prefix, _ in STEPS
        ]
        rows.append(CalendarRow(visitor_id, visitor.name, *steps))
    kept = summary.get("quantiles_from")
    return Calendar(
        ordering=tuple(entry["ordering"]),
        rank=int(entry["rank"]),
        candidates=total,
        replications=replications,
        quantiles_from=replications if kept is None else min(int(kept), replications),
        start=start,
        rows=tuple(rows),
    )


def run_calendar(run: RunFiles, ordering: Ordering | None = None) -> Calendar:
    """The calendar of `ordering` (None: the top-ranked one) in a finished run's files."""
    return calendar_from_summary(run.scenario, run.summary, ordering)


def _wrap(text: str, width: int) -> list[str]:
    """`text` wrapped at `width`, an ordering breaking after its arrows if it must."""
    lines = textwrap.wrap(
        text.replace("→", "→ "), width, break_long_words=False, break_on_hyphens=False
    )
    return [line.replace("→ ", "→") for line in lines]


def calendar_lines(calendar: Calendar, width: int = 80) -> list[str]:
    """The calendar as text lines of at most `width` characters (unless an id is longer),
    with no trailing spaces: a table with each median date above its 5–95% range, or, if
    that is too wide, one block of lines per visitor."""
    size = f"{calendar.replications:,} replications"
    if 0 < calendar.quantiles_from < calendar.replications:
        size += f", dates from the first {calendar.quantiles_from:,}"
    title = (
        f"Calendar of {'→'.join(calendar.ordering)} "
        f"(rank {calendar.rank} of {calendar.candidates:,}, {size}):"
    )
    cells = [[(s.median_text(), s.range_text()) for s in r.steps()] for r in calendar.rows]
    table = _table(calendar, cells)
    where = "below it"
    if max(len(line) for line in table) > width:
        table, where = _blocks(calendar, cells), "beside it"
    note = (
        f"mean date in {calendar.start.year} (the run kept no replications to take medians "
        "and ranges from); among replications where it happens"
        if calendar.by_mean
        else f"median date in {calendar.start.year}, 5–95% range {where}; among "
        "replications where it happens"
    )
    return [*_wrap(title, width), *_wrap(note, width), *table]


def _table(calendar: Calendar, cells: list[list[tuple[str, str]]]) -> list[str]:
    """One row per visitor: the median dates, then their ranges on a line below."""
    ids = max(len("visitor"), *(len(r.id) for r in calendar.rows))
    column = max(len(text) for row in cells for pair in row for text in pair)
    column = max(column, *(len(heading) for _, _, heading in STEPS))
    head = f" {'visitor':<{ids}}" + "".join(f"  {h:<{column}}" for _, _, h in STEPS)
    lines = [f"{head}  visited"]
    for row, pairs in zip(calendar.rows, cells, strict=True):
        medians = "".join(f"  {m:<{column}}" for m, _ in pairs)
        shown = share_text(row.visit.n, row.visit.replications)
        lines.append(f" {row.id:<{ids}}{medians}  {shown:>7}")
        ranges = "".join(f"  {r:<{column}}" for _, r in pairs)
        if ranges.strip():  # none when the dates are means
            lines.append(f" {'':<{ids}}{ranges}".rstrip())
    return lines


def _blocks(calendar: Calendar, cells: list[list[tuple[str, str]]]) -> list[str]:
    """One block per visitor: a line per step with its median date and range."""
    steps = max(len(heading) for _, _, heading in STEPS)
    medians = max(len(m) for row in cells for m, _ in row)
    lines = []
    for row, pairs in zip(calendar.rows, cells, strict=True):
        lines.append(f" {row.id} (visits in {share_text(row.visit.n, row.visit.replications)})")
        for (_, _, heading), (median, spread) in zip(STEPS, pairs, strict=True):
            lines.append(f"   {heading:<{steps}}  {median:<{medians}}  {spread}".rstrip())
    return lines
