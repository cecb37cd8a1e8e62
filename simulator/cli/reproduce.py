"""`visitsim reproduce RUN_DIR`: run a complete run again and verify identical results."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console

from ..api import reproduce_run
from ..executors import Executor
from ..output.progress import LazyProgress
from ..output.rundir import argv
from .main import main
from .options import executor_options, format_option, quiet_option


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@executor_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Root folder of the new run directory (default: the one RUN_DIR is in).",
)
@format_option
@quiet_option()
def reproduce(run_dir: Path, executor: Executor, out: Path | None, fmt: str, quiet: bool) -> None:
    """Run RUN_DIR again from its manifest and resolved scenario, into a new run
    directory, and check that every result table (ranking.csv, summary.json, ...) has
    the SHA-256 the manifest recorded. Exit status 1 if any differs."""
    progress = LazyProgress(Console(stderr=True), f"reproducing {run_dir.name}")
    with progress:
        done = reproduce_run(
            run_dir,
            out=out,
            executor=executor,
            command=tuple(argv()),
            progress=None if quiet else progress,
        )
    if fmt == "json":
        document = {
            "original": str(done.original),
            "reproduction": str(done.run.directory),
            "identical": done.identical,
            "hashes_recorded": done.recorded,
            "files": [
                {"name": c.name, "expected": c.expected, "actual": c.actual, "same": c.same}
                for c in done.checks
            ],
            "changes": {k: {"then": a, "now": b} for k, (a, b) in done.changes.items()},
        }
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(f"original:     {done.original}")
        click.echo(f"reproduction: {done.run.directory}")
        if not done.recorded:
            click.echo("(the original manifest records no hashes: its files were hashed)")
        for check in done.checks:
            if check.same:
                click.echo(f"  identical  {check.name}  sha256 {check.actual}")
            else:
                click.echo(
                    f"  DIFFERENT  {check.name}  expected {check.expected or 'no file'}, "
                    f"got {check.actual or 'no file'}"
                )
        if done.identical:
            click.echo("Reproduced: every result table is byte-identical.")
        else:
            click.echo("NOT reproduced: the result tables differ.")
            for name, (then, now) in done.changes.items():
                click.echo(f"  {name} changed since the original run: {then} -> {now}")
    if not done.identical:
        differing = ", ".join(c.name for c in done.checks if not c.same) or "ranking.csv"
        click.echo(f"error: {done.original} was not reproduced: {differing} differ", err=True)
        raise click.exceptions.Exit(1)
