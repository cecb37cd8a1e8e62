"""Replay one replication alone, traced: the events of the model, day by day."""

from __future__ import annotations

from ..experiment import Replay, parse_replay, replay_replication
from ..scenario import Scenario, candidate_orderings


def replay(scenario: Scenario, which: str | None = None, seed: int | None = None) -> Replay:
    """Replication `which` (`ORDERING:INDEX`, visitor ids separated by commas; None:
    replication 0 of the first candidate ordering), run exactly as in a run with `seed`
    (None: the scenario's), with its events. If it fails, the `Replay` says why."""
    if which is None:
        ordering, index = candidate_orderings(scenario)[0], 0
    else:
        ordering, index = parse_replay(scenario, which)
    return replay_replication(scenario, ordering, index, seed)
