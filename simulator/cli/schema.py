"""`visitsim schema`: print the JSON Schema of the scenario format, for editors."""

from __future__ import annotations

import click

from ..scenario.json_schema import schema_text
from .main import main


@main.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editor completion and checks).

    Save it next to your scenarios and put
    `# yaml-language-server: $schema=scenario.schema.json` on a scenario's first line.
    """
    click.echo(schema_text(), nl=False)
