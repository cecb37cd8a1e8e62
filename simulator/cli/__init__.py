"""The `visitsim` command line: parse options, call the Python API, print.

`main.py` is the command group; each command lives in its own module, which parses,
calls one API function and prints. Importing the modules registers the commands.
"""

from __future__ import annotations

from . import (
    app,
    calibrate,
    compare,
    init,
    report,
    reproduce,
    robustness,
    run,
    schema,
    score,
    sensitivity,
    sweep,
    validate,
)
from .main import main

__all__ = [
    "app",
    "calibrate",
    "compare",
    "init",
    "main",
    "report",
    "reproduce",
    "robustness",
    "run",
    "schema",
    "score",
    "sensitivity",
    "sweep",
    "validate",
]
