"""Walking the scenario's pydantic types along a path: what type a pydantic error's
`loc` points at, the data path it stands for, and how to describe what it expects."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from .origins import FieldPath, Key
from .schema import FAMILIES, Scenario


def schema_path(loc: Sequence[Key], root: Any = Scenario) -> tuple[FieldPath, Any]:
    """The data path a pydantic `loc` points at, and the type expected there, from the
    model `root` (a scenario unless said otherwise).

    Tagged-union components (`triangular` in `preparation.triangular.low`) and the
    `[key]` marker of dict-key errors are not keys in the data and are dropped.
    """
    path: list[Key] = []
    annotation: Any = root
    key_type: Any = Any
    for part in loc:
        annotation = _unwrap(annotation)
        members = tagged_members(annotation)[1]
        if part == "[key]":
            annotation = key_type
        elif part in members:
            annotation = members[part]
        else:
            if get_origin(annotation) is dict:
                key_type = get_args(annotation)[0]
            path.append(part)
            annotation = _part_type(annotation, part)
    return tuple(path), _unwrap(annotation)


def _part_type(annotation: Any, part: Key) -> Any:
    """The type of one key or item of a value of type `annotation` (Any if unknown)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if _is_model(annotation):
        info = next(
            (f for name, f in annotation.model_fields.items() if part in (name, f.alias)), None
        )
        return info.annotation if info is not None else Any
    if origin is dict:
        return args[1]
    if origin in (tuple, list) and isinstance(part, int):
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[part] if part < len(args) else Any
    return Any


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif _is_union(annotation):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def tagged_members(annotation: Any) -> tuple[str, dict[Key, Any]]:
    """For a union of models told apart by a Literal field: its name and tag -> model."""
    if not _is_union(annotation):
        return "", {}
    members: dict[Key, Any] = {}
    tag = ""
    for model in (_unwrap(a) for a in get_args(annotation)):
        if not _is_model(model):
            continue
        for name, info in model.model_fields.items():
            if get_origin(info.annotation) is Literal:
                tag = name
                members.update(dict.fromkeys(get_args(info.annotation), model))
    return tag, members


def field_names(annotation: Any) -> list[str]:
    if not _is_model(annotation):
        return []
    return [f.alias or name for name, f in annotation.model_fields.items()]


def expected(annotation: Any) -> str:
    """A short description of what a value of this type looks like."""
    annotation = _unwrap(annotation)
    simple = {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text",
        dt.date: "a date like 2023-05-17",
    }
    if annotation in simple:
        return simple[annotation]
    tag, members = tagged_members(annotation)
    if members:
        prefix = "a number, or " if set(members.values()) <= set(FAMILIES.values()) else ""
        return f"{prefix}a mapping with {tag}: {', '.join(map(str, members))}"
    origin = get_origin(annotation)
    if origin in (tuple, list):
        return "a list"
    if origin is dict:
        return "a mapping"
    if _is_model(annotation):
        return f"a mapping with keys {', '.join(field_names(annotation))}"
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(annotation))
    return "a valid value"
