"""`visitsim validate`: check a scenario (and an observations file of it), summarise
them, and warn about objective terms that cannot change the ranking."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..evidence.load import load_observations
from ..output.observations_summary import observations_summary, observations_summary_text
from ..output.scenario_summary import scenario_summary, scenario_summary_text
from ..output.terminal import output_width, wrap
from ..scenario import load_scenario
from ..scenario.lint import constant_terms
from .main import main
from .options import format_option, quiet_option, scenario_options


@main.command()
@scenario_options
@click.option(
    "--observed",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Also check this observations file of SCENARIO (what has happened since its "
    "start) and summarise it in one line.",
)
@format_option
@quiet_option("No summary: print only warnings, unless SCENARIO is invalid (the exit status says).")
def validate(
    scenario: Path, overrides: tuple[str, ...], observed: Path | None, fmt: str, quiet: bool
) -> None:
    """Check SCENARIO: print its errors (file:line: field: problem) or a summary.

    A valid scenario whose objective weighs a term that is the same under every ordering
    gets a `warning:` line per such term on stderr (`warnings` in JSON); the exit status
    is still 0. With --observed FILE the observations are checked against SCENARIO too
    and summarised (`observations` in JSON), as is a scenario's own `observed:` block.
    """
    loaded = load_scenario(scenario, overrides)
    evidence = None if observed is None else load_observations(observed, loaded)
    if evidence is None and loaded.observed is not None:
        evidence = loaded.observed.observations()
    warnings = constant_terms(loaded)
    summary = scenario_summary(loaded)
    seen = None if evidence is None else observations_summary(evidence, loaded)
    if fmt == "json" and not quiet:
        extra = {} if seen is None else {"observations": seen}
        click.echo(json.dumps(summary | extra | {"warnings": warnings}, indent=2))
        return
    width = output_width()
    if not quiet:
        click.echo(scenario_summary_text(summary, width))
        if seen is not None:
            click.echo(observations_summary_text(seen, width))
    for warning in warnings:
        click.echo("\n".join(wrap(f"warning: {warning}", width, "  ")), err=True)
