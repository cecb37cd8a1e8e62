"""Scenario files: YAML with line numbers, `extends:` variants and `--set` overrides.

This is the only module that sees raw YAML. It reads a file (and the files it extends),
merges them, applies overrides, and validates the result with `schema.Scenario`. Every
problem becomes a `ScenarioError` that names the file, the line, the field, the bad value
and what is allowed, so that the message alone lets the user fix the scenario.

Raw data travels with a tree of origins (`_Origin`) that mirrors it: where each mapping
key and list item was written, in whichever file of the `extends` chain won the merge, or
the `--set` override that replaced it. `LineMap` flattens that tree for error reports.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import math
import os
import re
import stat
import types
from collections.abc import Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import (
    Annotated,
    Any,
    ClassVar,
    Literal,
    NamedTuple,
    TypeAlias,
    Union,
    get_args,
    get_origin,
)

import yaml
from pydantic import BaseModel, ValidationError

from .distributions import FAMILIES
from .errors import ScenarioError, ScenarioErrors
from .schema import FieldError, Scenario

Key: TypeAlias = str | int
FieldPath: TypeAlias = tuple[Key, ...]
Override: TypeAlias = str | tuple[str, object]

MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 50
MAX_NODES = 100_000
MAX_EXTENDS = 10

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TOP_KEYS = frozenset({"extends", *(f.alias or n for n, f in Scenario.model_fields.items())})
_PATTERNS = {r"^[a-z][a-z0-9_]*$": "a lowercase letter, then lowercase letters, digits or _"}


class Location(NamedTuple):
    """Where a value was written: a file and 1-based line, or a `--set` (line None)."""

    file: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where a raw value was written, and where each of its keys or items was."""

    at: Location
    parts: dict[Key, _Origin] = field(default_factory=dict)


class LineMap:
    """Where each part of the raw scenario was written, by path of keys and list indices."""

    def __init__(
        self,
        lines: Mapping[FieldPath, Location],
        changes: Sequence[tuple[Location, tuple[object, object]]] = (),
    ) -> None:
        self._lines = dict(lines)
        self._overrides = [(p, loc) for p, loc in self._lines.items() if loc.line is None]
        self._changes = list(changes)

    def changed(self, names: Sequence[str]) -> Location | None:
        """The last override that replaced one of `names`, or put one in, if any.

        A reference broken by renaming an id (`--set visitors.a.id=z` leaves a
        constraint naming `a`) is the option's doing, not the file's.
        """
        found = [at for at, values in self._changes if any(v in names for v in values)]
        return found[-1] if found else None

    def locate(self, path: FieldPath) -> Location:
        """The location of `path`, else of its nearest ancestor that has one.

        An error on a value that contains an overridden part (a triangular distribution
        whose `low` was set) is blamed on the override rather than on the file.
        """
        found = next(
            (self._lines[path[:n]] for n in range(len(path), -1, -1) if path[:n] in self._lines),
            Location("<scenario>"),
        )
        if found.line is not None and path:
            for opath, loc in reversed(self._overrides):
                if opath[: len(path)] == path:
                    return loc
        return found


class _Unreadable(Exception):
    """A file that cannot be opened; the caller knows whom to blame."""


# --- reading one file -------------------------------------------------------------


_KINDS = (
    (stat.S_ISDIR, "it is a directory, not a file"),
    (stat.S_ISFIFO, "it is a pipe (FIFO), not a regular file"),
    (stat.S_ISSOCK, "it is a socket, not a regular file"),
    (stat.S_ISCHR, "it is a device, not a regular file"),
    (stat.S_ISBLK, "it is a device, not a regular file"),
)


def _check_regular(mode: int) -> None:
    """Refuse anything but a regular file: reading a pipe or a terminal could hang."""
    if not stat.S_ISREG(mode):
        reason = next((r for test, r in _KINDS if test(mode)), "it is not a regular file")
        raise _Unreadable(reason)


