"""`visitsim init`: write a commented starter scenario and say what to try next."""

from __future__ import annotations

import shlex

import click

from ..starter import write_starter
from .main import main
from .options import quiet_option


@main.command()
@click.argument("name")
@quiet_option("Print nothing but errors (no list of what to try next).")
def init(name: str, quiet: bool) -> None:
    """Write a commented starter scenario to NAME.yaml (or to NAME if it ends in .yaml):
    three visitors, one gate and a host preference, ready to validate and run. An
    existing file is never overwritten."""
    path = shlex.quote(str(write_starter(name)))
    if quiet:
        return
    click.echo(f"wrote {path}: a starter scenario to edit into your own question")
    click.echo("next, try:")
    commands = (
        (f"visitsim validate {path}", "check it and count its orderings"),
        (f"visitsim run {path} -n 200", "rank them (the run is kept under results/)"),
        (f"visitsim run {path} --trace", "one replication, event by event"),
    )
    width = max(len(command) for command, _ in commands)
    for command, what in commands:
        click.echo(f"  {command:<{width}}  # {what}")
