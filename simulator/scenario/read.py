"""Reading one scenario file: its text within limits, then one YAML document as plain
data with the origin of every part.

Every problem is a `ScenarioError` naming the file and line: a file that is not a
regular file or not UTF-8, invalid YAML, an explicit tag, a key that is not text or is
written twice, and documents too large or too deep (alias bombs are caught without
expanding them).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any, NoReturn, TypeAlias

import yaml

from ..errors import ScenarioError
from .display import printable
from .origins import FieldPath, Key, Location, Origin
from .yaml12 import (
    BOOL_TAG,
    FLOAT_TAG,
    INT_TAG,
    MAX_DEPTH,
    MERGE_TAG,
    NULL_TAG,
    STR_TAG,
    Loader,
)

MAX_FILE_BYTES = 1 << 20
MAX_NODES = 100_000


class Unreadable(Exception):
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
        raise Unreadable(reason)


def read_text(path: Path, what: str = "a scenario") -> str:
    """The file's text, within the size limit and decoded as UTF-8 (`what` the file
    holds, for the message when it is too large).

    The file's type is checked before it is opened, and again on what was opened
    (without blocking, in case it was swapped for a pipe meanwhile).
    """
    if "\0" in str(path):
        raise Unreadable("the file name contains a NUL character")
    try:
        _check_regular(os.stat(path).st_mode)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            _check_regular(os.fstat(fd).st_mode)
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise Unreadable("file not found") from None
    except OSError as exc:
        raise Unreadable(exc.strerror or type(exc).__name__) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"file is larger than 1 MiB; {what} is far smaller", file=printable(str(path))
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            file=printable(str(path)),
            line=line,
        ) from None


# --- one YAML document -----------------------------------------------------------


def parse(text: str, source: str) -> tuple[Any, Origin] | None:
    """Parse one YAML document (core schema, no tags); None if there is none."""
    try:
        loader = Loader(text)  # the reader already rejects control characters here
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

    def __init__(self, loader: Loader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.top = Location(source)  # the top-level key being built
        self.ids: dict[FieldPath, str] = {}  # list items by the id they are written with

    def build(self, node: yaml.Node, path: FieldPath, at: Location) -> tuple[Any, Origin]:
        if len(path) == 1:
            self.top = at
        self._check_tag(node, path, at)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path, at), Origin(at)
        if len(path) >= MAX_DEPTH:  # aliases can nest deeper than the text does
            self._fail(path[:1], self.top, f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, path, at)
        assert isinstance(node, yaml.MappingNode)  # the composer makes no other kind of node
        return self._mapping(node, path, at)

    def _check_tag(self, node: yaml.Node, path: FieldPath, at: Location) -> None:
        """Refuse an explicit tag (`!!bool abc`, `!<tag:...>`): no field needs one."""
        tag = self.loader.explicit.get(id(node))
        if tag is not None:
            shown = printable(tag.replace("tag:yaml.org,2002:", "!!"))
            self._fail(path, at, f"unsupported YAML tag {shown}; write the value without a tag")

    def _scalar(self, node: yaml.ScalarNode, path: FieldPath, at: Location) -> Any:
        """The value of a plain or quoted scalar, as the core schema resolved it."""
        text = node.value
        try:
            if node.tag == NULL_TAG:
                return None
            if node.tag == BOOL_TAG:
                return text.lower() == "true"
            if node.tag == INT_TAG:
                base = {"0o": 8, "0x": 16}.get(text[:2], 10)
                return int(text[2:] if base != 10 else text, base)
            if node.tag == FLOAT_TAG:  # `.inf`, `-.inf`, `.nan` as Python spells them
                return float(text.replace(".", "", 1) if text[-1:].isalpha() else text)
        except ValueError:  # more digits than Python converts
            return self._fail(path, at, f"a number of {len(text):,} digits is too long to read")
        return text

    def _sequence(
        self, node: yaml.SequenceNode, path: FieldPath, at: Location
    ) -> tuple[Any, Origin]:
        data: list[Any] = []
        parts: dict[Key, Origin] = {}
        for i, item in enumerate(node.value):
            if isinstance(item, yaml.MappingNode):
                ident = next((v for k, v in item.value if k.value == "id"), None)
                plain = ident is not None and id(ident) not in self.loader.explicit
                if isinstance(ident, yaml.ScalarNode) and plain and ident.tag == STR_TAG:
                    self.ids[(*path, i)] = ident.value
            value, parts[i] = self.build(item, (*path, i), Location(self.source, _line(item)))
            data.append(value)
        return data, Origin(at, parts)

    def _mapping(self, node: yaml.MappingNode, path: FieldPath, at: Location) -> tuple[Any, Origin]:
        data: dict[str, Any] = {}
        parts: dict[Key, Origin] = {}
        for key, (key_node, value_node) in self._pairs(node, path, 0).items():
            where = Location(self.source, _line(key_node))
            data[key], parts[key] = self.build(value_node, (*path, key), where)
        return data, Origin(at, parts)

    def _pairs(self, node: yaml.MappingNode, path: FieldPath, merges: int) -> dict[str, _Pair]:
        """Key -> (key node, value node), with `<<` merge keys expanded as SafeLoader does.

        The mapping's own keys win over merged ones, earlier merged mappings over later
        ones. Keys must be text, each written once.
        """
        merged: dict[str, _Pair] = {}
        own: dict[str, _Pair] = {}
        for key_node, value_node in node.value:
            where = Location(self.source, _line(key_node))
            self._check_tag(key_node, (*path, printable(str(key_node.value))), where)
            if key_node.tag == MERGE_TAG:
                if len(path) + merges >= MAX_DEPTH:
                    self._fail(path, where, f"merge keys nested more than {MAX_DEPTH} deep")
                for source in self._merge_sources(value_node, path, where):
                    for key, pair in self._pairs(source, path, merges + 1).items():
                        merged.setdefault(key, pair)
            elif not isinstance(key_node, yaml.ScalarNode) or key_node.tag != STR_TAG:
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
        sources: list[yaml.Node] = node.value if isinstance(node, yaml.SequenceNode) else [node]
        mappings = [s for s in sources if isinstance(s, yaml.MappingNode)]
        if len(mappings) != len(sources):
            self._fail(path, where, "a merge key (<<) needs a mapping or a list of mappings")
        return mappings

    def _fail(self, path: FieldPath, at: Location, message: str) -> NoReturn:
        """Raise `message` at `at`, naming the field as `display` would (items by id)."""
        shown = [
            f".{self.ids[path[: n + 1]]}"
            if self.ids.get(path[: n + 1])
            else f"[{key}]"
            if isinstance(key, int)
            else f".{key}"
            for n, key in enumerate(path)
        ]
        field = printable("".join(shown).removeprefix("."))
        raise at.error(message, field or None)
