"""Candidates as `Orderings`: the same orderings in the same order as the tuples of ids
they replace, read like a tuple of tuples, simulated identically, and small to pickle."""

from __future__ import annotations

import math
import pickle
from itertools import permutations
from pathlib import Path

import numpy as np
import pytest

from simulator.experiment import BlockTask
from simulator.model import compile_spec
from simulator.scenario import Orderings, Scenario, candidate_orderings, load_scenario

from .conftest import BASE, make_scenario

SYNTHETIC = Path(__file__).resolve().parent.parent / "scenarios" / "synthetic"
CONSTRAINTS = [{"before": ["c", "a"]}, {"last": "d"}]


def constrained() -> Scenario:
    """Four visitors listed out of alphabetical order (c, a, b, d), two constraints."""
    d = {**BASE["visitors"][2], "id": "d", "name": "D"}
    visitors = [BASE["visitors"][2], BASE["visitors"][0], BASE["visitors"][1], d]
    return make_scenario(visitors=visitors, constraints=CONSTRAINTS)


def expected() -> tuple[tuple[str, ...], ...]:
    """The allowed permutations, in lexicographic order of the scenario's visitor order."""
    return tuple(
        o
        for o in permutations(("c", "a", "b", "d"))
        if o.index("c") < o.index("a") and o[-1] == "d"
    )


def test_candidates_are_the_allowed_orderings_in_the_scenario_visitor_order() -> None:
    candidates = candidate_orderings(constrained())
    assert isinstance(candidates, Orderings)
    assert candidates.ids == ("c", "a", "b", "d")
    assert tuple(candidates) == expected()
    assert [candidates[k] for k in range(len(candidates))] == list(expected())


def test_orderings_read_like_a_tuple_of_tuples() -> None:
    candidates, reference = candidate_orderings(constrained()), expected()
    assert len(candidates) == len(reference) == 3
    assert candidates[np.int64(1)] == candidates[1] == reference[1]
    assert candidates[-1] == reference[-1]
    assert isinstance(candidates[0], tuple)
    with pytest.raises(IndexError):
        candidates[len(reference)]
    for part in (slice(1, None), slice(None, None, -1), slice(0, 3, 2), slice(5, 9)):
        assert isinstance(candidates[part], Orderings)
        assert tuple(candidates[part]) == reference[part]
    assert list(reversed(candidates)) == list(reversed(reference))


def test_joined_writes_the_orderings_asked_for_as_text_in_that_order() -> None:
    candidates, reference = candidate_orderings(constrained()), expected()
    assert candidates.joined([2, 0, 2], ",") == [",".join(reference[k]) for k in (2, 0, 2)]
    assert candidates.joined(np.array([1]), "→") == ["→".join(reference[1])]
    assert candidates.joined([], ",") == []


def test_index_contains_and_count_search_the_array() -> None:
    candidates, reference = candidate_orderings(constrained()), expected()
    for k, ordering in enumerate(reference):
        assert candidates.index(ordering) == k
        assert ordering in candidates
        assert candidates.count(ordering) == 1
    assert candidates.index(reference[2], 1) == 2
    assert candidates.index(reference[2], -2, 3) == 2
    with pytest.raises(ValueError, match="not in the orderings"):
        candidates.index(reference[0], 1)
    for absent in (
        ("a", "c", "b", "d"),
        ("c", "a", "b"),
        ("c", "a", "b", "x"),
        ["c", "a", "b", "d"],
    ):
        assert absent not in candidates
        assert candidates.count(absent) == 0
        with pytest.raises(ValueError, match="not in the orderings"):
            candidates.index(absent)


def test_orderings_equal_any_sequence_of_the_same_orderings_and_hash_like_tuples() -> None:
    candidates, reference = candidate_orderings(constrained()), expected()
    assert candidates == reference
    assert reference == candidates
    assert candidates == list(reference)
    assert candidates != reference[:2]
    assert candidates != reference[::-1]
    assert candidates != tuple(list(o) for o in reference)  # a list is never a tuple
    assert candidates != "cabd"
    reordered = Orderings.of(("d", "c", "b", "a"), candidates)
    assert reordered.ids == ("d", "c", "b", "a")
    assert reordered == candidates
    assert hash(candidates) == hash(reordered) == hash(reference)
    assert {reference: "found"}[candidates] == "found"
    assert Orderings(("a",), np.zeros((0, 1), dtype=np.int8)) == Orderings(("b", "c"), [])
    with pytest.raises(ValueError, match="at least one visitor"):
        Orderings((), [])
    assert Orderings(("a", "b"), []) == ()


def test_orderings_are_read_only_and_their_repr_is_short() -> None:
    candidates = candidate_orderings(load_scenario(SYNTHETIC / "synthetic_8.yaml"))
    with pytest.raises(ValueError, match="read-only"):
        candidates.array[0, 0] = 1
    with pytest.raises(AttributeError):
        candidates.ids = ("x",)  # type: ignore[misc]
    text = repr(candidates)
    assert len(text) < 120
    assert "40,320" in text
    with pytest.raises(ValueError, match="columns"):
        Orderings(("a", "b"), np.zeros((2, 3), dtype=np.int8))
    with pytest.raises(ValueError, match="outside"):
        Orderings(("a", "b"), np.array([[0, 2]], dtype=np.int8))
    with pytest.raises(ValueError, match="not one of the visitors"):
        Orderings.of(("a", "b"), [("a", "x")])


def test_plans_are_rows_of_the_model_visitor_indices() -> None:
    scenario = constrained()
    candidates, spec = candidate_orderings(scenario), compile_spec(scenario)
    assert candidates.ids == spec.ids
    for k, ordering in enumerate(candidates):
        assert tuple(candidates.plans([k])[0].tolist()) == spec.index(ordering)
    assert candidates.plans((2, 0)).tolist() == [list(spec.index(o)) for o in expected()[::-2]]
    assert candidates.plans(slice(1, 2)).shape == (1, 4)
    assert np.array_equal(candidates.plans(), candidates.array)


def test_a_task_simulates_the_same_records_from_orderings_as_from_tuples() -> None:
    scenario = constrained()
    candidates = candidate_orderings(scenario)
    for item in ((0, 0, 40, None), (1, 10, 30, (2, 0))):
        compact = BlockTask(scenario, candidates, seed=5)(item)
        tuples = BlockTask(scenario, tuple(candidates), seed=5)(item)
        assert compact.tobytes() == tuples.tobytes()


def test_nine_visitor_candidates_pickle_as_their_array() -> None:
    candidates = candidate_orderings(load_scenario(SYNTHETIC / "synthetic_9.yaml"))
    assert len(candidates) == math.factorial(9)
    data = pickle.dumps(candidates, protocol=pickle.HIGHEST_PROTOCOL)
    as_tuples = pickle.dumps(tuple(candidates), protocol=pickle.HIGHEST_PROTOCOL)
    assert len(data) < 5 << 20
    assert len(data) < len(as_tuples) / 2
    again = pickle.loads(data)
    assert isinstance(again, Orderings)
    assert again.ids == candidates.ids
    assert np.array_equal(again.array, candidates.array)
    assert again[123_456] == candidates[123_456]
    assert again.index(candidates[-1]) == len(candidates) - 1
