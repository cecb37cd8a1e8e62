"""`visitsim init`: write a commented starter scenario and say what to try next."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from ..errors import InputError
from ..output import files
from ..scenario.starter import starter_path, starter_text
from .main import main
from .options import quiet_option


def _write_starter(name: str) -> Path:
    """Write the starter scenario for NAME (see `starter_path`) and return its path;
    an existing file is never overwritten."""
    path = starter_path(name)
    text = starter_text(path)
    if not path.parent.is_dir():
        why = "is not a folder" if path.parent.exists() else "does not exist"
        raise InputError(f"cannot write {path}: {path.parent} {why}")
    try:
        files.write_text(path, text, exclusive=True)
    except FileExistsError:
        raise InputError(
            f"{path} already exists; give another name, or remove the file first"
        ) from None
    return path


@main.command()
@click.argument("name")
@quiet_option("Print nothing but errors (no list of what to try next).")
def init(name: str, quiet: bool) -> None:
    """Write a commented starter scenario to NAME.yaml (or to NAME if it ends in .yaml):
    three visitors, one gate and a host preference, ready to validate and run. An
    existing file is never overwritten."""
    path = shlex.quote(str(_write_starter(name)))
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
