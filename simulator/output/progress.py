"""A progress bar on stderr for long work, shown only once the work has taken a second."""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text


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
