"""The `visitsim` command line: parse options, call the Python API, print.

`main.py` is the command group; each command lives in its own module, which parses,
calls one API function and prints. A command's module is imported, and so registered
with the group, when the command is first looked up (`main.COMMANDS`), so that
`visitsim --help` and a mistyped command answer at once.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
