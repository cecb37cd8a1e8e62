"""What the tuning commands (sweep, sensitivity, robustness) share: the options every one
takes, bundled as one `Tuning`, which loads the scenario, shows a progress bar over
settings while the API runs, and prints the result as text or JSON."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from ..api import Base, TuningRun
from ..evidence.condition import conditioning
from ..executors import Executor
from ..output.progress import LazyProgress
from ..output.rundir import argv
from .options import (
    Known,
    evidence_options,
    executor_options,
    format_option,
    out_option,
    quiet_option,
)

F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


def echo_json(document: dict[str, Any], directory: Path) -> None:
    """Print the command's JSON document, with where its files are, as one document."""
    click.echo(json.dumps(document | {"results": str(directory)}, indent=2))


@dataclass(frozen=True)
class Tuning:
    """The options of a tuning command that are not its own: the replications per
    ordering at each setting, the seed, the executor, the results folder, the output
    format and whether to show progress."""

    replications: int
    seed: int | None
    executor: Executor
    out: Path
    fmt: str
    quiet: bool
    known: Known | None = None

    def run(
        self,
        what: str,
        scenario: Path,
        overrides: tuple[str, ...],
        call: Callable[[Base, dict[str, Any]], TuningRun[R]],
    ) -> TuningRun[R]:
        """Load the scenario file and call the API (`call(base, settings' shared
        fields)`) under a progress bar over settings on stderr."""
        base = Base.load(scenario, overrides)
        if self.known is not None:
            base = self.known.apply_base(base)
        bar = LazyProgress(
            Console(stderr=True),
            f"{what} {base.scenario.name}",
            unit=f"settings of {self.replications} replications",
            quiet=self.quiet,
        )
        shared = {
            "replications": self.replications,
            "seed": self.seed,
            "out": self.out,
            "executor": self.executor,
            "progress": bar,
            "command": tuple(argv()),
        }
        past = conditioning(base.scenario)
        if past is not None:
            facts = past.summary(base.scenario.start)
            click.echo(f"Conditioned on what was observed {facts[0]}:", err=True)
            click.echo("\n".join(f"  {fact}" for fact in facts[1:]), err=True)
        with bar:
            return call(base, shared)

    def show(self, done: TuningRun[R], text: Callable[[R, dict[str, Any], Path], None]) -> None:
        """The result as one JSON document, or as text."""
        if self.fmt == "json":
            echo_json(done.document, done.directory)
        else:
            text(done.result, done.document, done.directory)


def tuning_options(replications: int, per: str, *, replan: bool = True) -> Callable[[F], F]:
    """What sweep, sensitivity and robustness all take: -n/--replications (default
    `replications`, per ordering `per`), --seed, the executor options, --out, --format
    and -q, and (with `replan`) --observed and --as-of, handed to the command as one
    `tuning`."""

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def bundle(
            *args: Any,
            replications: int,
            seed: int | None,
            executor: Executor,
            out: Path,
            fmt: str,
            quiet: bool,
            known: Known | None = None,
            **kwargs: Any,
        ) -> Any:
            tuning = Tuning(replications, seed, executor, out, fmt, quiet, known)
            return command(*args, tuning=tuning, **kwargs)

        wrapped: Any = bundle
        for option in (
            *((evidence_options,) if replan else ()),
            quiet_option(),
            format_option,
            out_option,
            executor_options,
            click.option(
                "--seed", type=int, help="Random seed (default: the scenario's experiment.seed)."
            ),
            click.option(
                "--replications",
                "-n",
                type=int,
                default=replications,
                show_default=True,
                help=f"Replications per ordering {per}.",
            ),
        ):
            wrapped = option(wrapped)
        return wrapped  # type: ignore[no-any-return]

    return decorate