def _read_text(path: Path) -> str:
    """The file's text, within the size limit and decoded as UTF-8.

    The file's type is checked before it is opened, and again on what was opened
    (without blocking, in case it was swapped for a pipe meanwhile).
    """
    if "\0" in str(path):
        raise _Unreadable("the file name contains a NUL character")
    try:
        _check_regular(os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            _check_regular(os.fstat(fd).st_mode)
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _Unreadable("file not found") from None
    except OSError as exc:
        raise _Unreadable(exc.strerror or type(exc).__name__) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            "file is larger than 1 MiB; a scenario is far smaller", file=_printable(str(path))
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            file=_printable(str(path)),
            line=line,
        ) from None


_NULL_TAG = "tag:yaml.org,2002:null"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"

_CORE_SCHEMA = (  # YAML 1.2 core schema, plus `<<` merge keys; ints before floats
    (_NULL_TAG, r"^(?:~|null|Null|NULL|)$", ("~", "n", "N", "")),
    (_BOOL_TAG, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT_TAG, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT_TAG,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (_MERGE_TAG, r"^<<$", "<"),
)
"""How plain scalars are read: YAML 1.2 core schema, not PyYAML's YAML 1.1, so that
`yes`, `on`, `1:30` and `1_000` stay text (the schema then says what is wrong), `017` is
17 and `0o17` is 15: a value never silently turns into a different number."""


_Resolvers: TypeAlias = dict[str | None, list[tuple[str, re.Pattern[str]]]]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars, that refuses to compose a document
    nested deeper than MAX_DEPTH and notes which nodes carry an explicit tag."""

    yaml_implicit_resolvers: ClassVar[_Resolvers] = {}
    depth = 0

    def __init__(self, text: str) -> None:
        self.explicit: dict[int, str] = {}  # id(node) -> the tag written on it
        super().__init__(text)

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        self.depth += 1
        try:
            event = self.peek_event()
            if self.depth > MAX_DEPTH + 1:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                )
            node: yaml.Node = super().compose_node(parent, index)
            tag = getattr(event, "tag", None)  # an alias event has none
            if tag is not None:
                self.explicit[id(node)] = tag
            return node
        finally:
            self.depth -= 1


class _Dumper(yaml.SafeDumper):
    """SafeDumper that also quotes text the YAML 1.2 core schema would read otherwise
    (`1e3`, `0o17`), so that a written scenario reads back the same with either."""

    yaml_implicit_resolvers: ClassVar[_Resolvers] = {
        first: list(resolvers)
        for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }


for _tag, _pattern, _first in _CORE_SCHEMA:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
    _Dumper.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _parse(text: str, source: str) -> tuple[Any, _Origin] | None:
    """Parse one YAML document (core schema, no tags); None if there is none."""
    try:
        loader = _Loader(text)  # the reader already rejects control characters here
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_size(node, source)
            return _Builder(loader, source).build(node, (), Location(source, _line(node)))
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, source, text) from None


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _yaml_error(exc: yaml.YAMLError, source: str, text: str) -> ScenarioError:
    """A parser error as `file:line: invalid YAML: ...`."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        detail = exc.problem or "cannot parse"
        if exc.context and exc.context_mark is not None:
            detail += f" ({exc.context} at line {exc.context_mark.line + 1})"
        return ScenarioError(f"invalid YAML: {detail}", file=source, line=exc.problem_mark.line + 1)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        return ScenarioError(
            f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}",
            file=source,
            line=line,
        )
    return ScenarioError(f"invalid YAML: {exc}", file=source)


def _check_size(root: yaml.Node, source: str) -> None:
    """Reject a document whose aliases expand to more than MAX_NODES values, without
    expanding it: an alias bomb is caught in microseconds.

    Blames the top-level key whose value crosses the limit.
    """
    sizes: dict[int, int] = {}
    total = 0
    pairs = root.value if isinstance(root, yaml.MappingNode) else [(root, root)]
    for key_node, value_node in pairs:
        total += _size(value_node, sizes, 1, source)
        if total > MAX_NODES:
            named = isinstance(key_node, yaml.ScalarNode) and key_node is not root
            raise ScenarioError(
                f"more than {MAX_NODES:,} values after expanding aliases; is an alias "
                "repeating a large block?",
                file=source,
                line=_line(key_node),
                field=key_node.value if named else None,
            )


