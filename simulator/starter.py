"""A commented starter scenario for `visitsim init`: three visitors, one gate and a host
preference, to be edited into one's own question (the template is `starter.yaml`)."""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

from .errors import InputError
from .output import files

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


def write_starter(name: str) -> Path:
    """Write the starter scenario for NAME (see `starter_path`) and return its path;
    an existing file is never overwritten."""
    path = starter_path(name)
    template = resources.files("simulator").joinpath("starter.yaml").read_text("utf-8")
    text = string.Template(template).substitute(name=scenario_name(path), file=path)
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
