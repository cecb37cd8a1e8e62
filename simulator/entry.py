"""The `visitsim` console entry point.

Loading the command line (numpy, scipy, matplotlib) takes a moment, before the
commands' own signal handling is in place: Ctrl-C meanwhile exits with status 130 and
one line, like an interrupted command, instead of a traceback.
"""

from __future__ import annotations

import importlib
import sys


def main() -> None:
    """Load the command line, then run it."""
    try:
        command_line = importlib.import_module(".cli", __package__).main
    except KeyboardInterrupt:
        print("interrupted: stopped by SIGINT while starting", file=sys.stderr)
        sys.exit(130)
    command_line()