def _size(node: yaml.Node, sizes: dict[int, int], depth: int, source: str) -> int:
    """How many nodes `node` stands for once its aliases are expanded (memoized).

    The depth limit also stops an alias that refers to a value containing it.
    """
    if id(node) in sizes:
        return sizes[id(node)]
    if depth > MAX_DEPTH:
        raise ScenarioError(
            f"nested more than {MAX_DEPTH} levels deep (through aliases)",
            file=source,
            line=_line(node),
        )
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = node.value
    elif isinstance(node, yaml.MappingNode):
        children = [n for pair in node.value for n in pair]
    sizes[id(node)] = 1 + sum(_size(child, sizes, depth + 1, source) for child in children)
    return sizes[id(node)]


_Pair: TypeAlias = tuple[yaml.Node, yaml.Node]


class _Builder:
    """Turns a composed YAML node graph into plain data and its origins.

    Aliases are expanded (no two places share one object, so an override cannot leak
    into another place); `_check_size` has made sure that this stays small.
    """

    def __init__(self, loader: yaml.SafeLoader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.top = Location(source)  # the top-level key being built
        self.ids: dict[FieldPath, str] = {}  # list items by the id they are written with

    def build(self, node: yaml.Node, path: FieldPath, at: Location) -> tuple[Any, _Origin]:
        if len(path) == 1:
            self.top = at
        self._check_tag(node, path, at)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path, at), _Origin(at)
        if len(path) >= MAX_DEPTH:  # aliases can nest deeper than the text does
            self._fail(path[:1], self.top, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path, at)
        return self._mapping(node, path, at)

    def _check_tag(self, node: yaml.Node, path: FieldPath, at: Location) -> None:
        """Refuse an explicit tag (`!!bool abc`, `!<tag:...>`): no field needs one."""
        tag = self.loader.explicit.get(id(node))
        if tag is not None:
            shown = _printable(tag.replace("tag:yaml.org,2002:", "!!"))
            self._fail(path, at, f"unsupported YAML tag {shown}; write the value without a tag")

    def _scalar(self, node: yaml.ScalarNode, path: FieldPath, at: Location) -> Any:
        """The value of a plain or quoted scalar, as the core schema resolved it."""
        text = node.value
        try:
            if node.tag == _NULL_TAG:
                return None
            if node.tag == _BOOL_TAG:
                return text.lower() == "true"
            if node.tag == _INT_TAG:
                base = {"0o": 8, "0x": 16}.get(text[:2], 10)
                return int(text[2:] if base != 10 else text, base)
            if node.tag == _FLOAT_TAG:  # `.inf`, `-.inf`, `.nan` as Python spells them
                return float(text.replace(".", "", 1) if text[-1:].isalpha() else text)
        except ValueError:  # more digits than Python converts
            return self._fail(path, at, f"a number of {len(text):,} digits is too long to read")
        return text

    def _sequence(
        self, node: yaml.SequenceNode, path: FieldPath, at: Location
    ) -> tuple[Any, _Origin]:
        data: list[Any] = []
        parts: dict[Key, _Origin] = {}
        for i, item in enumerate(node.value):
            if isinstance(item, yaml.MappingNode):
                ident = next((v for k, v in item.value if k.value == "id"), None)
                plain = ident is not None and id(ident) not in self.loader.explicit
                if isinstance(ident, yaml.ScalarNode) and plain and ident.tag == _STR_TAG:
                    self.ids[(*path, i)] = ident.value
            value, parts[i] = self.build(item, (*path, i), Location(self.source, _line(item)))
            data.append(value)
        return data, _Origin(at, parts)

    def _mapping(
        self, node: yaml.MappingNode, path: FieldPath, at: Location
    ) -> tuple[Any, _Origin]:
        data: dict[str, Any] = {}
        parts: dict[Key, _Origin] = {}
        for key, (key_node, value_node) in self._pairs(node, path, 0).items():
            where = Location(self.source, _line(key_node))
            data[key], parts[key] = self.build(value_node, (*path, key), where)
        return data, _Origin(at, parts)

    def _pairs(self, node: yaml.MappingNode, path: FieldPath, merges: int) -> dict[str, _Pair]:
        """Key -> (key node, value node), with `<<` merge keys expanded as SafeLoader does.

        The mapping's own keys win over merged ones, earlier merged mappings over later
        ones. Keys must be text, each written once.
        """
        merged: dict[str, _Pair] = {}
        own: dict[str, _Pair] = {}
        for key_node, value_node in node.value:
            where = Location(self.source, _line(key_node))
            self._check_tag(key_node, (*path, _printable(str(key_node.value))), where)
            if key_node.tag == _MERGE_TAG:
                if len(path) + merges >= MAX_DEPTH:
                    self._fail(path, where, f"merge keys nested more than {MAX_DEPTH} deep")
                for source in self._merge_sources(value_node, path, where):
                    for key, pair in self._pairs(source, path, merges + 1).items():
                        merged.setdefault(key, pair)
            elif not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR_TAG:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                self._fail(path, where, f"keys must be text (got {shown}); quote the key")
            elif key_node.value in own:
                first = _line(own[key_node.value][0])
                self._fail(
                    (*path, key_node.value), where, f"duplicate key (first written at line {first})"
                )
            else:
                own[key_node.value] = (key_node, value_node)
        return merged | own

    def _merge_sources(
        self, node: yaml.Node, path: FieldPath, where: Location
    ) -> list[yaml.MappingNode]:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        if not all(isinstance(s, yaml.MappingNode) for s in sources):
            self._fail(path, where, "a merge key (<<) needs a mapping or a list of mappings")
        return sources

    def _fail(self, path: FieldPath, at: Location, message: str) -> Any:
        """Raise `message` at `at`, naming the field as `_display` would (items by id)."""
        shown = [
            f".{self.ids[path[: n + 1]]}"
            if self.ids.get(path[: n + 1])
            else f"[{key}]"
            if isinstance(key, int)
            else f".{key}"
            for n, key in enumerate(path)
        ]
        field = _printable("".join(shown).removeprefix("."))
        raise ScenarioError(message, file=at.file, line=at.line, field=field or None)


