"""Checkpoints: under the sequential policy, plans that share their first visitors share
the simulation of those visitors' turns.

Under `sequential`, the visitor at plan position p does nothing before the turn of
the one at p - 1 is over, so when its turn starts, the replication's state depends
only on its world and on the visitors before it in the plan. A replication saves
that state at the start of each turn (a `Checkpoint`); a later plan of the same world
that starts with the same visitors resumes from the deepest one instead of
simulating those turns again. Orderings are enumerated so that neighbours share
their first visitors, so along a run of candidates most turns are resumed, not
simulated: with 9 visitors, 362,880 plans hold 986,409 distinct prefixes where
simulating each plan from day 0 would take 3,265,920 turns.

A resumed run gives the same record, to the last bit, as a run from day 0: a state
is saved only when nothing is pending but the next incident (no request with the
host, no visit planned, nobody waiting on a condition, the host's calendar free),
the saved state is every field of the replication but the plan and the SimPy
machinery, and the resumed run re-creates the processes in the order day 0 does and
schedules the pending incident on its exact day, so every later event is created,
ordered and processed as it would have been. Where the state is not clean, no
checkpoint is saved and the plan is simulated from day 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .draws import Draws


def saved(value: Any) -> Any:
    """A copy of a field's value that later changes to the field do not reach: a new
    container of the same items (a field holds numbers, strings, or one level of
    containers of them), or the value itself when it cannot change."""
    return value.copy() if type(value) in _CONTAINERS else value


_CONTAINERS = frozenset({list, dict, set})


@dataclass(frozen=True)
class Checkpoint:
    """A sequential replication's state when the turn at `len(prefix)` starts."""

    prefix: tuple[int, ...]  # the plan's visitors before that turn
    now: float
    fields: dict[str, Any]  # the replication's fields but the plan and machinery
    calendar_free: float  # the day the host's calendar is free from
    next_shock: int  # index of the next incident, or -1: none is pending
    shock_day: float  # the day its event is scheduled for, exactly

    def restore(self) -> dict[str, Any]:
        """The saved fields, copied so that a resumed run does not change them."""
        return {name: saved(value) for name, value in self.fields.items()}


class Checkpoints:
    """The checkpoints of one world along the last plan simulated in it, deepest last.

    Pass one to `simulate` for every plan of the same world (`draws`); it keeps the
    states along one path of the tree of prefixes, so it holds at most one checkpoint
    per plan position and helps most when consecutive plans share long prefixes.
    """

    def __init__(self, draws: Draws) -> None:
        self.draws = draws
        self.path: list[Checkpoint] = []

    def deepest(self, plan: tuple[int, ...]) -> Checkpoint | None:
        """The deepest checkpoint whose prefix `plan` starts with; deeper ones (another
        branch) are dropped."""
        path = self.path
        while path:
            last = path[-1]
            if plan[: len(last.prefix)] == last.prefix:
                return last
            path.pop()
        return None

    def depth(self) -> int:
        """The plan position of the deepest checkpoint (0: none)."""
        return len(self.path[-1].prefix) if self.path else 0

    def add(self, checkpoint: Checkpoint) -> None:
        """Save a checkpoint deeper than the deepest on the current path."""
        self.path.append(checkpoint)
