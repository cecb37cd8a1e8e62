"""Candidate orderings: permutations of the visitors that satisfy the constraints.

In a scenario conditioned on observations (`observed:`), the visits already made are
the first of every candidate, in the order they were made.

Orderings are built position by position and a branch is cut as soon as it breaks a
constraint (`first`, `last`, `before`), so constraints that rule out most of the n!
permutations are never paid for in full.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..types import Ordering, VisitorId
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


def iter_orderings(scenario: Scenario) -> Iterator[Ordering]:
    """Allowed orderings in lexicographic order of the scenario's visitor order."""
    ids = tuple(v.id for v in scenario.visitors)
    allowed = _rule(scenario)
    if allowed is None:
        return
    n = len(ids)

    def extend(prefix: list[VisitorId], placed: set[VisitorId]) -> Iterator[Ordering]:
        if len(prefix) == n:
            yield tuple(prefix)
            return
        for visitor in ids:
            if visitor not in placed and allowed(visitor, len(prefix), placed):
                prefix.append(visitor)
                placed.add(visitor)
                yield from extend(prefix, placed)
                placed.remove(visitor)
                prefix.pop()

    yield from extend([], set())


def is_candidate(scenario: Scenario, ordering: Ordering) -> bool:
    """Whether `ordering` is one of `candidate_orderings(scenario)`, without listing
    them (there can be 8! = 40,320)."""
    allowed = _rule(scenario)
    if allowed is None or sorted(ordering) != sorted(v.id for v in scenario.visitors):
        return False
    placed: set[VisitorId] = set()
    for position, visitor in enumerate(ordering):
        if not allowed(visitor, position, placed):
            return False
        placed.add(visitor)
    return True


def candidate_orderings(scenario: Scenario) -> tuple[Ordering, ...]:
    """All orderings of the visitors allowed by the scenario's constraints.

    The order is deterministic (lexicographic in the scenario's visitor order), so
    every table indexed by candidates is too.
    """
    return tuple(iter_orderings(scenario))