# --- extends ------------------------------------------------------------------------


def _load_file(path: Path, chain: tuple[tuple[Path, str], ...]) -> tuple[dict[str, Any], _Origin]:
    """One file with everything it extends merged in; `chain` holds the files above it."""
    label = _printable(str(path))
    parsed = _parse(_read_text(path), label)
    if parsed is None:
        raise ScenarioError(
            "file is empty; a scenario is a mapping with keys such as "
            "name, start, horizon_days and visitors",
            file=label,
        )
    data, origin = parsed
    if not isinstance(data, dict) or not _TOP_KEYS.intersection(data):
        # Not a scenario at all: say so without quoting it (it may be any file).
        got = "a mapping without any of them" if isinstance(data, dict) else _kind(data, False)
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
    path: Path, data: dict[str, Any], origin: _Origin, chain: tuple[tuple[Path, str], ...]
) -> tuple[dict[str, Any], _Origin]:
    """Merge `data` (which says `extends:`) over the file it names."""
    at = origin.parts["extends"].at
    target = data.pop("extends")
    parts = {k: v for k, v in origin.parts.items() if k != "extends"}

    def fail(message: str) -> ScenarioError:
        return ScenarioError(message, file=at.file, line=at.line, field="extends")

    if not isinstance(target, str) or not target.strip():
        raise fail(f"must be the name of a scenario file (got {_show(target)})")
    if "\0" in target:
        raise fail(f"the file name contains a NUL character (got {_show(target)})")
    base_path = path.parent / target
    names = [label for _, label in chain]
    if _real(base_path) in [p for p, _ in chain]:
        raise fail(f"extends cycle: {' -> '.join([*names, _printable(str(base_path))])}")
    if len(chain) >= MAX_EXTENDS:
        raise fail(f"more than {MAX_EXTENDS} files extend each other: {' -> '.join(names)}")
    try:
        base, base_origin = _load_file(base_path, chain)
    except _Unreadable as exc:
        raise fail(f"cannot read {_printable(str(base_path))}: {exc}") from None
    merged, merged_origin = _merge(base, data, base_origin, _Origin(origin.at, parts))
    return dict(merged), merged_origin


