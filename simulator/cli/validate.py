"""`visitsim validate`: check a scenario and summarise it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..output.terminal import scenario_summary, scenario_summary_text
from ..scenario import load_scenario
from .main import main
from .options import format_option, quiet_option, scenario_options


@main.command()
@scenario_options
@format_option
@quiet_option("No summary: print nothing unless SCENARIO is invalid (the exit status says).")
def validate(scenario: Path, overrides: tuple[str, ...], fmt: str, quiet: bool) -> None:
    """Check SCENARIO: print its errors (file:line: field: problem) or a summary."""
    summary = scenario_summary(load_scenario(scenario, overrides))
    if quiet:
        return
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(scenario_summary_text(summary))
