"""`visitsim run --replay ORDERING:INDEX` and `--trace`: one replication, as a timeline.

Not a command of its own: `run.py` calls `replay` when either option is given. The
replication is simulated exactly as in a run (same world, same record), with its events
printed by day and date.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import click

from ..experiment import Replay, parse_replay, replay_replication
from ..output.lanes import lanes
from ..output.tables import ordering_arrows
from ..output.terminal import output_width, wrap
from ..scenario import Scenario, candidate_orderings


def replay(scenario: Scenario, which: str | None, seed: int | None, fmt: str) -> None:
    """Run one replication (`which` = ORDERING:INDEX; None: replication 0 of the first
    candidate ordering) and print its timeline and outcome record. Exits 1 if it fails."""
    if which is None:
        ordering, index = candidate_orderings(scenario)[0], 0
    else:
        ordering, index = parse_replay(scenario, which)
    done = replay_replication(scenario, ordering, index, seed)
    if fmt == "json":
        click.echo(json.dumps(_document(scenario, done), indent=2))
    else:
        for line in _lines(scenario, done, output_width()):
            click.echo(line)
    if done.error is not None:
        click.echo(f"error: {done.error}", err=True)
        raise click.exceptions.Exit(1)


def _date(scenario: Scenario, day: float) -> str:
    if not math.isfinite(day):
        return "never"
    return (scenario.start + dt.timedelta(days=int(day))).isoformat()


def _value(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _document(scenario: Scenario, done: Replay) -> dict[str, Any]:
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


def _lines(scenario: Scenario, done: Replay, width: int) -> list[str]:
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