def _is_id_list(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and isinstance(v.get("id"), str) for v in value)
    )


def _merge(base: Any, over: Any, base_origin: _Origin, over_origin: _Origin) -> tuple[Any, _Origin]:
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
        return data, _Origin(over_origin.at, parts)
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
        return items, _Origin(over_origin.at, parts)
    return over, over_origin


# --- overrides ----------------------------------------------------------------------


def parse_override(text: str) -> tuple[str, object]:
    """Split `dotted.path=value`, parsing the value as YAML (`1.2`, `true`, `[a, b]`)."""
    path, sep, value_text = text.partition("=")
    source = f"--set {_printable(text)}"
    if not sep or not path.strip():
        raise ScenarioError("expected PATH=VALUE, for example host.acceptance=0.6", file=source)
    try:
        parsed = _parse(value_text, source)
    except ScenarioError as exc:  # a one-line value has no useful line number
        raise ScenarioError(exc.detail, file=source, field=exc.field) from None
    return path.strip(), None if parsed is None else parsed[0]


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[Override]) -> dict[str, Any]:
    """A copy of raw scenario data with overrides applied (`"a.b=1"` or `("a.b", 1)`).

    The input is left untouched, so a sweep can apply many overrides to one base.
    """
    result = dict(data)
    for override in overrides:
        path, value, _ = _target(result, override)
        result = _assign(result, path, value)
    return result


def _target(data: dict[str, Any], override: Override) -> tuple[FieldPath, object, Location]:
    """Where an override goes in `data`, the value it sets, and the location to blame."""
    if isinstance(override, str):
        path_text, value = parse_override(override)
        text = _printable(override)
    else:
        path_text, value = override
        text = f"{path_text}={_show(value)}"
    return _resolve(data, path_text, text), value, Location(f"--set {text}")


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
        node = _child(node, key)
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
                f"no key {segments[0]!r}; available: {_names(node)} (a mapping the scenario "
                f"does not have must be set whole: {_display(data, here)}={{...}})"
            ),
        )
    if isinstance(node, list):
        index = _match_item(node, segments[0])
        if index is None:
            ids = [v["id"] for v in node if isinstance(v, dict) and "id" in v]
            indices = f"indices 0 to {len(node) - 1}" if node else "none, the list is empty"
            available = f"ids {_names(ids)} or {indices}" if ids else indices
            raise _override_error(
                text, data, here, f"no item {segments[0]!r}; available: {available}"
            )
        return index, 1
    raise _override_error(
        text, data, here, f"{_display(data, path)} is {_kind(node)}, which has no parts"
    )


def _match_item(items: list[Any], segment: str) -> int | None:
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("id") == segment:
            return i
    if segment.isdigit() and int(segment) < len(items):
        return int(segment)
    return None


def _override_error(text: str, data: Any, path: FieldPath, message: str) -> ScenarioError:
    return ScenarioError(message, file=f"--set {text}", field=_display(data, path) or None)


def _child(node: Any, key: Key) -> Any:
    """`node[key]`, or None where there is no such key or item."""
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return node.get(key) if isinstance(node, dict) else None


def _assign(data: Any, path: FieldPath, value: object) -> Any:
    """`data` with `path` set to `value`, copying only the containers along the path."""
    if not path:
        return value
    copy: Any = list(data) if isinstance(data, list) else dict(data)
    copy[path[0]] = _assign(_child(data, path[0]), path[1:], value)
    return copy


