"""One error hierarchy: every failure a user can cause is a `SimulatorError`."""

from __future__ import annotations

import re
import signal
from collections.abc import Mapping
from pathlib import Path

_SETTING = re.compile(r"\{([a-z][a-z0-9_]*)\}")
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
    which `{name}` stands for the setting (`{replications} must be at least 2`), or for
    one of the `others` it names. Plain `str()` shows the Python names, as the API takes
    them; the command line renders the same template with its option names
    (`--replications must be at least 2`). Other braces in the text are left as written.
    """

    def __init__(self, template: str, *, setting: str, others: tuple[str, ...] = ()) -> None:
        self.template = template
        self.setting = setting
        self.named = (setting, *others)
        super().__init__(self.render({}))

    def render(self, names: Mapping[str, str]) -> str:
        """The message with each `{setting}` shown as `names[setting]` (else its name)."""

        def name(match: re.Match[str]) -> str:
            key = match[1]
            return names.get(key, key) if key in self.named or key in names else match[0]

        return _SETTING.sub(name, self.template)


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
