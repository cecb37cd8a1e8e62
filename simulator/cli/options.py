"""Options shared by several commands."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from ..api.replan import base_as_of, known_as_of
from ..errors import InputError
from ..executors import EXECUTORS, make_executor
from ..experiment import KEEP_CELLS, AdaptiveSettings
from ..scenario import Scenario
from ..tuning import Base

F = TypeVar("F", bound=Callable[..., Any])


def scenario_options(command: F) -> F:
    """The options every command that reads a scenario shares."""
    command = click.option(
        "--set",
        "overrides",
        multiple=True,
        metavar="PATH=VALUE",
        help="Override a scenario value, e.g. host.preference.penalty=2 "
        "(repeatable; list items by id: visitors.kerry.earliest_day=30).",
    )(command)
    return click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))(command)


@dataclass(frozen=True)
class Known:
    """--observed FILE and --as-of DATE: the scenario is re-planned from what was
    observed by that date."""

    observed: Path
    as_of: str | None

    def apply(self, scenario: Scenario) -> Scenario:
        """`scenario` as known on the date."""
        return known_as_of(scenario, self.observed, self.as_of)

    def apply_base(self, base: Base) -> Base:
        """A tuning command's scenario file as known on the date."""
        return base_as_of(base, self.observed, self.as_of)


def param_option(help: str) -> Callable[[F], F]:
    """--param PATH=LOW:HIGH, repeatable, as `params`: assumptions and their ranges
    (`help` says what the command does with them)."""
    return click.option("--param", "params", multiple=True, metavar="PATH=LOW:HIGH", help=help)


def observed_option(help: str) -> Callable[[F], F]:
    """--observed FILE, required: the observations file a command judges (`help` says
    how it uses it)."""
    return click.option(
        "--observed",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help=help,
    )


def evidence_options(command: F) -> F:
    """--observed and --as-of, handed to the command as one `known` (None: neither)."""

    @functools.wraps(command)
    def build(*args: Any, observed: Path | None, as_of: str | None, **kwargs: Any) -> Any:
        if as_of is not None and observed is None:
            raise InputError("--as-of needs --observed FILE: the observations it looks back on")
        known = None if observed is None else Known(observed, as_of)
        return command(*args, known=known, **kwargs)

    wrapped: Any = click.option(
        "--observed",
        type=click.Path(dir_okay=False, path_type=Path),
        metavar="FILE",
        help="Re-plan from what has happened: the observations file (dated gate openings, "
        "requests, acceptances, refusals, visits, incidents, climate readings). Every "
        "replication starts from the observed state on --as-of.",
    )(
        click.option(
            "--as-of",
            metavar="DATE",
            help="With --observed: the date (YYYY-MM-DD, or a day number from the "
            "scenario's start) the plan is made on; only what was observed by then counts "
            "(default: the last day the observations cover).",
        )(build)
    )
    return wrapped  # type: ignore[no-any-return]


def executor_options(command: F) -> F:
    """--executor, --workers and --scheduler, handed to the command as one `executor`.

    The executor is built (and its options checked) before the command runs, and
    closed after it, which stops a Dask cluster the command started.
    """

    @functools.wraps(command)
    def build(
        *args: Any, executor: str, workers: int | None, scheduler: str | None, **kwargs: Any
    ) -> Any:
        pool = make_executor(executor, workers, scheduler)
        try:
            return command(*args, executor=pool, **kwargs)
        finally:
            close = getattr(pool, "close", None)
            if close is not None:
                close()

    wrapped: Any = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --executor dask: an existing Dask scheduler (e.g. tcp://host:8786); "
        "without it a local cluster is started.",
    )(build)
    wrapped = click.option("--workers", type=int, help="Worker processes (default: all cores).")(
        wrapped
    )
    return click.option(  # type: ignore[no-any-return]
        "--executor",
        type=click.Choice(EXECUTORS),
        default="process",
        show_default=True,
        help="Where replications run: this process (serial), local worker processes "
        "(process), or a Dask cluster (dask; needs the dask extra).",
    )(wrapped)


