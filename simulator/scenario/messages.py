"""Validation problems as messages: pydantic's errors turned into `ScenarioError`s that
name the file, the line, the field, the bad value and what is allowed."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping, Sequence, Sized
from typing import Any

from pydantic import ValidationError

from ..errors import FieldError, ScenarioError
from .display import display, number, show
from .origins import FieldPath, Key, LineMap
from .schema import Scenario
from .walk import expected, field_names, schema_path, tagged_members

_PATTERNS = {r"^[a-z][a-z0-9_]*$": "a lowercase letter, then lowercase letters, digits or _"}


def nan_errors(data: Mapping[str, Any], lines: LineMap) -> list[ScenarioError]:
    """A NaN anywhere, each at its place: no field means anything by it, and the schema
    could misreport it as, say, a failed `low < high`."""
    return [_nan_error(path, data, lines) for path in _nan_paths(data, ())]


def validation_errors(
    exc: ValidationError, data: Mapping[str, Any], lines: LineMap, root: Any = Scenario
) -> list[ScenarioError]:
    """Each problem pydantic found, once, in file and line order.

    `root` is the model `data` was validated as (a scenario unless said). A misspelt key is
    reported once ("did you mean ...?"), not also as the field it misspells missing; a
    list too short only because of invalid items is left out.
    """
    raw_errors = exc.errors()
    misspelt = _misspelt(raw_errors, root)
    found = [
        _to_error(err, data, lines, root)
        for err in raw_errors
        if not _echo(err) and not (err["type"] == "missing" and err["loc"] in misspelt)
    ]
    errors = {str(e): e for e in found}
    return sorted(
        errors.values(),
        key=lambda e: (e.line is None, e.file or "", e.override or "", e.line or 0, e.field or ""),
    )


def _nan_paths(value: Any, path: FieldPath) -> Iterator[FieldPath]:
    if isinstance(value, float) and math.isnan(value):
        yield path
    elif isinstance(value, dict):
        for key, part in value.items():
            yield from _nan_paths(part, (*path, key))
    elif isinstance(value, list):
        for i, part in enumerate(value):
            yield from _nan_paths(part, (*path, i))


def _nan_error(path: FieldPath, data: Mapping[str, Any], lines: LineMap) -> ScenarioError:
    return lines.locate(path).error(
        "not a finite number (got NaN); allowed: a finite number", display(data, path) or None
    )


def _misspelt(errors: Sequence[Any], root: Any) -> set[tuple[Key, ...]]:
    """Locs of missing fields that an unknown key next to them is a misspelling of.

    `prepration: 5` then gives one message ("did you mean 'preparation'?"), not two.
    """
    found = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            parent, key = tuple(err["loc"][:-1]), str(err["loc"][-1])
            close = _closest(key, field_names(schema_path(parent, root)[1]))
            if close is not None:
                found.add((*parent, close))
    return found


def _echo(err: Any) -> bool:
    """A list "too short" only because some of its items are invalid (reported apart)."""
    value, ctx = err.get("input"), err.get("ctx") or {}
    return (
        err["type"] == "too_short"
        and isinstance(value, Sized)
        and len(value) >= ctx.get("min_length", 0)
    )


def _to_error(err: Any, data: Mapping[str, Any], lines: LineMap, root: Any) -> ScenarioError:
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    if err["type"] == "extra_forbidden":
        path, parent = schema_path(loc[:-1], root)
        path = (*path, loc[-1])
        detail = _unknown(str(loc[-1]), field_names(parent), "key")
    else:
        path, annotation = schema_path(loc, root)
        if isinstance(ctx.get("error"), FieldError):
            path = (*path, *ctx["error"].loc)
        elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path = (*path, ctx["discriminator"].strip("'"))
        detail = _explain(err, annotation)
    where = lines.locate(path)
    if where.line is not None and isinstance(ctx.get("error"), FieldError):
        where = lines.changed(ctx["error"].names) or where
    return where.error(detail, display(data, path) or None)


def _explain(err: Any, annotation: Any) -> str:
    """What is wrong with the value, and what would be allowed."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing":
        return "missing required field"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or err["msg"])
    if kind == "union_tag_invalid":
        tags = [str(tag) for tag in tagged_members(annotation)[1]]
        return _unknown(str(ctx["tag"]), tags, ctx["discriminator"].strip("'"), always=True)
    if kind == "union_tag_not_found":
        return f"missing; allowed: {expected(annotation)}"
    return _explain_value(err, annotation)


def _explain_value(err: Any, annotation: Any) -> str:
    """What is wrong with a value given (its range, size, choice, name or type), and
    what would be allowed."""
    kind, ctx, got = err["type"], err.get("ctx") or {}, show(err.get("input"))
    bounds = [
        (sym, ctx[k])
        for k, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
        if k in ctx
    ]
    if bounds:
        return f"out of range (got {got}); allowed: {bounds[0][0]} {number(bounds[0][1])}"
    if isinstance(err.get("input"), list | tuple | dict):
        got = _unit("", len(err["input"]))
    if "min_length" in ctx and "too_short" in kind:
        return f"too short (got {got}); allowed: at least {_unit(kind, ctx['min_length'])}"
    if "max_length" in ctx and "too_long" in kind:
        return f"too long (got {got}); allowed: at most {_unit(kind, ctx['max_length'])}"
    if kind == "literal_error":
        return f"not an allowed choice (got {got}); allowed: {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        allowed = _PATTERNS.get(ctx["pattern"], f"text matching {ctx['pattern']}")
        return f"not a valid name (got {got}); allowed: {allowed}"
    if kind == "finite_number":
        return f"not a finite number (got {got}); allowed: a finite number"
    if kind.endswith(("_type", "_parsing")) or kind == "int_from_float":
        return f"wrong type (got {got}); allowed: {expected(annotation)}"
    message = err["msg"].replace("Input should be", "should be")
    return f"{message[:1].lower()}{message[1:]} (got {got}); allowed: {expected(annotation)}"


def _unit(kind: str, count: int) -> str:
    unit = "character" if kind.startswith("string") else "item"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _unknown(name: str, allowed: Sequence[str], what: str, *, always: bool = False) -> str:
    """`unknown key 'x'; did you mean 'y'?`, listing what is allowed when no name is close."""
    close = _closest(name, allowed)
    message = f"unknown {what} {name!r}"
    if close:
        message += f"; did you mean {close!r}?"
    if always or not close:
        message += (" " if close else "; ") + f"allowed: {', '.join(allowed) or '(none)'}"
    return message


def _closest(name: str, allowed: Sequence[str]) -> str | None:
    """The allowed name `name` most likely misspells or abbreviates, if any."""
    close = difflib.get_close_matches(name, allowed, n=1)
    close = close or [a for a in allowed if name and a.startswith(name)]
    return close[0] if close else None
