"""Re-planning: the scenario as known on a date, given what has been observed since its
start (DESIGN §9). Run it like any scenario: every world starts from the observed
state, and only orderings that begin with the visits already made are candidates."""

from __future__ import annotations

from pathlib import Path

from ..evidence.load import load_observations, observed_scenario, parse_as_of
from ..scenario import Scenario
from ..tuning import Base


def known_as_of(scenario: Scenario, observed: Path, as_of: str | float | None = None) -> Scenario:
    """`scenario` conditioned on the observations in file `observed` up to `as_of` (a
    `YYYY-MM-DD` date or a day number; None: the last day the file covers)."""
    observations = load_observations(observed, scenario)
    if as_of is None:
        day = observations.until
    elif isinstance(as_of, str):
        day = parse_as_of(as_of, scenario)
    else:
        day = parse_as_of(f"{as_of}", scenario)
    return observed_scenario(scenario, observations, day)


def base_as_of(base: Base, observed: Path, as_of: str | float | None = None) -> Base:
    """A scenario file for the tuning commands (sweep, sensitivity, robustness), known as
    of `as_of`: at every setting of its assumptions, runs start from the observed state."""
    known = known_as_of(base.scenario, observed, as_of).observed
    assert known is not None
    return base.known(known)