def out_option(command: F) -> F:
    """--out, the root folder of results directories."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("results"),
        show_default=True,
        help="Root folder of results directories.",
    )(command)


FORMATS = ("text", "json")


class _Format(click.Choice[str]):
    """text|json. `table`, what some commands called text before, still means text."""

    def __init__(self) -> None:
        super().__init__(FORMATS)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return super().convert("text" if value == "table" else value, param, ctx)


def format_option(command: F) -> F:
    """--format text|json, the same on every command that prints results."""
    return click.option(
        "--format",
        "fmt",
        type=_Format(),
        default="text",
        show_default=True,
        help="Print text (tables and sentences), or one JSON document on stdout.",
    )(command)


def quiet_option(text: str = "No progress bar (it goes to stderr).") -> Callable[[F], F]:
    """-q/--quiet, on every command that reports more than its result; `text` says what
    it leaves out."""
    return click.option("--quiet", "-q", is_flag=True, help=text)


def design_options(command: F) -> F:
    """--design and the adaptive procedure's options, handed to the command as one
    `adaptive` (None for the fixed design), and --keep-replications."""

    @functools.wraps(command)
    def build(
        *args: Any,
        design: str,
        delta: float | None,
        alpha: float,
        n0: int,
        batch: int,
        max_replications: int | None,
        **kwargs: Any,
    ) -> Any:
        if design == "adaptive" and kwargs["keep_replications"] is not None:
            raise InputError(
                "--keep-replications/--no-keep-replications apply to the fixed design; the "
                "adaptive design decides what it keeps (see the README)"
            )
        adaptive = (
            AdaptiveSettings(
                delta=delta, alpha=alpha, n0=n0, batch=batch, max_replications=max_replications
            )
            if design == "adaptive"
            else None
        )
        return command(*args, adaptive=adaptive, **kwargs)

    wrapped: Any = build
    for option in reversed(
        (
            click.option(
                "--design",
                type=click.Choice(["fixed", "adaptive"]),
                default="fixed",
                show_default=True,
                help="fixed: the same N replications for every ordering. adaptive: the "
                "Kim-Nelson procedure eliminates orderings as evidence accumulates and "
                "stops with a guaranteed selection (above 1,000 orderings, a knockout "
                "tournament of Kim-Nelson groups, with the same guarantee).",
            ),
            click.option(
                "--delta",
                type=float,
                help="Adaptive: indifference zone δ, the smallest utility difference worth "
                "detecting (default: 0.05 x the utility's sd in a pilot run).",
            ),
            click.option(
                "--alpha",
                type=float,
                default=0.05,
                show_default=True,
                help="Adaptive: 1 - alpha is the probability of a correct selection.",
            ),
            click.option(
                "--n0",
                type=int,
                default=20,
                show_default=True,
                help="Adaptive: first-stage replications of every ordering.",
            ),
            click.option(
                "--batch",
                type=int,
                default=50,
                show_default=True,
                help="Adaptive: replications simulated between elimination checks.",
            ),
            click.option(
                "--max-replications",
                type=int,
                help="Adaptive: budget per ordering; a run that hits it has no guarantee.",
            ),
            click.option(
                "--keep-replications/--no-keep-replications",
                default=None,
                help="Fixed design: keep every replication's record and write "
                "replications.csv.gz. By default only while orderings x replications x "
                f"metrics <= {KEEP_CELLS:,} (64 MiB); beyond that, statistics are streamed in "
                "bounded memory and summary.json's quantiles come from the first replications "
                "that fit. Rankings are identical either way.",
            ),
        )
    ):
        wrapped = option(wrapped)
    return wrapped  # type: ignore[no-any-return]


def given_options(ctx: click.Context, *names: str) -> list[str]:
    """The options among `names` given on the command line, as the user spells them."""
    found = []
    for param in ctx.command.params:
        if param.name in names and ctx.get_parameter_source(param.name) not in (
            ParameterSource.DEFAULT,
            None,
        ):
            found.append(param.opts[0] if param.opts[0].startswith("-") else param.name.upper())
    return found


def refuse(ctx: click.Context, option: str, names: tuple[str, ...], why: str) -> None:
    """Refuse `option` together with any of the options `names` given, saying `why`."""
    given = given_options(ctx, *names)
    if given:
        raise InputError(f"{option} cannot be combined with {', '.join(given)}: {why}")
