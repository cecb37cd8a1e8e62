"""How raw values and the places in a scenario are shown in messages."""

from __future__ import annotations

import json
from typing import Any

from .origins import FieldPath, Key


def child(node: Any, key: Key) -> Any:
    """`node[key]`, or None where there is no such key or item."""
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return node.get(key) if isinstance(node, dict) else None


def display(data: Any, path: FieldPath) -> str:
    """`visitors.blinken.preparation.low`: list items by id where they have one."""
    text = ""
    node = data
    for key in path:
        node = child(node, key)
        ident = node.get("id") if isinstance(key, int) and isinstance(node, dict) else None
        if isinstance(key, int) and not isinstance(ident, str):
            text += f"[{key}]"
        else:
            text += f".{ident or key}"
    return printable(text.removeprefix("."))


def printable(text: str) -> str:
    """Text with unprintable characters escaped (`\\n`), so a message stays one line."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def show(value: Any, limit: int = 80) -> str:
    """A value as the user would write it, shortened."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def number(value: float) -> str:
    """A bound as written: whole numbers as integers, others in short form."""
    return str(value) if isinstance(value, int) else f"{value:g}"


def listed(values: Any) -> str:
    """Names sorted and joined with commas, or `(none)`."""
    return ", ".join(sorted(map(str, values))) or "(none)"


def kind_of(value: Any, with_value: bool = True) -> str:
    """What kind of value this is, with the value itself if it is a number and `with_value`."""
    if value is None:
        return "null"
    kinds = {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}
    return kinds.get(type(value), f"the value {show(value)}" if with_value else "a number")
