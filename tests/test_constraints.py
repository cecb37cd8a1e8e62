"""Candidate orderings: the pruned enumeration equals filtering all permutations."""

from __future__ import annotations

from itertools import permutations

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.constraints import candidate_orderings, is_candidate
from simulator.schema import Scenario

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


@given(st.lists(constraint, max_size=4))
@settings(max_examples=150, deadline=None)
def test_pruned_enumeration_equals_filtered_permutations(constraints: list[dict]) -> None:
    assert candidate_orderings(scenario_with(constraints)) == brute_force(constraints)


@given(st.lists(constraint, max_size=4))
@settings(max_examples=60, deadline=None)
def test_is_candidate_agrees_with_the_enumeration(constraints: list[dict]) -> None:
    scenario = scenario_with(constraints)
    allowed = set(candidate_orderings(scenario))
    for ordering in permutations(IDS):
        assert is_candidate(scenario, ordering) == (ordering in allowed)
    assert not is_candidate(scenario, ("a", "b", "c", "d"))
    assert not is_candidate(scenario, ("a", "a", "b", "c", "d"))


def test_no_constraints_gives_all_permutations_in_order() -> None:
    assert candidate_orderings(scenario_with([])) == tuple(permutations(IDS))


def test_contradictory_constraints_leave_nothing() -> None:
    assert (
        candidate_orderings(scenario_with([{"before": ["a", "b"]}, {"before": ["b", "a"]}])) == ()
    )
    assert candidate_orderings(scenario_with([{"first": "a"}, {"first": "b"}])) == ()
