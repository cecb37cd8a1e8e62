"""`visitsim run`: simulate a scenario's candidate orderings and rank them.

Also `--resume RUN_DIR` (continue an interrupted run) and `--replay`/`--trace` (one
replication as a timeline). Each calls the API and prints what it returns.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console

from ..api import RunSettings, check_calendars, replay, resume_run, run_scenario
from ..executors import Executor
from ..experiment import AdaptiveSettings
from ..output.progress import LazyProgress
from ..output.replay_console import replay_document, replay_lines
from ..output.run_console import print_run, run_document
from ..output.rundir import argv
from ..output.terminal import output_width
from ..scenario import load_scenario
from .main import main
from .options import (
    Known,
    design_options,
    evidence_options,
    executor_options,
    format_option,
    out_option,
    quiet_option,
    refuse,
    scenario_options,
)


def _optional_scenario(command: click.Command) -> click.Command:
    """SCENARIO may be left out when --resume names a run directory instead."""
    for param in command.params:
        if param.name == "scenario":
            param.required = False
    return command


REPLAY = ("replay_which", "trace")

RUN_OPTIONS = (
    "replications",
    "design",
    "delta",
    "alpha",
    "n0",
    "batch",
    "max_replications",
    "keep_replications",
)


@_optional_scenario
@main.command()
@scenario_options
@evidence_options
@click.option(
    "--replications",
    "-n",
    type=int,
    help="Fixed design: replications per ordering (default: the scenario's "
    "experiment.replications).",
)
@click.option("--seed", type=int, help="Random seed (default: the scenario's experiment.seed).")
@design_options
@executor_options
@out_option
@format_option
@click.option(
    "--calendar",
    "calendars",
    multiple=True,
    metavar="ORDERING",
    help="After the ranking, print when each visitor of ORDERING asks, is accepted and "
    "visits: median dates and 5-95% ranges, and how often the visit happens. ORDERING is "
    "visitor ids separated by commas, as in ranking.csv, or `best` (the top-ranked "
    "ordering). Repeatable; with --format json, a `calendars` list.",
)
@quiet_option()
@click.option(
    "--resume",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="RUN_DIR",
    help="Continue an interrupted run in RUN_DIR from its checkpoint, with the run's own "
    "scenario and settings (give no SCENARIO); results are identical to an "
    "uninterrupted run's.",
)
@click.option(
    "--replay",
    "replay_which",
    metavar="ORDERING:INDEX",
    help="Run only replication INDEX of ORDERING (visitor ids separated by commas, as "
    "in ranking.csv) and print its event timeline and outcome; no results directory.",
)
@click.option(
    "--trace",
    is_flag=True,
    help="Print the event timeline of one replication: the one --replay names, or "
    "replication 0 of the first candidate ordering.",
)
@click.pass_context
def run(
    ctx: click.Context,
    scenario: Path | None,
    overrides: tuple[str, ...],
    known: Known | None,
    replications: int | None,
    seed: int | None,
    adaptive: AdaptiveSettings | None,
    keep_replications: bool | None,
    executor: Executor,
    out: Path,
    fmt: str,
    calendars: tuple[str, ...],
    quiet: bool,
    resume: Path | None,
    replay_which: str | None,
    trace: bool,
) -> None:
    """Simulate the candidate orderings of SCENARIO and rank them.

    The run is written to a results directory under --out. If it is interrupted
    (Ctrl-C, SIGTERM), `visitsim run --resume RUN_DIR` continues it. With --observed
    FILE (and --as-of DATE), it re-plans from what had happened by DATE.
    """
    wanted = [None if t.strip() == "best" else t for t in calendars]
    if resume is not None:
        refuse(
            ctx,
            "--resume",
            (
                "scenario",
                "overrides",
                "observed",
                "as_of",
                "seed",
                "out",
                "replay_which",
                "trace",
                *RUN_OPTIONS,
            ),
            "a resumed run keeps its own scenario, seed, design and results directory",
        )
        resolved = resume / "scenario.resolved.yaml"
        if resolved.is_file():
            check_calendars(load_scenario(resolved), wanted)  # before resuming
        with LazyProgress(Console(stderr=True), f"resuming {resume.name}", quiet=quiet) as bar:
            done = resume_run(resume, executor=executor, command=tuple(argv()), progress=bar)
    else:
        if scenario is None:
            raise click.UsageError("Missing argument 'SCENARIO' (or give --resume RUN_DIR).")
        loaded = load_scenario(scenario, overrides)
        if known is not None:
            loaded = known.apply(loaded)
        if replay_which is not None or trace:
            refuse(
                ctx,
                "--replay" if replay_which is not None else "--trace",
                ("out", "executor", "workers", "calendars", *RUN_OPTIONS),
                "it runs one replication in this process and writes no results directory",
            )
            replayed = replay(loaded, replay_which, seed)
            if fmt == "json":
                click.echo(json.dumps(replay_document(loaded, replayed), indent=2))
            else:
                click.echo("\n".join(replay_lines(loaded, replayed, output_width())))
            if replayed.error is not None:
                click.echo(f"error: {replayed.error}", err=True)
                raise click.exceptions.Exit(1)
            return
        check_calendars(loaded, wanted)  # before simulating
        settings = RunSettings(
            replications=replications,
            adaptive=adaptive,
            seed=seed,
            keep_replications=keep_replications,
            executor=executor,
            out=out,
            command=tuple(argv()),
        )
        with LazyProgress(Console(stderr=True), f"simulating {loaded.name}", quiet=quiet) as bar:
            done = run_scenario(loaded, replace(settings, progress=bar))
    shown = done.calendars(wanted)
    parts = (done.result, done.ranking, done.design, done.recommendation, done.directory)
    if fmt == "json":
        click.echo(json.dumps(run_document(*parts, shown if calendars else None), indent=2))
    else:
        print_run(*parts, shown)
