"""Text laid out for the terminal: printing rich tables and sentences, wrapping, and
table cells that break only at an ordering's arrows.

Everything printed on stdout fits the terminal's width, or `COLUMNS`, or 80 columns
when the output is not a terminal, and no line ends in spaces.
"""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Iterable, Iterator

from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from .tables import ARROW

_TRAILING_SPACE = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$")
"""Spaces at the end of a line, perhaps followed by the codes that end its styles."""


def _rstrip(line: str) -> str:
    """`line` without trailing spaces, keeping any style codes that close it."""
    while True:
        stripped = _TRAILING_SPACE.sub(r"\1", line)
        if stripped == line:
            return line
        line = stripped


class Printer:
    """Prints a command's tables and sentences on stdout.

    rich sizes tables to the terminal, to `COLUMNS` if set, or to 80 columns when the
    output is piped; this strips the spaces rich pads cells with, so that piped output
    has no trailing spaces. A table's title and every sentence are wrapped at that width
    by `wrap`, which never cuts a word. `lines` prints lines as they are: the
    `Results: PATH` line stays whole, to be copied or parsed, however long the path.
    """

    def __init__(self) -> None:
        self.console = Console()

    @property
    def width(self) -> int:
        """Columns available for a line."""
        return self.console.width

    def print(self, *renderables: RenderableType) -> None:
        """Print each renderable on its own lines: text (no markup) wrapped at the
        width, a line break kept; a table under its title."""
        for renderable in renderables:
            if isinstance(renderable, str):
                self.lines(
                    line
                    for paragraph in renderable.split("\n")
                    for line in wrap(paragraph, self.width)
                )
            elif isinstance(renderable, Table) and isinstance(renderable.title, str):
                self.print(renderable.title)
                untitled = copy.copy(renderable)
                untitled.title = None
                self._render(untitled)
            else:
                self._render(renderable)

    def _render(self, renderable: RenderableType) -> None:
        with self.console.capture() as captured:
            self.console.print(renderable)
        self.lines(captured.get().splitlines())

    def lines(self, lines: Iterable[str]) -> None:
        """Print lines already laid out, without their trailing spaces."""
        out = self.console.file
        for line in lines:
            out.write(_rstrip(line) + "\n")
        out.flush()


def output_width() -> int:
    """Columns stdout has: the terminal's, `COLUMNS`, or 80 when it is not a terminal."""
    return Console().width


class _Wrapper(textwrap.TextWrapper):
    """Breaks at spaces and, where a line must break inside it, after an ordering's arrows."""

    wordsep_simple_re = re.compile(rf"(\s+)|(?<={ARROW})(?=\S)")


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """`text` wrapped at `width`, continuation lines indented by `indent`; a word
    longer than a line is never cut (an ordering breaks after an arrow)."""
    wrapper = _Wrapper(
        width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    return wrapper.wrap(text) or [""]


class Pieces:
    """Text a table cell may break only after its separators: an ordering after each
    arrow, a dotted path after each dot. A narrow column then shows all of it on
    several lines instead of cutting it off."""

    def __init__(self, text: str, separator: str = ARROW) -> None:
        self.text = text
        parts = text.split(separator)
        self.pieces = [p + separator for p in parts[:-1]] + [parts[-1]]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(max(len(p) for p in self.pieces), len(self.text)).with_maximum(
            options.max_width
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        lines = [""]
        for piece in self.pieces:
            if lines[-1] and len(lines[-1]) + len(piece) > options.max_width:
                lines.append("")
            lines[-1] += piece
        yield Text("\n".join(lines), overflow="fold")
