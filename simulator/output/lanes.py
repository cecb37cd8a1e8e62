"""One replication's agents side by side: a lane per visitor, a column per few days.

Derived from the trace alone (`model.TraceEvent`), so it shows what the model did and
nothing the model did not say. Each column shows the busiest state of its days:
`V` visiting, `p` preparing, `?` a request waiting for the host's answer, `·` waiting
(for a precondition, the plan, a retry or a travel window), blank before the first
request and after the visit (or the day a visitor gave up, marked `x`).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from collections.abc import Sequence

from ..model import TraceEvent

WIDTH = 60
"""Most columns of the lane chart (fits 80 columns with the labels)."""

_RANK = {" ": 0, "·": 1, "?": 2, "p": 3, "x": 4, "V": 5}
# The state each kind of event starts; other kinds (retry, postpone, waive) change nothing.
_STARTS = {
    "wait": "·",
    "request": "?",
    "answer": "·",
    "prepare": "p",
    "cancel": "·",
    "visit": "V",
    "visit_end": " ",
    "give_up": "x",
}


def _segments(events: Sequence[TraceEvent], horizon: float) -> list[tuple[float, float, str]]:
    """(start, end, state) of one visitor, from its events in day order."""
    segments: list[tuple[float, float, str]] = []
    state, since = " ", 0.0
    for e in events:
        new = _STARTS.get(e.kind)
        if new is None:
            continue
        if state != " " and e.day > since:
            segments.append((since, e.day, state))
        if new == "x":
            segments.append((e.day, e.day, "x"))
            return segments
        state, since = new, e.day
    if state != " ":
        segments.append((since, horizon, state))
    return segments


def lanes(
    trace: Sequence[TraceEvent],
    ids: Sequence[str],
    start: dt.date,
    horizon: float,
    width: int = 80,
) -> list[str]:
    """The lane chart as lines of text of at most `width` characters (the chart keeps
    at least 10 columns): a date axis, one lane per visitor, a legend."""
    label = max(len(v) for v in ids)
    per_day = max(1, math.ceil(horizon / max(10, min(WIDTH, width - label - 2))))
    columns = math.ceil(horizon / per_day)
    lines = []
    axis = [" "] * columns
    for c in range(0, columns, 15):
        text = (start + dt.timedelta(days=c * per_day)).strftime("%d %b")
        if c + len(text) <= columns:
            axis[c : c + len(text)] = list(text)
    lines.append(f"{'':<{label}}  {''.join(axis)}".rstrip())
    for v in ids:
        cells = [" "] * columns
        mine = [e for e in trace if e.visitor == v]
        for begin, end, state in _segments(mine, horizon):
            first = min(int(begin // per_day), columns - 1)
            last = min(max(first, math.ceil(end / per_day) - 1), columns - 1)
            for c in range(first, last + 1):
                if _RANK[state] > _RANK[cells[c]]:
                    cells[c] = state
        lines.append(f"{v:<{label}}  {''.join(cells)}".rstrip())
    legend = (
        f"{per_day} day{'s' if per_day > 1 else ''} a column: "
        "? asked, p preparing, V visiting, · waiting, x gave up"
    )
    return lines + textwrap.wrap(legend, width)