def _reorigin(origin: _Origin, path: FieldPath, at: Location) -> _Origin:
    """The origins once `path` is overridden: `at` is blamed for it and all inside it."""
    if not path:
        return _Origin(at)
    child = origin.parts.get(path[0], _Origin(at))
    return _Origin(origin.at, {**origin.parts, path[0]: _reorigin(child, path[1:], at)})


# --- validation and error messages ----------------------------------------------------


def resolve_raw(
    path: str | Path, overrides: Sequence[Override] = ()
) -> tuple[dict[str, Any], LineMap]:
    """The merged raw mapping of a scenario file, overrides applied, and where each part
    was written. Raises ScenarioError for unreadable files, bad YAML or bad overrides."""
    file = Path(path)
    try:
        data, origin = _load_file(file, ())
    except _Unreadable as exc:
        raise ScenarioError(f"cannot read scenario: {exc}", file=_printable(str(file))) from None
    changes: list[tuple[Location, tuple[object, object]]] = []
    for override in overrides:
        target, value, at = _target(data, override)
        changes.append((at, (_lookup(data, target), value)))
        data, origin = _assign(data, target, value), _reorigin(origin, target, at)
    return data, LineMap(dict(_flatten(origin, ())), changes)


def _lookup(data: Any, path: FieldPath) -> Any:
    """The value at `path` in `data` (None where there is none)."""
    for key in path:
        data = _child(data, key)
    return data


def _flatten(origin: _Origin, path: FieldPath) -> Iterator[tuple[FieldPath, Location]]:
    yield path, origin.at
    for key, part in origin.parts.items():
        yield from _flatten(part, (*path, key))


def validate_raw(data: Mapping[str, Any], lines: LineMap) -> Scenario:
    """Validate raw data; every problem is reported with its file, line and field.

    NaN is refused wherever it is written (no field means anything by it), before the
    schema could misreport it as, say, a failed `low < high`.
    """
    nan = [_nan_error(path, data, lines) for path in _nan_paths(data, ())]
    if nan:
        raise nan[0] if len(nan) == 1 else ScenarioErrors(nan)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raw_errors = exc.errors()
        misspelt = _misspelt(raw_errors)
        found = [
            _to_error(err, data, lines)
            for err in raw_errors
            if not _echo(err) and not (err["type"] == "missing" and err["loc"] in misspelt)
        ]
        errors = {str(e): e for e in found}
        ordered = sorted(
            errors.values(),
            key=lambda e: (e.line is None, e.file or "", e.line or 0, e.field or ""),
        )
        raise (ordered[0] if len(ordered) == 1 else ScenarioErrors(ordered)) from None


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
    where = lines.locate(path)
    return ScenarioError(
        "not a finite number (got NaN); allowed: a finite number",
        file=where.file,
        line=where.line,
        field=_display(data, path) or None,
    )


def load_scenario(path: str | Path, overrides: Sequence[Override] = ()) -> Scenario:
    """Read, merge, override and validate a scenario file."""
    return validate_raw(*resolve_raw(path, overrides))


def _misspelt(errors: Sequence[Any]) -> set[tuple[Key, ...]]:
    """Locs of missing fields that an unknown key next to them is a misspelling of.

    `prepration: 5` then gives one message ("did you mean 'preparation'?"), not two.
    """
    found = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            parent, key = tuple(err["loc"][:-1]), str(err["loc"][-1])
            close = _closest(key, _field_names(_schema_path(parent)[1]))
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


def _to_error(err: Any, data: Mapping[str, Any], lines: LineMap) -> ScenarioError:
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    if err["type"] == "extra_forbidden":
        path, parent = _schema_path(loc[:-1])
        path = (*path, loc[-1])
        detail = _unknown(str(loc[-1]), _field_names(parent), "key")
    else:
        path, annotation = _schema_path(loc)
        if isinstance(ctx.get("error"), FieldError):
            path = (*path, *ctx["error"].loc)
        elif err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            path = (*path, ctx["discriminator"].strip("'"))
        detail = _explain(err, annotation)
    where = lines.locate(path)
    if where.line is not None and isinstance(ctx.get("error"), FieldError):
        where = lines.changed(ctx["error"].names) or where
    return ScenarioError(
        detail, file=where.file, line=where.line, field=_display(data, path) or None
    )


