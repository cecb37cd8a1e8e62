"""A commented starter scenario for `visitsim init`: three visitors, one gate and a host
preference, to be edited into one's own question (the template is `starter.yaml`)."""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

from ..errors import InputError

_SUFFIXES = (".yaml", ".yml")


def starter_path(name: str) -> Path:
    """Where `visitsim init NAME` writes: NAME itself if it ends in .yaml or .yml,
    else NAME.yaml."""
    path = Path(name)
    return path if path.suffix in _SUFFIXES else path.with_name(path.name + ".yaml")


def scenario_name(path: Path) -> str:
    """The scenario name for a file: its stem in lower case, runs of other characters
    than letters, digits and _ made one _ (scenario names are identifiers)."""
    name = re.sub(r"[^a-z0-9_]+", "_", path.stem.lower()).strip("_")[:40]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise InputError(
            f"cannot make a scenario name from {path.name!r}: a name starts with a letter "
            "(e.g. visitsim init my_visits)"
        )
    return name


def starter_text(path: Path) -> str:
    """The starter scenario to be written at `path`, named after the file."""
    template = resources.files(__package__).joinpath("starter.yaml").read_text("utf-8")
    return string.Template(template).substitute(name=scenario_name(path), file=path)
