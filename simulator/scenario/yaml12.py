"""YAML 1.2 core-schema reading and writing on top of PyYAML's safe loader and dumper.

PyYAML reads YAML 1.1, in which `yes` is true, `1:30` is 90 and `017` is octal; here a
plain scalar is a null, a boolean, a number or a merge key only as the YAML 1.2 core
schema says, so a value never silently turns into a different one.
"""

from __future__ import annotations

import re
from typing import ClassVar, TypeAlias

import yaml

MAX_DEPTH = 50
"""Deepest nesting a scenario may have (in the text, and through aliases)."""

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"

_CORE_SCHEMA = (  # YAML 1.2 core schema, plus `<<` merge keys; ints before floats
    (NULL_TAG, r"^(?:~|null|Null|NULL|)$", ("~", "n", "N", "")),
    (BOOL_TAG, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (INT_TAG, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        FLOAT_TAG,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (MERGE_TAG, r"^<<$", "<"),
)
"""How plain scalars are read: YAML 1.2 core schema, not PyYAML's YAML 1.1, so that
`yes`, `on`, `1:30` and `1_000` stay text (the schema then says what is wrong), `017` is
17 and `0o17` is 15: a value never silently turns into a different number."""


_Resolvers: TypeAlias = dict[str | None, list[tuple[str, re.Pattern[str]]]]


class Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars, that refuses to compose a document
    nested deeper than MAX_DEPTH and notes which nodes carry an explicit tag."""

    # PyYAML keeps this table per class; its stubs declare it on instances.
    yaml_implicit_resolvers: ClassVar[_Resolvers] = {}  # type: ignore[misc]
    depth = 0

    def __init__(self, text: str) -> None:
        self.explicit: dict[int, str] = {}  # id(node) -> the tag written on it
        super().__init__(text)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            # PyYAML's stubs leave Parser.peek_event unannotated.
            event: yaml.events.Event = self.peek_event()  # type: ignore[no-untyped-call]
            if self.depth > MAX_DEPTH + 1:
                mark = event.start_mark  # the pure-Python parser's marks are yaml.error.Mark
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    mark if isinstance(mark, yaml.error.Mark) else None,
                )
            node = super().compose_node(parent, index)
            tag = getattr(event, "tag", None)  # an alias event has none
            if tag is not None:
                self.explicit[id(node)] = tag
            return node
        finally:
            self.depth -= 1


class Dumper(yaml.SafeDumper):
    """SafeDumper that also quotes text the YAML 1.2 core schema would read otherwise
    (`1e3`, `0o17`), so that a written scenario reads back the same with either."""

    # PyYAML keeps this table per class; its stubs declare it on instances.
    yaml_implicit_resolvers: ClassVar[_Resolvers] = {  # type: ignore[misc]
        first: list(resolvers)
        for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
    }


for _tag, _pattern, _first in _CORE_SCHEMA:
    Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
    Dumper.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
