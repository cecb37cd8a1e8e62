"""`visitsim run`: simulate a scenario's candidate orderings and rank them.

Also `--resume RUN_DIR` (continue an interrupted run) and `--replay`/`--trace` (one
replication as a timeline, see `replay.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
from click.core import ParameterSource
from rich.console import Console

from ..api import Run, resume_run, run_scenario
from ..errors import InputError, ReplicationFailed
from ..executors import Executor
from ..experiment import KEEP_CELLS, AdaptiveSettings
from ..output.calendar import Calendar, calendar_lines
from ..output.rundir import argv
from ..output.terminal import (
    LazyProgress,
    Printer,
    design_sentence,
    mcb_sentence,
    ranking_document,
    ranking_legend,
    ranking_table,
)
from ..scenario import load_scenario
from ..schema import Scenario
from ..tuning.inputs import parse_ordering
from ..types import Ordering
from .main import main
from .options import executor_options, format_option, out_option, quiet_option, scenario_options
from .replay import replay as _replay


def _optional_scenario(command: click.Command) -> click.Command:
    """SCENARIO may be left out when --resume names a run directory instead."""
    for param in command.params:
        if param.name == "scenario":
            param.required = False
    return command


def _given(ctx: click.Context, *names: str) -> list[str]:
    """The options among `names` given on the command line, as the user spells them."""
    found = []
    for param in ctx.command.params:
        if param.name in names and ctx.get_parameter_source(param.name) not in (
            ParameterSource.DEFAULT,
            None,
        ):
            found.append(param.opts[0] if param.opts[0].startswith("-") else param.name.upper())
    return found


def _refuse(ctx: click.Context, option: str, names: tuple[str, ...], why: str) -> None:
    given = _given(ctx, *names)
    if given:
        raise InputError(f"{option} cannot be combined with {', '.join(given)}: {why}")


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
@click.option(
    "--replications",
    "-n",
    type=int,
    help="Fixed design: replications per ordering (default: the scenario's "
    "experiment.replications).",
)
@click.option("--seed", type=int, help="Random seed (default: the scenario's experiment.seed).")
@click.option(
    "--design",
    type=click.Choice(["fixed", "adaptive"]),
    default="fixed",
    show_default=True,
    help="fixed: the same N replications for every ordering. adaptive: the "
    "Kim-Nelson procedure eliminates orderings as evidence accumulates and "
    "stops with a guaranteed selection (above 1,000 orderings, a knockout "
    "tournament of Kim-Nelson groups, with the same guarantee).",
)
@click.option(
    "--delta",
    type=float,
    help="Adaptive: indifference zone δ, the smallest utility difference worth "
    "detecting (default: 0.05 x the utility's sd in a pilot run).",
)
@click.option(
    "--alpha",
    type=float,
    default=0.05,
    show_default=True,
    help="Adaptive: 1 - alpha is the probability of a correct selection.",
)
@click.option(
    "--n0",
    type=int,
    default=20,
    show_default=True,
    help="Adaptive: first-stage replications of every ordering.",
)
@click.option(
    "--batch",
    type=int,
    default=50,
    show_default=True,
    help="Adaptive: replications simulated between elimination checks.",
)
@click.option(
    "--max-replications",
    type=int,
    help="Adaptive: budget per ordering; a run that hits it has no guarantee.",
)
@click.option(
    "--keep-replications/--no-keep-replications",
    default=None,
    help="Fixed design: keep every replication's record and write replications.csv.gz. "
    f"By default only while orderings x replications x metrics <= {KEEP_CELLS:,} "
    "(64 MiB); beyond that, statistics are streamed in bounded memory and summary.json's "
    "quantiles come from the first replications that fit. Rankings are identical either way.",
)
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
    replications: int | None,
    seed: int | None,
    design: str,
    delta: float | None,
    alpha: float,
    n0: int,
    batch: int,
    max_replications: int | None,
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
    (Ctrl-C, SIGTERM), `visitsim run --resume RUN_DIR` continues it.
    """
    if resume is not None:
        _refuse(
            ctx,
            "--resume",
            ("scenario", "overrides", "seed", "out", "replay_which", "trace", *RUN_OPTIONS),
            "a resumed run keeps its own scenario, seed, design and results directory",
        )
        resolved = resume / "scenario.resolved.yaml"
        if calendars and resolved.is_file():
            _calendar_orderings(load_scenario(resolved), calendars)  # checked before resuming
        progress = LazyProgress(Console(stderr=True), f"resuming {resume.name}")
        with progress:
            done = _report_failure(
                lambda: resume_run(
                    resume, executor=executor, command=argv(), progress=None if quiet else progress
                )
            )
        _print_run(done, fmt, calendars)
        return
    if scenario is None:
        raise click.UsageError("Missing argument 'SCENARIO' (or give --resume RUN_DIR).")
    loaded = load_scenario(scenario, overrides)
    if replay_which is not None or trace:
        _refuse(
            ctx,
            "--replay" if replay_which is not None else "--trace",
            ("out", "executor", "workers", "calendars", *RUN_OPTIONS),
            "it runs one replication in this process and writes no results directory",
        )
        _replay(loaded, replay_which, seed, fmt)
        return
    if design == "adaptive" and keep_replications is not None:
        raise InputError(
            "--keep-replications/--no-keep-replications apply to the fixed design; the "
            "adaptive design decides what it keeps (see the README)"
        )
    _calendar_orderings(loaded, calendars)  # checked before simulating
    adaptive = (
        AdaptiveSettings(
            delta=delta, alpha=alpha, n0=n0, batch=batch, max_replications=max_replications
        )
        if design == "adaptive"
        else None
    )
    progress = LazyProgress(Console(stderr=True), f"simulating {loaded.name}")
    with progress:
        done = _report_failure(
            lambda: run_scenario(
                loaded,
                replications=replications,
                adaptive=adaptive,
                seed=seed,
                executor=executor,
                out=out,
                command=argv(),
                progress=None if quiet else progress,
                keep_replications=keep_replications,
            )
        )
    _print_run(done, fmt, calendars)


