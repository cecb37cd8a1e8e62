"""What the command line shows: rich tables and plain-data documents for --format json."""

from __future__ import annotations

import time
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import Progress, TaskID, TextColumn
from rich.table import Table

from ..constraints import candidate_orderings
from ..schema import Scenario, UntilGate, WindowGate
from ..stats.ranking import Ranking
from .tables import ranking_rows

ARROW = " → "


def ranking_table(ranking: Ranking, title: str, limit: int | None = None) -> Table:
    """The ranking, best first: rank, ordering, mean utility with CI, P(best)."""
    percent = round(ranking.confidence * 100)
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("rank", justify="right")
    table.add_column("ordering", no_wrap=True)
    table.add_column("mean", justify="right")
    table.add_column(f"{percent}% CI", justify="right", no_wrap=True)
    table.add_column("P(best)", justify="right")
    rows = ranking_rows(ranking)
    for row in rows[:limit]:
        table.add_row(
            str(row["rank"]),
            row["ordering"].replace(",", ARROW),
            f"{row['mean_utility']:.3f}",
            f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]",
            f"{row['p_best']:.3f}",
            style="bold green" if row["rank"] == 1 else None,
        )
    if limit is not None and len(rows) > limit:
        table.caption = f"{len(rows) - limit} more orderings in ranking.csv"
    return table


def ranking_document(ranking: Ranking) -> list[dict[str, Any]]:
    """The ranking as JSON-ready rows, ordering as a list of visitor ids."""
    return [row | {"ordering": row["ordering"].split(",")} for row in ranking_rows(ranking)]


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    """What `validate` reports for a valid scenario."""
    gates: list[dict[str, Any]] = []
    for gate in scenario.gates:
        if isinstance(gate, WindowGate):
            gates.append({"id": gate.id, "kind": "window", "days": [gate.start_day, gate.end_day]})
        elif isinstance(gate, UntilGate):
            gates.append({"id": gate.id, "kind": "until", "mean_opening": gate.opens.mean})
    return {
        "scenario": scenario.name,
        "start": scenario.start.isoformat(),
        "horizon_days": scenario.horizon_days,
        "visitors": [{"id": v.id, "name": v.name, "track": v.track} for v in scenario.visitors],
        "gates": gates,
        "candidates": len(candidate_orderings(scenario)),
        "policy": scenario.policy.mode,
    }


def scenario_summary_text(summary: dict[str, Any]) -> str:
    """The validation summary in a few lines of plain text."""
    visitors = ", ".join(f"{v['id']} ({v['track']})" for v in summary["visitors"])
    gates = ", ".join(f"{g['id']} ({g['kind']})" for g in summary["gates"]) or "none"
    return "\n".join(
        [
            f"scenario {summary['scenario']} is valid",
            f"  start {summary['start']}, horizon {summary['horizon_days']:g} days,"
            f" policy {summary['policy']}",
            f"  visitors: {visitors}",
            f"  gates: {gates}",
            f"  candidate orderings: {summary['candidates']}",
        ]
    )


class LazyProgress:
    """A rich progress bar that appears only once a run has taken over a second."""

    def __init__(self, console: Console, description: str, delay: float = 1.0) -> None:
        self.console = console
        self.description = description
        self.delay = delay
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if time.monotonic() - self.started < self.delay or done >= total:
                return
            self.bar = Progress(
                *Progress.get_default_columns(),
                TextColumn("{task.completed}/{task.total} replications"),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        assert self.task is not None
        self.bar.update(self.task, completed=done)

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
