"""Terminal output: the progress bar shows a rate and disappears; --quiet shows nothing."""

from __future__ import annotations

import io
import time

from rich.console import Console

from simulator.output.progress import LazyProgress


def render(quiet: bool, delay: float) -> str:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with LazyProgress(console, "simulating", quiet=quiet, delay=delay) as progress:
        for step in range(1, 5):
            time.sleep(0.02)
            progress(step * 100, 400, "")
    return out.getvalue()


def test_progress_bar_shows_replications_and_rate() -> None:
    text = render(quiet=False, delay=0.0)
    assert "simulating" in text
    assert "replications" in text
    assert "/s" in text


def test_quiet_and_short_runs_show_no_bar() -> None:
    assert render(quiet=True, delay=0.0) == ""
    assert render(quiet=False, delay=60.0) == ""
