"""`extends:` variants: a file merged over the file it names, recursively.

Mappings merge key by key and lists of items with ids merge item by item, so a variant
says only what differs from its base; the origins follow the merge, so an error points
at whichever file wrote the value that won.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from .display import kind_of, printable, show
from .origins import Origin
from .read import Unreadable, parse, read_text
from .schema import Scenario

MAX_EXTENDS = 10
"""Longest chain of files that extend each other."""

_TOP_KEYS = frozenset({"extends", *(f.alias or n for n, f in Scenario.model_fields.items())})


def load_file(path: Path, chain: tuple[tuple[Path, str], ...]) -> tuple[dict[str, Any], Origin]:
    """One file with everything it extends merged in; `chain` holds the files above it."""
    label = printable(str(path))
    parsed = parse(read_text(path), label)
    if parsed is None:
        raise ScenarioError(
            "file is empty; a scenario is a mapping with keys such as "
            "name, start, horizon_days and visitors",
            file=label,
        )
    data, origin = parsed
    if not isinstance(data, dict) or not _TOP_KEYS.intersection(data):
        # Not a scenario at all: say so without quoting it (it may be any file).
        got = "a mapping without any of them" if isinstance(data, dict) else kind_of(data, False)
        raise ScenarioError(
            f"not a scenario file: the top level must be a mapping with keys such as name "
            f"and visitors (got {got})",
            file=label,
            line=origin.at.line,
        )
    if "extends" not in data:
        return data, origin
    return _extend(path, data, origin, (*chain, (_real(path), label)))


def _real(path: Path) -> Path:
    """`path` with its symbolic links resolved as far as they go (a loop stops there)."""
    return Path(os.path.realpath(path))


def _extend(
    path: Path, data: dict[str, Any], origin: Origin, chain: tuple[tuple[Path, str], ...]
) -> tuple[dict[str, Any], Origin]:
    """Merge `data` (which says `extends:`) over the file it names."""
    at = origin.parts["extends"].at
    target = data.pop("extends")
    parts = {k: v for k, v in origin.parts.items() if k != "extends"}

    def fail(message: str) -> ScenarioError:
        return at.error(message, "extends")

    if not isinstance(target, str) or not target.strip():
        raise fail(f"must be the name of a scenario file (got {show(target)})")
    if "\0" in target:
        raise fail(f"the file name contains a NUL character (got {show(target)})")
    base_path = path.parent / target
    names = [label for _, label in chain]
    if _real(base_path) in [p for p, _ in chain]:
        raise fail(f"extends cycle: {' -> '.join([*names, printable(str(base_path))])}")
    if len(chain) >= MAX_EXTENDS:
        raise fail(f"more than {MAX_EXTENDS} files extend each other: {' -> '.join(names)}")
    try:
        base, base_origin = load_file(base_path, chain)
    except Unreadable as exc:
        raise fail(f"cannot read {printable(str(base_path))}: {exc}") from None
    merged, merged_origin = _merge(base, data, base_origin, Origin(origin.at, parts))
    return dict(merged), merged_origin


def _is_id_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in value)
    )


def _merge(base: Any, over: Any, base_origin: Origin, over_origin: Origin) -> tuple[Any, Origin]:
    """Deep-merge `over` onto `base`; `over` wins.

    Mappings merge key by key; lists of mappings that all have an `id` merge item by
    id (a new id is appended); anything else, including null and an empty list, replaces.
    """
    if isinstance(base, dict) and isinstance(over, dict):
        data, parts = dict(base), dict(base_origin.parts)
        for key, value in over.items():
            if key in base:
                data[key], parts[key] = _merge(
                    base[key], value, base_origin.parts[key], over_origin.parts[key]
                )
            else:
                data[key], parts[key] = value, over_origin.parts[key]
        return data, Origin(over_origin.at, parts)
    if _is_id_list(base) and _is_id_list(over):
        items, parts = list(base), dict(base_origin.parts)
        index = {item["id"]: i for i, item in enumerate(items)}
        for j, item in enumerate(over):
            i = index.get(item["id"])
            if i is None:
                index[item["id"]] = len(items)
                parts[len(items)] = over_origin.parts[j]
                items.append(item)
            else:
                items[i], parts[i] = _merge(items[i], item, parts[i], over_origin.parts[j])
        return items, Origin(over_origin.at, parts)
    return over, over_origin
