"""What the command line shows: rich tables and plain-data documents for --format json.

Everything printed on stdout fits the terminal's width, or `COLUMNS`, or 80 columns
when the output is not a terminal, and no line ends in spaces.
"""

from __future__ import annotations

import copy
import re
import textwrap
import time
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from rich import box
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.progress import Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.table import Table
from rich.text import Text

from ..scenario import Scenario, UntilGate, WindowGate, candidate_orderings
from ..stats.ranking import Ranking
from .tables import ARROW, ordering_arrows, ranking_rows

_TRAILING_SPACE = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$")
"""Spaces at the end of a line, perhaps followed by the codes that end its styles."""


def _rstrip(line: str) -> str:
    """`line` without trailing spaces, keeping any style codes that close it."""
    while True:
        stripped = _TRAILING_SPACE.sub(r"\1", line)
        if stripped == line:
            return line
        line = stripped


class Printer:
    """Prints a command's tables and sentences on stdout.

    rich sizes tables to the terminal, to `COLUMNS` if set, or to 80 columns when the
    output is piped; this strips the spaces rich pads cells with, so that piped output
    has no trailing spaces. A table's title and every sentence are wrapped at that width
    by `wrap`, which never cuts a word. `lines` prints lines as they are: the
    `Results: PATH` line stays whole, to be copied or parsed, however long the path.
    """

    def __init__(self) -> None:
        self.console = Console()

    @property
    def width(self) -> int:
        """Columns available for a line."""
        return self.console.width

    def print(self, *renderables: RenderableType) -> None:
        """Print each renderable on its own lines: text (no markup) wrapped at the
        width, a line break kept; a table under its title."""
        for renderable in renderables:
            if isinstance(renderable, str):
                self.lines(
                    line
                    for paragraph in renderable.split("\n")
                    for line in wrap(paragraph, self.width)
                )
            elif isinstance(renderable, Table) and isinstance(renderable.title, str):
                self.print(renderable.title)
                untitled = copy.copy(renderable)
                untitled.title = None
                self._render(untitled)
            else:
                self._render(renderable)

    def _render(self, renderable: RenderableType) -> None:
        with self.console.capture() as captured:
            self.console.print(renderable)
        self.lines(captured.get().splitlines())

    def lines(self, lines: Iterable[str]) -> None:
        """Print lines already laid out, without their trailing spaces."""
        out = self.console.file
        for line in lines:
            out.write(_rstrip(line) + "\n")
        out.flush()


def output_width() -> int:
    """Columns stdout has: the terminal's, `COLUMNS`, or 80 when it is not a terminal."""
    return Console().width


class _Wrapper(textwrap.TextWrapper):
    """Breaks at spaces and, where a line must break inside it, after an ordering's arrows."""

    wordsep_simple_re = re.compile(rf"(\s+)|(?<={ARROW})(?=\S)")


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """`text` wrapped at `width`, continuation lines indented by `indent`; a word
    longer than a line is never cut (an ordering breaks after an arrow)."""
    wrapper = _Wrapper(
        width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    return wrapper.wrap(text) or [""]


class Pieces:
    """Text a table cell may break only after its separators: an ordering after each
    arrow, a dotted path after each dot. A narrow column then shows all of it on
    several lines instead of cutting it off."""

    def __init__(self, text: str, separator: str = ARROW) -> None:
        self.text = text
        parts = text.split(separator)
        self.pieces = [p + separator for p in parts[:-1]] + [parts[-1]]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(max(len(p) for p in self.pieces), len(self.text)).with_maximum(
            options.max_width
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        lines = [""]
        for piece in self.pieces:
            if lines[-1] and len(lines[-1]) + len(piece) > options.max_width:
                lines.append("")
            lines[-1] += piece
        yield Text("\n".join(lines), overflow="fold")


TABLE_ROWS = 30
"""Most orderings `visitsim run` prints; ranking.csv has them all."""


def ranking_table(
    ranking: Ranking, design: dict[str, Any], title: str, limit: int | None = TABLE_ROWS
) -> Table:
    """The ranking, best first: mean utility with CI, P(best), SUCRA; and for the
    adaptive design, replications and the replication at which each was eliminated
    ("out"). Compact enough for an 80-column terminal with four visitors; an ordering
    too long for its column breaks after an arrow. `ranking_legend` explains it."""
    percent = round(ranking.confidence * 100)
    adaptive = design["design"] == "adaptive"
    table = Table(
        title=title,
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("rank", justify="right")
    table.add_column("ordering")
    table.add_column(f"mean ± {percent}% CI", justify="right", no_wrap=True, overflow="fold")
    table.add_column("P(best)", justify="right", overflow="fold")
    table.add_column("SUCRA", justify="right", overflow="fold")
    if adaptive:
        table.add_column("reps", justify="right")
        table.add_column("out", justify="right")
    rows = ranking_rows(ranking, design.get("eliminated_at"))
    for row in rows[:limit]:
        cells: list[RenderableType] = [
            str(row["rank"]),
            Pieces(ordering_arrows(row["ordering"].split(","))),
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


def ranking_legend(ranking: Ranking, design: dict[str, Any]) -> str:
    """What the ranking table's columns and the MCB sentence under it mean."""
    text = (
        "P(best): chance of the highest mean utility. SUCRA: from 1 (always ranked "
        "first) to 0 (always last)."
    )
    if not np.isnan(ranking.mcb_high).any():
        text += " MCB: Hsu's multiple comparisons with the best."
    if design["design"] == "adaptive":
        text += " reps: replications run; out: replications when it was eliminated."
    return text


def mcb_sentence(ranking: Ranking) -> str:
    """Hsu's MCB in one line: how many orderings are ruled out as best."""
    contenders = ranking.contenders
    if not contenders:
        return ""
    percent = round(ranking.confidence * 100)
    names = ", ".join(ordering_arrows(ranking.orderings[k]) for k in contenders[:3])
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


def scenario_summary_text(summary: dict[str, Any], width: int = 80) -> str:
    """The validation summary in a few lines of plain text, wrapped at `width`."""
    visitors = ", ".join(f"{v['id']} ({v['track']})" for v in summary["visitors"])
    gates = ", ".join(f"{g['id']} ({g['kind']})" for g in summary["gates"]) or "none"
    return "\n".join(
        [
            f"scenario {summary['scenario']} is valid",
            *wrap(
                f"  start {summary['start']}, horizon {summary['horizon_days']:g} days,"
                f" policy {summary['policy']}",
                width,
                "    ",
            ),
            *wrap(f"  visitors: {visitors}", width, "    "),
            *wrap(f"  gates: {gates}", width, "    "),
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
