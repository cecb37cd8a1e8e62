"""Candidate orderings: the pruned enumeration equals filtering all permutations, and
constraints that leave no ordering are refused at the first constraint that does."""

from __future__ import annotations

from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simulator.scenario import Scenario, candidate_orderings, is_candidate

IDS = ["a", "b", "c", "d", "e"]


def scenario_with(constraints: list[dict]) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "c",
            "start": "2023-05-17",
            "horizon_days": 10,
            "visitors": [{"id": v, "name": v, "track": "t", "preparation": 1} for v in IDS],
            "constraints": constraints,
            "objective": {"visits_completed": 1},
        }
    )


def brute_force(constraints: list[dict]) -> tuple:
    def ok(o: tuple) -> bool:
        for c in constraints:
            if "first" in c and o[0] != c["first"]:
                return False
            if "last" in c and o[-1] != c["last"]:
                return False
            if "before" in c and o.index(c["before"][0]) > o.index(c["before"][1]):
                return False
        return True

    return tuple(o for o in permutations(IDS) if ok(o))


constraint = st.one_of(
    st.builds(lambda v: {"first": v}, st.sampled_from(IDS)),
    st.builds(lambda v: {"last": v}, st.sampled_from(IDS)),
    st.builds(lambda p: {"before": list(p)}, st.permutations(IDS).map(lambda p: p[:2])),
)


def satisfiable(constraints: list[dict]) -> Scenario | None:
    """The scenario, if some ordering satisfies the constraints; else check that they are
    refused at the first constraint after which none does."""
    if brute_force(constraints):
        return scenario_with(constraints)
    first_bad = next(i for i in range(len(constraints)) if not brute_force(constraints[: i + 1]))
    with pytest.raises(ValidationError, match="no ordering satisfies the constraints") as caught:
        scenario_with(constraints)
    [error] = caught.value.errors()
    assert error["ctx"]["error"].loc == ("constraints", first_bad)
    return None


@given(st.lists(constraint, max_size=4))
@settings(max_examples=150, deadline=None)
def test_pruned_enumeration_equals_filtered_permutations(constraints: list[dict]) -> None:
    scenario = satisfiable(constraints)
    if scenario is not None:
        assert candidate_orderings(scenario) == brute_force(constraints)


@given(st.lists(constraint, max_size=4))
@settings(max_examples=60, deadline=None)
def test_is_candidate_agrees_with_the_enumeration(constraints: list[dict]) -> None:
    scenario = satisfiable(constraints)
    if scenario is None:
        return
    allowed = set(candidate_orderings(scenario))
    for ordering in permutations(IDS):
        assert is_candidate(scenario, ordering) == (ordering in allowed)
    assert not is_candidate(scenario, ("a", "b", "c", "d"))
    assert not is_candidate(scenario, ("a", "a", "b", "c", "d"))


def test_no_constraints_gives_all_permutations_in_order() -> None:
    assert candidate_orderings(scenario_with([])) == tuple(permutations(IDS))


@pytest.mark.parametrize(
    "constraints",
    [
        [{"before": ["a", "b"]}, {"before": ["b", "c"]}, {"before": ["c", "a"]}],
        [{"first": "a"}, {"first": "b"}],
        [{"last": "a"}, {"first": "a"}],
        [{"first": "b"}, {"before": ["a", "b"]}],
        [{"before": ["a", "b"]}, {"last": "a"}],
    ],
)
def test_contradictory_constraints_are_refused_at_the_last_one(constraints: list[dict]) -> None:
    assert satisfiable(constraints) is None
