"""Evidence: what has happened, and what it says about the plan and the assumptions.

`observations` holds observed events; `load` reads them from a file; `condition`
makes every world of a run consistent with what had happened by a date; `score`
scores the forecast against what happened; `calibrate` finds the settings of the
scenario's uncertain assumptions consistent with it (DESIGN §9).

Import `load` from its module (`simulator.evidence.load`), not from here: it reads the
scenario schema, which itself imports the records of `observations`.
"""

from .observations import (
    ClimateReading,
    Event,
    GateOpened,
    Incident,
    Observations,
    VisitorEvent,
)

__all__ = [
    "ClimateReading",
    "Event",
    "GateOpened",
    "Incident",
    "Observations",
    "VisitorEvent",
]
