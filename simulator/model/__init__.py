"""The SimPy model: a scenario compiled once (`spec`), and the agents of one
replication (`agents`), which consume a pre-drawn world and return an outcome record."""

from .agents import simulate
from .checkpoints import Checkpoints, common_prefix, common_prefixes
from .draws import Draws
from .events import Trace, TraceEvent
from .spec import Spec, compile_spec

__all__ = [
    "Checkpoints",
    "Draws",
    "Spec",
    "Trace",
    "TraceEvent",
    "common_prefix",
    "common_prefixes",
    "compile_spec",
    "simulate",
]
