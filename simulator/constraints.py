"""Candidate orderings: permutations of the visitors that satisfy the constraints."""

from __future__ import annotations

from itertools import permutations

from .schema import Constraint, Scenario
from .types import Ordering


def _satisfies(ordering: Ordering, constraint: Constraint) -> bool:
    if constraint.first is not None:
        return ordering[0] == constraint.first
    if constraint.last is not None:
        return ordering[-1] == constraint.last
    assert constraint.before is not None
    earlier, later = constraint.before
    return ordering.index(earlier) < ordering.index(later)


def candidate_orderings(scenario: Scenario) -> tuple[Ordering, ...]:
    """All orderings of the visitors allowed by the scenario's constraints.

    Permutations come in lexicographic order of the scenario's visitor order, so the
    candidate list (and every table indexed by it) is deterministic.
    """
    ids = tuple(v.id for v in scenario.visitors)
    return tuple(
        ordering
        for ordering in permutations(ids)
        if all(_satisfies(ordering, c) for c in scenario.constraints)
    )
