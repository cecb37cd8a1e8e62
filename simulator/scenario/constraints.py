"""Candidate orderings: permutations of the visitors that satisfy the constraints.

In a scenario conditioned on observations (`observed:`), the visits already made are
the first of every candidate, in the order they were made.

All n! permutations (at most 9! = 362,880) are laid out as one small array of visitor
indices, `candidate_array` (3.3 MB at 9 visitors), and the constraints (`first`,
`last`, `before`) are applied to it column by column. `candidate_orderings` keeps that
array (as `Orderings`): no Python object per ordering is made until one is read as a
tuple of ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..types import Ordering, VisitorId
from .orderings import Orderings, PlanArray
from .schema import Scenario

Rule = Callable[[VisitorId, int, set[VisitorId]], bool]
"""Whether a visitor may take a position, given the visitors placed before it."""


def _rule(scenario: Scenario) -> Rule | None:
    """The constraints as one rule; None when no ordering can satisfy them."""
    ids = tuple(v.id for v in scenario.visitors)
    first = {c.first for c in scenario.constraints if c.first is not None}
    last = {c.last for c in scenario.constraints if c.last is not None}
    must_follow: dict[VisitorId, set[VisitorId]] = {v: set() for v in ids}
    for c in scenario.constraints:
        if c.before is not None:
            must_follow[c.before[1]].add(c.before[0])
    if len(first) > 1 or len(last) > 1:
        return None  # two different visitors cannot both be first (or last)
    n = len(ids)
    visited = () if scenario.observed is None else scenario.observed.observations().visited()

    def allowed(visitor: VisitorId, position: int, placed: set[VisitorId]) -> bool:
        if position < len(visited) and visitor != visited[position]:
            return False  # the visits already made are the plan's first ones
        if first and (position == 0) != (visitor in first):
            return False
        if last and (position == n - 1) != (visitor in last):
            return False
        return must_follow[visitor] <= placed

    return allowed


def permutation_array(n: int) -> PlanArray:
    """All permutations of 0..n-1 in lexicographic order, shape (n!, n): for each first
    element in turn, the permutations of the rest, built from those of n - 1."""
    out: PlanArray = np.zeros((1, 0), dtype=np.int8)
    for size in range(1, n + 1):
        blocks = []
        for first in range(size):
            others = np.array([j for j in range(size) if j != first], dtype=np.int8)
            head = np.full((len(out), 1), first, dtype=np.int8)
            blocks.append(np.hstack([head, others[out]]))
        out = np.vstack(blocks)
    return out


def candidate_array(scenario: Scenario) -> PlanArray:
    """The allowed orderings as visitor indices (into `scenario.visitors`), one row each,
    in lexicographic order; shape (candidates, visitors), int8."""
    ids = [v.id for v in scenario.visitors]
    n = len(ids)
    plans = permutation_array(n)
    place = np.empty_like(plans)  # place[o, v]: the position of visitor v in ordering o
    place[np.arange(len(plans))[:, None], plans] = np.arange(n, dtype=np.int8)
    keep = np.ones(len(plans), dtype=bool)
    for c in scenario.constraints:
        if c.first is not None:
            keep &= place[:, ids.index(c.first)] == 0
        if c.last is not None:
            keep &= place[:, ids.index(c.last)] == n - 1
        if c.before is not None:
            keep &= place[:, ids.index(c.before[0])] < place[:, ids.index(c.before[1])]
    visited = () if scenario.observed is None else scenario.observed.observations().visited()
    for position, visitor in enumerate(visited):
        keep &= plans[:, position] == (ids.index(visitor) if visitor in ids else -1)
    return plans[keep]


def iter_orderings(scenario: Scenario) -> Iterator[Ordering]:
    """Allowed orderings in lexicographic order of the scenario's visitor order."""
    yield from candidate_orderings(scenario)


def is_candidate(scenario: Scenario, ordering: Ordering) -> bool:
    """Whether `ordering` is one of `candidate_orderings(scenario)`, without listing
    them (there can be 9! = 362,880)."""
    allowed = _rule(scenario)
    if allowed is None or sorted(ordering) != sorted(v.id for v in scenario.visitors):
        return False
    placed: set[VisitorId] = set()
    for position, visitor in enumerate(ordering):
        if not allowed(visitor, position, placed):
            return False
        placed.add(visitor)
    return True


def candidate_orderings(scenario: Scenario) -> Orderings:
    """All orderings of the visitors allowed by the scenario's constraints, as rows of
    indices into the scenario's visitors (`Orderings`).

    The order is deterministic (lexicographic in the scenario's visitor order), so
    every table indexed by candidates is too.
    """
    plans = candidate_array(scenario)
    plans.flags.writeable = False  # Orderings keeps it as it is, without a copy
    return Orderings(tuple(v.id for v in scenario.visitors), plans)
