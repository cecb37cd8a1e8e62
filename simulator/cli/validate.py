"""`visitsim validate`: check a scenario, summarise it, and warn about objective terms
that cannot change the ranking."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..output.scenario_summary import scenario_summary, scenario_summary_text
from ..output.terminal import output_width, wrap
from ..scenario import load_scenario
from ..scenario.lint import constant_terms
from .main import main
from .options import format_option, quiet_option, scenario_options


@main.command()
@scenario_options
@format_option
@quiet_option("No summary: print only warnings, unless SCENARIO is invalid (the exit status says).")
def validate(scenario: Path, overrides: tuple[str, ...], fmt: str, quiet: bool) -> None:
    """Check SCENARIO: print its errors (file:line: field: problem) or a summary.

    A valid scenario whose objective weighs a term that is the same under every ordering
    gets a `warning:` line per such term on stderr (`warnings` in JSON); the exit status
    is still 0.
    """
    loaded = load_scenario(scenario, overrides)
    warnings = constant_terms(loaded)
    summary = scenario_summary(loaded)
    if fmt == "json" and not quiet:
        click.echo(json.dumps(summary | {"warnings": warnings}, indent=2))
        return
    width = output_width()
    if not quiet:
        click.echo(scenario_summary_text(summary, width))
    for warning in warnings:
        click.echo("\n".join(wrap(f"warning: {warning}", width, "  ")), err=True)
