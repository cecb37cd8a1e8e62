"""Properties the SimPy model must have, whatever the world."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.experiment import BlockTask, run_fixed
from simulator.model import Draws, compile_spec, simulate
from simulator.schema import Scenario
from simulator.world import draw_block

from .conftest import make_scenario

INSTANT_HOST = {"acceptance": 1.0, "climate_weight": 0.0, "response_delay": 0}


def records(scenario: Scenario, replications: int = 60, seed: int = 3) -> dict[tuple, np.ndarray]:
    result = run_fixed(scenario, replications=replications, seed=seed)
    return {o: result.records[k] for k, o in enumerate(result.orderings)}


def column(scenario: Scenario, name: str) -> int:
    return compile_spec(scenario).metrics.index(name)


@given(seed=st.integers(0, 2**32), block=st.integers(0, 50))
@settings(max_examples=25, deadline=None)
def test_unobstructed_visits_follow_the_plan_back_to_back(seed: int, block: int) -> None:
    scenario = make_scenario(host=INSTANT_HOST)
    spec = compile_spec(scenario)
    world = draw_block(scenario, seed, block)
    for r in range(0, 100, 17):
        draws = Draws.of(world, r)
        for plan in [(0, 1, 2), (2, 0, 1), (1, 2, 0)]:
            record = simulate(spec, plan, draws)
            clock = 0.0
            for v in plan:
                clock += draws.preparation[v]
                assert record[spec.metrics.index(f"day.{spec.ids[v]}")] == pytest.approx(clock)
                clock += draws.visit_days[v]
            assert record[spec.metrics.index("visits_completed")] == 3
            assert record[spec.metrics.index("realized_equals_plan")] == 1


def test_gate_closed_past_horizon_keeps_blocked_visitors_home() -> None:
    scenario = make_scenario(
        gates=[{"id": "g", "kind": "until", "opens": 500, "tracks": ["security"]}],
        host=INSTANT_HOST,
    )
    for record in records(scenario).values():
        assert np.isnan(record[:, column(scenario, "day.b")]).all()
        assert not np.isnan(record[:, column(scenario, "day.a")]).any()
        assert not np.isnan(record[:, column(scenario, "day.c")]).any()


def test_window_gate_defers_travel_past_the_window() -> None:
    scenario = make_scenario(
        gates=[{"id": "summit", "kind": "window", "start_day": 0, "end_day": 40}],
        visitors=[
            *make_scenario().model_dump(mode="json", by_alias=True)["visitors"][:2],
            {"id": "c", "name": "C", "track": "climate", "preparation": 6, "gates": ["summit"]},
        ],
        host=INSTANT_HOST,
    )
    for ordering, record in records(scenario).items():
        day_c = record[:, column(scenario, "day.c")]
        assert (day_c >= 40).all(), ordering


BUSY_WORLD = {
    "gates": [
        {
            "id": "debt",
            "kind": "until",
            "opens": {"dist": "uniform", "low": 0, "high": 60},
            "deadline": 30,
            "crisis": {"probability": 0.3, "extension": 20},
            "tracks": ["economic"],
        },
        {"id": "summit", "kind": "window", "start_day": 10, "end_day": 20, "tracks": ["security"]},
    ],
    "host": {
        "acceptance": 0.5,
        "response_delay": {"dist": "uniform", "low": 1, "high": 9},
        "retry_delay": 10,
        "max_attempts": 2,
        "preference": {"first_track": "economic", "bonus": 1, "penalty": 1},
    },
    "shocks": {
        "rate_per_day": 0.03,
        "severity": {"dist": "beta", "a": 2, "b": 2},
        "climate_hit": 0.3,
        "postpone_days": 10,
        "cancel_threshold": 0.7,
    },
    "effects": {
        "precedence_costs": [
            {"earlier": "c", "later": "b", "cost": 1.5},
            {"earlier": "a", "later": "c", "cost": 0.25},
        ]
    },
}


def test_strict_policy_never_reorders() -> None:
    scenario = make_scenario(**BUSY_WORLD)
    for record in records(scenario, replications=150).values():
        assert (record[:, column(scenario, "plan_order_kept")] == 1).all()
        complete = record[:, column(scenario, "visits_completed")] == 3
        equal = record[:, column(scenario, "realized_equals_plan")] == 1
        assert (complete == equal).all()
        assert (~complete).any(), "the busy world should make some visitors give up"


def test_precedence_cost_incurred_exactly_when_its_condition_holds() -> None:
    scenario = make_scenario(**BUSY_WORLD, policy={"mode": "opportunistic", "patience_days": 5})
    for record in records(scenario, replications=150).values():
        day = {v: record[:, column(scenario, f"day.{v}")] for v in "abc"}
        expected = np.zeros(len(record))
        for earlier, later, cost in [("c", "b", 1.5), ("a", "c", 0.25)]:
            holds = ~np.isnan(day[earlier]) & ~(day[later] < day[earlier])
            expected += cost * holds
        np.testing.assert_allclose(record[:, column(scenario, "precedence_cost")], expected)


def test_opportunistic_policy_lets_a_later_visitor_overtake_a_blocked_head() -> None:
    scenario = make_scenario(
        gates=[{"id": "g", "kind": "until", "opens": 80, "tracks": ["economic"]}],
        host=INSTANT_HOST,
        policy={"mode": "opportunistic", "patience_days": 10},
    )
    record = records(scenario)[("a", "b", "c")]
    assert (record[:, column(scenario, "day.b")] < record[:, column(scenario, "day.a")]).all()
    assert (record[:, column(scenario, "plan_order_kept")] == 0).all()
    strict = records(
        make_scenario(gates=scenario.model_dump(by_alias=True)["gates"], host=INSTANT_HOST)
    )[("a", "b", "c")]
    assert (strict[:, column(scenario, "day.a")] < strict[:, column(scenario, "day.b")]).all()


def test_utility_is_the_objectives_weighted_sum(tiny: Scenario) -> None:
    for record in records(tiny).values():
        expected = (
            record[:, column(tiny, "agenda_value")]
            + 0.1 * record[:, column(tiny, "visits_completed")]
        )
        np.testing.assert_allclose(record[:, column(tiny, "utility")], expected)


def test_strong_economic_first_preference_puts_economic_visits_first() -> None:
    scenario = make_scenario(
        host={
            "acceptance": 0.3,
            "max_attempts": 1,
            "retry_delay": 5,
            "preference": {"first_track": "economic", "bonus": 6, "penalty": 6},
        },
        objective={"agenda_value": 0.0, "visits_completed": 1.0},
    )
    result = run_fixed(scenario, replications=200, seed=5)
    means = result.metric("utility").mean(axis=1)
    top = result.orderings[int(np.argmax(means))]
    assert top[0] == "a"
    for k, ordering in enumerate(result.orderings):
        if ordering[0] != "a":
            assert means[k] < 1.5


def test_shocks_lower_the_climate_and_delay_visits(tiny: Scenario) -> None:
    calm = records(tiny)[("a", "b", "c")]
    stormy_scenario = make_scenario(
        shocks={"rate_per_day": 0.05, "climate_hit": 0.2, "postpone_days": 15, "severity": 0.5}
    )
    stormy = records(stormy_scenario)[("a", "b", "c")]
    climate = column(tiny, "final_climate")
    last = column(tiny, "day.c")
    assert stormy[:, climate].mean() < calm[:, climate].mean()
    assert np.nanmean(stormy[:, last]) > np.nanmean(calm[:, last])


def test_records_of_an_ordering_do_not_depend_on_the_others(tiny: Scenario) -> None:
    alone = BlockTask(tiny, (("b", "c", "a"),), seed=9)((0, 0, 50, None))
    together = BlockTask(tiny, (("a", "b", "c"), ("b", "c", "a")), seed=9)((0, 0, 50, None))
    subset = BlockTask(tiny, (("a", "b", "c"), ("b", "c", "a")), seed=9)((0, 20, 50, (1,)))
    np.testing.assert_array_equal(alone[0], together[1])
    np.testing.assert_array_equal(subset[0], together[1, 20:])


def test_days_to_first_visit_is_censored_at_the_horizon() -> None:
    scenario = make_scenario(
        gates=[
            {
                "id": "g",
                "kind": "until",
                "opens": 900,
                "tracks": ["economic", "security", "climate"],
            }
        ],
        objective={"days_to_first_visit": -1.0},
    )
    for record in records(scenario, replications=10).values():
        assert (record[:, column(scenario, "days_to_first_visit")] == 200).all()
        assert (record[:, column(scenario, "utility")] == -200).all()
        assert math.isnan(record[0, column(scenario, "day.a")])
