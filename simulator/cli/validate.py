"""`visitsim validate`: check a scenario and summarise it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..output.terminal import output_width, scenario_summary, scenario_summary_text
from ..scenario import load_scenario
from .main import main
from .options import scenario_options


@main.command()
@scenario_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Print a summary, or one JSON document on stdout.",
)
def validate(scenario: Path, overrides: tuple[str, ...], fmt: str) -> None:
    """Check SCENARIO: print its errors (file:line: field: problem) or a summary."""
    summary = scenario_summary(load_scenario(scenario, overrides))
    if fmt == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(scenario_summary_text(summary, output_width()))