def _report_failure(call: Callable[[], Run]) -> Run:
    """Run `call`; a failing replication exits 1 with what replays it alone."""
    try:
        return call()
    except ReplicationFailed as failure:
        if click.get_current_context().meta.get("debug"):
            raise
        click.echo(f"error: {failure}", err=True)
        directory = failure.directory
        if directory is not None:
            click.echo(
                f"  the run is recorded as failed in {directory / 'manifest.json'}", err=True
            )
            if failure.replay is not None:
                click.echo(
                    f"  replay it alone: visitsim run {directory / 'scenario.resolved.yaml'} "
                    f"--replay {failure.replay} --seed {failure.seed}",
                    err=True,
                )
        raise click.exceptions.Exit(failure.exit_code) from None


def _calendar_orderings(scenario: Scenario, texts: tuple[str, ...]) -> list[Ordering | None]:
    """The --calendar orderings, checked (None: `best`, the top-ranked one)."""
    return [
        None if text.strip() == "best" else parse_ordering(text, scenario, "--calendar")
        for text in texts
    ]


def _calendars(done: Run, texts: tuple[str, ...]) -> list[Calendar]:
    """The calendars --calendar asks for, each once, in the order asked."""
    calendars: dict[Ordering, Calendar] = {}
    for ordering in _calendar_orderings(done.result.scenario, texts):
        try:
            calendar = done.calendar(ordering)
        except InputError as error:
            raise InputError(f"{error}; the run is in {done.directory}") from None
        calendars.setdefault(calendar.ordering, calendar)
    return list(calendars.values())


def _print_run(done: Run, fmt: str, calendar_texts: tuple[str, ...] = ()) -> None:
    """The ranking as a table, or one JSON document; then the calendars asked for."""
    loaded = done.result.scenario
    adaptive = done.design["design"] == "adaptive"
    calendars = _calendars(done, calendar_texts)
    if fmt == "json":
        document = {
            "scenario": loaded.name,
            "seed": done.result.seed,
            "design": {k: v for k, v in done.design.items() if k != "eliminated_at"},
            "recommendation": done.recommendation,
            "results": str(done.directory),
            "ranking": ranking_document(done.ranking, done.design),
        }
        if calendar_texts:
            document["calendars"] = [c.document() for c in calendars]
        click.echo(json.dumps(document, indent=2))
        return
    console = Printer()
    how = "knockout tournament" if done.design.get("rounds") else "KN"
    size = (
        f"adaptive {how}, {done.design['replications_total']:,} replications"
        if adaptive
        else f"{done.result.replications:,} replications each"
    )
    title = (
        f"{loaded.name}: {len(done.result.orderings)} orderings, {size}, seed {done.result.seed}"
    )
    console.print(ranking_table(done.ranking, done.design, title))
    for line in (
        ranking_legend(done.ranking, done.design),
        done.recommendation,
        mcb_sentence(done.ranking),
        design_sentence(done.design),
    ):
        if line:
            console.print(line)
    for calendar in calendars:
        console.lines(["", *calendar_lines(calendar, console.width)])
    if calendars:
        console.lines([""])
    console.lines([f"Results: {done.directory}"])
