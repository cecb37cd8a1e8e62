"""One error hierarchy: every failure a user can cause is a `SimulatorError`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line imports this module before numpy, which types needs
    from .types import Ordering

_SETTING = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]*)\}")


class SimulatorError(Exception):
    """Base class of errors the command line reports without a traceback."""

    exit_code = 1


class InputError(SimulatorError):
    """Bad input from the user (scenario, option, override): exit status 2."""

    exit_code = 2


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
    so that the message alone lets the user fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.detail = message
        super().__init__(self.format())

    def format(self) -> str:
        """Render as `file:line: field: message`, leaving out what is unknown."""
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.detail])


class ScenarioErrors(InputError):
    """Several validation problems found at once, reported together."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.format() for e in errors))


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


class WorkerLost(SettingError):
    """Workers kept dying: the run stops rather than drop replications.

    A failure of the run, not of its settings (exit status 1), but its message names the
    `executor` setting that shows the error in this process.
    """

    exit_code = 1

    def __init__(self, template: str) -> None:
        super().__init__(template, setting="executor")
