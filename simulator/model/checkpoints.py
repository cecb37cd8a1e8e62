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

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from .draws import Draws


class Checkpoint(NamedTuple):
    """A sequential replication's state when the turn at `len(prefix)` starts (a named
    tuple: a run saves one at most turns, and a tuple is quick to make)."""

    prefix: tuple[int, ...]  # the plan's visitors before that turn
    now: float
    fields: tuple[Any, ...]  # the replication's `state.STATE` fields, in that order
    calendar_free: float  # the day the host's calendar is free from
    next_shock: int  # index of the next incident, or -1: none is pending
    shock_day: float  # the day its event is scheduled for, exactly


def common_prefix(plan: Sequence[int], other: Sequence[int]) -> int:
    """How many first visitors two plans share."""
    shared = 0
    for a, b in zip(plan, other, strict=False):
        if a != b:
            break
        shared += 1
    return shared


def common_prefixes(plans: NDArray[np.integer[Any]]) -> list[int]:
    """For plans simulated in the order of their rows (one plan per row), how many first
    visitors each shares with the next (0 for the last): what `Checkpoints.then` is told,
    for a whole run of plans at once."""
    if len(plans) == 0:
        return []
    differ = plans[1:] != plans[:-1]
    shared = np.where(differ.any(axis=1), differ.argmax(axis=1), plans.shape[1])
    return [*shared.tolist(), 0]


class Checkpoints:
    """The checkpoints of one world along the last plan simulated in it, deepest last.

    Pass one to `simulate` for every plan of the same world (`draws`); it keeps the
    states along one path of the tree of prefixes, so it holds at most one checkpoint
    per plan position and helps most when consecutive plans share long prefixes.
    Telling it, before each plan, how many first visitors the plan after it shares
    (`then`) spares saving states that plan cannot use, and finding the checkpoint it
    resumes from is then a comparison of depths.
    """

    def __init__(self, draws: Draws) -> None:
        self.draws = draws
        self.path: list[Checkpoint] = []
        self.following: int | None = None  # what the plan after the next one shares
        self.common: int | None = None  # what the next plan shares with the last one run
        self.limit = 0  # the deepest plan position worth a checkpoint in the current run

    def then(self, shared: int) -> None:
        """The plan simulated after the next one shares its first `shared` visitors with
        it (0 when none follows; `common_prefix`)."""
        self.following = shared

    def deepest(self, plan: tuple[int, ...]) -> Checkpoint | None:
        """Start simulating `plan`: the deepest checkpoint whose prefix `plan` starts
        with; deeper ones (another branch) are dropped."""
        following, common = self.following, self.common
        # not told: any prefix but the whole plan may serve
        self.limit = len(plan) - 1 if following is None else following
        self.following, self.common = None, following
        path = self.path
        if common is not None:  # the path is the last plan's: keep what this one shares
            while path and len(path[-1].prefix) > common:
                path.pop()
            return path[-1] if path else None
        while path:
            last = path[-1]
            if plan[: len(last.prefix)] == last.prefix:
                return last
            path.pop()
        return None

    def last_use(self, checkpoint: Checkpoint) -> bool:
        """Whether the plan resuming from `checkpoint` (`deepest`) is the last to: the
        plan after it shares fewer visitors. It may then take the saved fields
        themselves; any other must copy them (`ReplicationState.copied`)."""
        return self.limit < len(checkpoint.prefix) and self.common is not None

    def wanted(self, position: int) -> bool:
        """Whether a checkpoint at the start of the turn at `position` may serve a later
        plan: deeper than the deepest saved, and not deeper than the next plan shares."""
        return (len(self.path[-1].prefix) if self.path else 0) < position <= self.limit

    def add(self, checkpoint: Checkpoint) -> None:
        """Save a checkpoint deeper than the deepest on the current path."""
        self.path.append(checkpoint)
