"""Overrides (`PATH=VALUE`): a value set by dotted path into the raw scenario.

A path names mapping keys, and list items by id or index; the value is parsed as YAML
(`1.2`, `true`, `[a, b]`) and validated by the same schema as the file. The override is
blamed for anything wrong at or inside the path it set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from ..errors import ScenarioError
from .display import child, display, kind_of, listed, printable, show
from .origins import FieldPath, Key, Location, Origin
from .read import parse

Override: TypeAlias = str | tuple[str, object]
"""An override as text (`"a.b=1"`) or as a parsed (path, value) pair."""


def parse_override(text: str) -> tuple[str, object]:
    """Split `dotted.path=value`, parsing the value as YAML (`1.2`, `true`, `[a, b]`)."""
    path, sep, value_text = text.partition("=")
    shown = printable(text)
    if not sep or not path.strip():
        raise ScenarioError("expected PATH=VALUE, for example host.acceptance=0.6", override=shown)
    try:
        parsed = parse(value_text, shown)
    except ScenarioError as exc:  # a one-line value has no useful line number
        raise ScenarioError(exc.detail, override=shown, field=exc.field) from None
    return path.strip(), None if parsed is None else parsed[0]


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[Override]) -> dict[str, Any]:
    """A copy of raw scenario data with overrides applied (`"a.b=1"` or `("a.b", 1)`).

    The input is left untouched, so a sweep can apply many overrides to one base.
    """
    result = dict(data)
    for override in overrides:
        path, value, _ = target(result, override)
        result = assign(result, path, value)
    return result


def target(data: dict[str, Any], override: Override) -> tuple[FieldPath, object, Location]:
    """Where an override goes in `data`, the value it sets, and the location to blame."""
    if isinstance(override, str):
        path_text, value = parse_override(override)
        text = printable(override)
    else:
        path_text, value = override
        text = f"{path_text}={show(value)}"
    return _resolve(data, path_text, text), value, Location(None, override=text)


def _resolve(data: dict[str, Any], path_text: str, text: str) -> FieldPath:
    """Turn a dotted path (`visitors.blinken.preparation`) into keys and list indices.

    On a list a segment is an item's `id` or an index (`gates.0` or `gates[0]`). A
    mapping key may itself contain dots (`objective.item.a.talks`); the longest existing
    key wins. Only the last segment may name a key that does not exist yet.
    """
    segments = re.sub(r"\[(\d+)\]", r".\1", path_text).split(".")
    if not all(segments):
        raise _override_error(text, data, (), f"empty segment in the path {path_text!r}")
    path: list[Key] = []
    node: Any = data
    while segments:
        key, used = _step(node, segments, text, data, tuple(path))
        path.append(key)
        segments = segments[used:]
        node = child(node, key)
    return tuple(path)


def _step(
    node: Any, segments: list[str], text: str, data: dict[str, Any], path: FieldPath
) -> tuple[Key, int]:
    """The key or index the next segments name in `node`, and how many segments it took."""
    here = (*path, segments[0])
    if isinstance(node, dict):
        for n in range(len(segments), 0, -1):
            if ".".join(segments[:n]) in node:
                return ".".join(segments[:n]), n
        if len(segments) == 1:
            return segments[0], 1
        raise _override_error(
            text,
            data,
            here,
            (
                f"no key {segments[0]!r}; available: {listed(node)} (a mapping the scenario "
                f"does not have must be set whole: {display(data, here)}={{...}})"
            ),
        )
    if isinstance(node, list):
        index = _match_item(node, segments[0])
        if index is None:
            ids = [v["id"] for v in node if isinstance(v, dict) and "id" in v]
            indices = f"indices 0 to {len(node) - 1}" if node else "none, the list is empty"
            available = f"ids {listed(ids)} or {indices}" if ids else indices
            raise _override_error(
                text, data, here, f"no item {segments[0]!r}; available: {available}"
            )
        return index, 1
    raise _override_error(
        text, data, here, f"{display(data, path)} is {kind_of(node)}, which has no parts"
    )


def _match_item(items: list[Any], segment: str) -> int | None:
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == segment:
            return i
    if segment.isdigit() and int(segment) < len(items):
        return int(segment)
    return None


def _override_error(text: str, data: Any, path: FieldPath, message: str) -> ScenarioError:
    return ScenarioError(message, override=text, field=display(data, path) or None)


def assign(data: Any, path: FieldPath, value: object) -> Any:
    """`data` with `path` set to `value`, copying only the containers along the path."""
    if not path:
        return value
    copy: Any = list(data) if isinstance(data, list) else dict(data)
    copy[path[0]] = assign(child(data, path[0]), path[1:], value)
    return copy


def reorigin(origin: Origin, path: FieldPath, at: Location) -> Origin:
    """The origins once `path` is overridden: `at` is blamed for it and all inside it."""
    if not path:
        return Origin(at)
    part = origin.parts.get(path[0], Origin(at))
    return Origin(origin.at, {**origin.parts, path[0]: reorigin(part, path[1:], at)})


def lookup(data: Any, path: FieldPath) -> Any:
    """The value at `path` in `data` (None where there is none)."""
    for key in path:
        data = child(data, key)
    return data