def _explain(err: Any, annotation: Any) -> str:
    """What is wrong with the value, and what would be allowed."""
    kind, ctx, got = err["type"], err.get("ctx") or {}, _show(err.get("input"))
    bounds = [
        (sym, ctx[k])
        for k, sym in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<="))
        if k in ctx
    ]
    if kind == "missing":
        return "missing required field"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or err["msg"])
    if kind == "union_tag_invalid":
        tags = list(_tagged_members(annotation)[1])
        return _unknown(str(ctx["tag"]), tags, ctx["discriminator"].strip("'"), always=True)
    if kind == "union_tag_not_found":
        return f"missing; allowed: {_expected(annotation)}"
    if bounds:
        return f"out of range (got {got}); allowed: {bounds[0][0]} {_number(bounds[0][1])}"
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
        return f"wrong type (got {got}); allowed: {_expected(annotation)}"
    message = err["msg"].replace("Input should be", "should be")
    return f"{message[:1].lower()}{message[1:]} (got {got}); allowed: {_expected(annotation)}"


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


# --- walking the schema along a pydantic loc ------------------------------------------


def _schema_path(loc: Sequence[Key]) -> tuple[FieldPath, Any]:
    """The data path a pydantic `loc` points at, and the type expected there.

    Tagged-union components (`triangular` in `preparation.triangular.low`) and the
    `[key]` marker of dict-key errors are not keys in the data and are dropped.
    """
    path: list[Key] = []
    annotation: Any = Scenario
    key_type: Any = Any
    for part in loc:
        annotation = _unwrap(annotation)
        members = _tagged_members(annotation)[1]
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


def _tagged_members(annotation: Any) -> tuple[str, dict[Key, Any]]:
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


def _field_names(annotation: Any) -> list[str]:
    if not _is_model(annotation):
        return []
    return [f.alias or name for name, f in annotation.model_fields.items()]


def _expected(annotation: Any) -> str:
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
    tag, members = _tagged_members(annotation)
    if members:
        prefix = "a number, or " if set(members.values()) <= set(FAMILIES.values()) else ""
        return f"{prefix}a mapping with {tag}: {', '.join(map(str, members))}"
    origin = get_origin(annotation)
    if origin in (tuple, list):
        return "a list"
    if origin is dict:
        return "a mapping"
    if _is_model(annotation):
        return f"a mapping with keys {', '.join(_field_names(annotation))}"
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(annotation))
    return "a valid value"


# --- rendering ------------------------------------------------------------------------


def _display(data: Any, path: FieldPath) -> str:
    """`visitors.blinken.preparation.low`: list items by id where they have one."""
    text = ""
    node = data
    for key in path:
        node = _child(node, key)
        ident = node.get("id") if isinstance(key, int) and isinstance(node, dict) else None
        if isinstance(key, int) and not isinstance(ident, str):
            text += f"[{key}]"
        else:
            text += f".{ident or key}"
    return _printable(text.removeprefix("."))


def _printable(text: str) -> str:
    """Text with unprintable characters escaped (`\\n`), so a message stays one line."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )


def _show(value: Any, limit: int = 80) -> str:
    """A value as the user would write it, shortened."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _names(values: Any) -> str:
    return ", ".join(sorted(map(str, values))) or "(none)"


def _kind(value: Any, show: bool = True) -> str:
    """What kind of value this is, with the value itself if it is a number and `show`."""
    if value is None:
        return "null"
    kinds = {dict: "a mapping", list: "a list", str: "text", bool: "true/false"}
    return kinds.get(type(value), f"the value {_show(value)}" if show else "a number")


# --- writing --------------------------------------------------------------------------


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario (all defaults filled in) as deterministic YAML."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 (hex) of `scenario_to_yaml`.

    Mapping keys keep their written order (a sum's order can change its last bits), so
    the same objective written in another order hashes differently, on purpose.
    """
    return hashlib.sha256(scenario_to_yaml(scenario).encode("utf-8")).hexdigest()
