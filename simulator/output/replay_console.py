"""What `visitsim run --replay`/`--trace` prints: one replication's events by day and
date, the visitors side by side, and its outcome record; or the same as JSON."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from ..experiment import Replay
from ..scenario import Scenario
from .lanes import lanes
from .tables import ordering_arrows
from .terminal import wrap


def _date(scenario: Scenario, day: float) -> str:
    if not math.isfinite(day):
        return "never"
    return (scenario.start + dt.timedelta(days=int(day))).isoformat()


def _value(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def replay_document(scenario: Scenario, done: Replay) -> dict[str, Any]:
    """The replication as one JSON document."""
    return {
        "scenario": scenario.name,
        "ordering": list(done.ordering),
        "replication": done.replication,
        "seed": done.seed,
        "events": [
            {
                "day": float(e.day),
                "date": _date(scenario, e.day),
                "kind": e.kind,
                "visitor": e.visitor,
                "text": e.text,
            }
            for e in done.trace
        ],
        "record": None
        if done.record is None
        else {m: _value(float(x)) for m, x in zip(done.metrics, done.record, strict=True)},
        "error": done.error,
    }


def replay_lines(scenario: Scenario, done: Replay, width: int) -> list[str]:
    """The timeline, lane chart and outcome as lines of at most `width` characters; an
    event's text wraps under itself."""
    head = (
        f"{scenario.name}: replication {done.replication} of "
        f"{ordering_arrows(done.ordering)} (seed {done.seed})"
    )
    who_width = max([len(e.visitor or "") for e in done.trace] + [3])
    indent = " " * (7 + 2 + 10 + 2 + who_width + 2)
    lines = [*wrap(head, width), "", f"{'day':>7}  {'date':<10}  {'who':<{who_width}}  event"]
    for e in done.trace:
        who = e.visitor or ""
        event = f"{e.day:7.1f}  {_date(scenario, e.day):<10}  {who:<{who_width}}  {e.text}"
        lines += wrap(event, width, indent)
    lines += ["", "the visitors side by side:"]
    lines += lanes(done.trace, done.ordering, scenario.start, scenario.horizon_days, width)
    if done.record is not None:
        lines += ["", "outcome:"]
        for metric, x in zip(done.metrics, done.record, strict=True):
            shown = "-" if math.isnan(x) else f"{x:.6g}"
            lines.append(f"  {metric:<32} {shown}")
    return lines
