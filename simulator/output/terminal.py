"""What the command line shows: rich tables and plain-data documents for --format json."""

from __future__ import annotations

import time
from typing import Any

from rich import box
from rich.console import Console
from rich.progress import Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

from ..constraints import candidate_orderings
from ..schema import Scenario, UntilGate, WindowGate
from ..stats.ranking import Ranking
from .tables import ranking_rows

ARROW = "→"


TABLE_ROWS = 30
"""Most orderings `visitsim run` prints; ranking.csv has them all."""


def ranking_table(
    ranking: Ranking, design: dict[str, Any], title: str, limit: int | None = TABLE_ROWS
) -> Table:
    """The ranking, best first: mean utility with CI, P(best), SUCRA; and for the
    adaptive design, replications and the replication at which each was eliminated
    ("out"). Compact enough for an 80-column terminal with four visitors."""
    percent = round(ranking.confidence * 100)
    adaptive = design["design"] == "adaptive"
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0)
    )
    table.add_column("rank", justify="right")
    table.add_column("ordering", no_wrap=True)
    table.add_column(f"mean ± {percent}% CI", justify="right", no_wrap=True)
    table.add_column("P(best)", justify="right")
    table.add_column("SUCRA", justify="right")
    if adaptive:
        table.add_column("reps", justify="right")
        table.add_column("out", justify="right")
    rows = ranking_rows(ranking, design.get("eliminated_at"))
    for row in rows[:limit]:
        cells = [
            str(row["rank"]),
            row["ordering"].replace(",", ARROW),
            f"{row['mean_utility']:.3f} ± {(row['ci_high'] - row['ci_low']) / 2:.3f}",
            "" if row["p_best"] is None else f"{row['p_best']:.3f}",
            "" if row["sucra"] is None else f"{row['sucra']:.2f}",
        ]
        if adaptive:
            out_at = row["eliminated_at"]
            cells += [str(row["replications"]), "" if out_at is None else str(out_at)]
        table.add_row(*cells, style="bold green" if row["rank"] == 1 else None)
    if limit is not None and len(rows) > limit:
        table.caption = f"{len(rows) - limit:,} more orderings in ranking.csv"
    return table


def mcb_sentence(ranking: Ranking) -> str:
    """Hsu's MCB in one line: how many orderings are ruled out as best."""
    contenders = ranking.contenders
    if not contenders:
        return ""
    percent = round(ranking.confidence * 100)
    names = ", ".join(ARROW.join(ranking.orderings[k]) for k in contenders[:3])
    more = f" and {len(contenders) - 3} more" if len(contenders) > 3 else ""
    return (
        f"MCB ({percent}% simultaneous): {len(ranking.orderings) - len(contenders)} of "
        f"{len(ranking.orderings)} orderings are ruled out as best; still in contention: "
        f"{names}{more}."
    )


def design_sentence(design: dict[str, Any]) -> str:
    """What the adaptive design spent, against a fixed design of equal guarantee."""
    if design["design"] != "adaptive":
        return ""
    return f"{spent_sentence(design)} {compared_sentence(design)}"


def spent_sentence(design: dict[str, Any]) -> str:
    """What the adaptive design spent."""
    if design.get("rounds"):
        return (
            f"The knockout tournament played {design['rounds']} rounds (α/{design['rounds']} "
            f"= {design['alpha_round']:.3g} each) and spent {design['replications_total']:,} "
            f"replications in all. δ: {design['delta_source']}."
        )
    return (
        f"KN spent {design['replications_total']:,} replications in all; a fixed "
        f"(Rinott) design with the same δ = {design['delta']:.4g} and α = {design['alpha']:g} "
        f"would need about {design['rinott_total']:,}. δ: {design['delta_source']}."
    )


def compared_sentence(design: dict[str, Any]) -> str:
    """What P(best), SUCRA and MCB of an adaptive run describe (not the selection)."""
    n = design.get("compared_on")
    if n is None:
        return ""
    which = (
        "the final round's orderings on that round's"
        if design.get("rounds")
        else "every ordering on the first"
    )
    return (
        f"P(best), SUCRA and MCB compare {which} {n:,} replications, which all of them "
        "have; they describe those replications, not the selection's confidence."
    )


def ranking_document(ranking: Ranking, design: dict[str, Any]) -> list[dict[str, Any]]:
    """The ranking as JSON-ready rows, ordering as a list of visitor ids."""
    return [
        row | {"ordering": row["ordering"].split(",")}
        for row in ranking_rows(ranking, design.get("eliminated_at"))
    ]


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


class RateColumn(ProgressColumn):
    """Units completed per second (blank until rich has measured a speed)."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s")


class LazyProgress:
    """A rich progress bar on stderr that appears only once work has taken a second.

    It redraws on each update rather than from a refresh thread: while another thread
    runs, the process executor must start workers by spawn instead of fork, which
    costs seconds per session. `unit` names what `done` counts.
    """

    def __init__(
        self,
        console: Console,
        description: str,
        *,
        unit: str = "replications",
        quiet: bool = False,
        delay: float = 1.0,
    ) -> None:
        self.console = console
        self.description = description
        self.unit = unit
        self.quiet = quiet
        self.delay = delay
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __call__(self, done: int, total: int | None, status: str) -> None:
        if self.quiet:
            return
        if self.bar is None:
            if time.monotonic() - self.started < self.delay or done == total:
                return
            self.bar = Progress(
                *Progress.get_default_columns(),
                TextColumn("{task.completed} {task.fields[unit]} {task.fields[status]}"),
                RateColumn(),
                console=self.console,
                transient=True,
                auto_refresh=False,
            )
            self.bar.start()
            self.task = self.bar.add_task(
                self.description, total=total, unit=self.unit, status=status
            )
        assert self.task is not None
        self.bar.update(self.task, completed=done, total=total, status=status)
        self.bar.refresh()

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
