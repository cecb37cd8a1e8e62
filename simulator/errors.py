"""One error hierarchy: every failure a user can cause is a `SimulatorError`."""

from __future__ import annotations

import re
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command line imports this module before numpy, which types needs
    from .types import Ordering

_SETTING = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]*)\}")
OVERRIDES = "overrides"
"""The setting that holds a run's scenario overrides (`PATH=VALUE`)."""


class SimulatorError(Exception):
    """Base class of errors the command line reports without a traceback."""

    exit_code = 1

    def render(self, names: Mapping[str, str]) -> str:
        """The message with each setting it names shown as `names[setting]` (the command
        line passes its option names); plain `str()` shows the Python names."""
        return str(self)


class InputError(SimulatorError):
    """Bad input from the user (scenario, option, override): exit status 2."""

    exit_code = 2


class ModifiedResults(SimulatorError):
    """A complete run's result tables no longer match the hashes its manifest records:
    there is nothing to verify a reproduction against (exit status 1, as for any
    difference)."""


class SettingError(InputError):
    """A run setting out of range or inconsistent with another.

    The engine names settings, never command-line flags: the message is a template in
    which `{name}` stands for a setting (`{replications} must be at least 2`) and `{{`
    and `}}` stand for braces (`literal` escapes text the user gave). Plain `str()` shows
    the Python names, as the API takes them; the command line renders the same template
    with its option names (`--replications must be at least 2`).
    """

    def __init__(self, template: str, *, setting: str) -> None:
        self.template = template
        self.setting = setting
        super().__init__(self.render({}))

    def render(self, names: Mapping[str, str]) -> str:
        """The message with each `{setting}` shown as `names[setting]` (else its name)."""
        return _SETTING.sub(
            lambda m: m[0][0] if m[1] is None else names.get(m[1], m[1]), self.template
        )


def literal(text: str) -> str:
    """`text` as it must appear in a `SettingError` template to be shown unchanged."""
    return text.replace("{", "{{").replace("}", "}}")


class ScenarioError(InputError):
    """A scenario file or override that does not validate.

    Carries where the problem is (file, line, dotted field path) and what is wrong,
    so that the message alone lets the user fix it. A value given as an override
    (`PATH=VALUE`, the `overrides` setting) is located by the override instead of a
    file and line: `override PATH=VALUE`, which the command line shows as its option
    (`--set PATH=VALUE`).
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        override: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.override = override
        self.detail = message
        super().__init__(self.render({}))

    def render(self, names: Mapping[str, str]) -> str:
        """`file:line: field: message` (or `override PATH=VALUE: field: message`, the
        override named as `names["overrides"]` if given), leaving out what is unknown."""
        where = ""
        if self.override is not None:
            where = f"{names.get(OVERRIDES, 'override')} {self.override}"
        elif self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.detail])


class ScenarioErrors(InputError):
    """Several validation problems found at once, reported together."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        super().__init__(self.render({}))

    def render(self, names: Mapping[str, str]) -> str:
        """One line per problem (see `ScenarioError.render`)."""
        return "\n".join(e.render(names) for e in self.errors)


class FieldError(ValueError):
    """A problem found by a scenario model's own check, carrying the offending field's
    location.

    Raised inside pydantic validators, which turn only a `ValueError` into a validation
    error; the loader reads `loc` (relative to the model that raised it) to point the
    user at the right line instead of at the whole model, and reports a `ScenarioError`.
    """

    def __init__(
        self, message: str, loc: tuple[str | int, ...], names: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message)
        self.loc = loc
        self.names = names  # the ids or names the problem is about, if any


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM.

    Raised by the command line's signal handler (with `signum`) and re-raised by the
    API once the results directory records the stop (with `directory`, whether the run
    can be resumed from it, and progress), so the same cleanup runs for both signals.
    """

    def __init__(
        self,
        signum: int = signal.SIGINT,
        directory: Path | None = None,
        completed: int | None = None,
        total: int | None = None,
        *,
        resumable: bool = True,
    ) -> None:
        super().__init__(signum, directory, completed, total)
        self.signum = signum
        self.directory = directory
        self.resumable = resumable
        self.completed = completed
        self.total = total

    @property
    def exit_code(self) -> int:
        """128 + the signal number: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum

    def __str__(self) -> str:
        text = f"stopped by {signal.Signals(self.signum).name}"
        if self.completed is not None:
            of = "" if self.total is None else f" of {self.total:,}"
            text += f" after {self.completed:,}{of} replications"
        return text


class ReplicationFailed(SimulatorError):
    """One replication raised inside the model, or gave a utility that is not finite.

    Carries what reproduces it alone: the ordering, the replication index and the seed
    (with the scenario). `ordering` is None when drawing the replication's world failed;
    `worlds` then holds the replications that world block covers.
    """

    def __init__(
        self,
        ordering: Ordering | None,
        replication: int,
        seed: int,
        error: str,
        details: str = "",
        worlds: range | None = None,
    ) -> None:
        super().__init__(ordering, replication, seed, error, details, worlds)
        self.ordering = ordering
        self.replication = replication
        self.seed = seed
        self.error = error
        self.details = details
        self.worlds = worlds
        self.directory: Path | None = None  # the run directory, once one records the failure

    def __str__(self) -> str:
        if self.ordering is None:
            worlds = self.worlds or range(self.replication, self.replication + 1)
            return (
                f"drawing the world of replications {worlds[0]}-{worlds[-1]} "
                f"failed (seed {self.seed}): {self.error}"
            )
        return (
            f"replication {self.replication} of ordering {'→'.join(self.ordering)} failed "
            f"(seed {self.seed}): {self.error}"
        )

    @property
    def replay(self) -> str | None:
        """`ORDERING:INDEX`, the form `experiment.parse_replay` reads."""
        return None if self.ordering is None else f"{','.join(self.ordering)}:{self.replication}"

    def document(self) -> dict[str, Any]:
        """What a manifest records of the failure."""
        return {
            "ordering": None if self.ordering is None else ",".join(self.ordering),
            "replication": self.replication,
            "seed": self.seed,
            "error": self.error,
            "replay": self.replay,
            "traceback": self.details,
        }


class WorkerLost(SettingError):
    """Workers kept dying: the run stops rather than drop replications.

    A failure of the run, not of its settings (exit status 1), but its message names the
    `executor` setting that shows the error in this process.
    """

    exit_code = 1

    def __init__(self, template: str) -> None:
        super().__init__(template, setting="executor")
