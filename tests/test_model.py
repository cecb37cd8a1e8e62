"""Properties the SimPy model must have, whatever the world."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.experiment import BlockTask, run_fixed
from simulator.model import Draws, Spec, compile_spec, simulate
from simulator.scenario import RECORD_HEAD, Scenario, candidate_orderings, load_scenario
from simulator.world import draw_block

from .conftest import BASE, make_scenario

HERE = Path(__file__).parent
INSTANT_HOST = {"acceptance": 1.0, "climate_weight": 0.0, "response_delay": 0}
SEQUENTIAL = {"mode": "sequential"}


def records(scenario: Scenario, replications: int = 60, seed: int = 3) -> dict[tuple, np.ndarray]:
    result = run_fixed(scenario, replications=replications, seed=seed)
    return {o: result.records[k] for k, o in enumerate(result.orderings)}


def column(scenario: Scenario, name: str) -> int:
    return compile_spec(scenario).metrics.index(name)


def days(spec: Spec, record: np.ndarray, prefix: str = "day") -> dict[str, float]:
    return {v: record[spec.metrics.index(f"{prefix}.{v}")] for v in spec.ids}


@given(
    seed=st.integers(0, 2**32),
    gap=st.floats(0, 20),
    preparation=st.floats(0.5, 40),
    plan=st.permutations([0, 1, 2]),
)
@settings(max_examples=30, deadline=None)
def test_unobstructed_pipelined_visits_are_a_visit_and_a_gap_apart(
    seed: int, gap: float, preparation: float, plan: list[int]
) -> None:
    scenario = make_scenario(
        host=INSTANT_HOST,
        policy={"min_gap_days": gap},
        visitors=[
            {
                **v,
                "preparation": preparation,
                "visit_days": {"dist": "uniform", "low": 1, "high": 4},
            }
            for v in BASE["visitors"]
        ],
    )
    spec = compile_spec(scenario)
    draws = Draws.of(draw_block(scenario, seed, 0), seed % 100)
    record = simulate(spec, tuple(plan), draws)
    day = days(spec, record)
    clock = preparation  # everyone asks on day 0, is accepted at once, prepares alike
    for v in plan:
        assert day[spec.ids[v]] == pytest.approx(clock)
        assert days(spec, record, "request_day")[spec.ids[v]] == 0
        assert days(spec, record, "accept_day")[spec.ids[v]] == 0
        clock += draws.visit_days[v] + gap
    assert record[spec.metrics.index("realized_equals_plan")] == 1


@given(seed=st.integers(0, 2**32), block=st.integers(0, 50))
@settings(max_examples=20, deadline=None)
def test_unobstructed_sequential_visits_follow_the_plan_back_to_back(seed: int, block: int) -> None:
    scenario = make_scenario(host=INSTANT_HOST, policy=SEQUENTIAL)
    spec = compile_spec(scenario)
    world = draw_block(scenario, seed, block)
    for r in range(0, 100, 17):
        draws = Draws.of(world, r)
        for plan in [(0, 1, 2), (2, 0, 1), (1, 2, 0)]:
            record = simulate(spec, plan, draws)
            clock = 0.0
            for v in plan:
                assert days(spec, record, "request_day")[spec.ids[v]] == pytest.approx(clock)
                clock += draws.preparation[v]
                assert days(spec, record)[spec.ids[v]] == pytest.approx(clock)
                clock += draws.visit_days[v]
            assert record[spec.metrics.index("visits_completed")] == 3


def test_sequential_reproduces_the_former_strict_model_exactly() -> None:
    """Fingerprints of the records the one-planner model gave (per ordering and metric:
    the sum and the NaN count over 200-300 replications), kept from before the agents."""
    golden = json.loads((HERE / "scenarios" / "sequential_golden.json").read_text())
    cases = [
        (
            "flagship",
            load_scenario(HERE / "scenarios" / "flagship_may2023_sequential.yaml"),
            2023,
            2,
        ),
        ("busy", make_scenario(**BUSY_WORLD, policy=SEQUENTIAL), 11, 3),
    ]
    for name, scenario, seed, blocks in cases:
        orderings = tuple(candidate_orderings(scenario))
        task = BlockTask(scenario, orderings, seed)
        out = np.concatenate([task((b, 0, 100, None)) for b in range(blocks)], axis=1)
        n = len(scenario.visitors)
        for k, ordering in enumerate(orderings):
            old_layout = np.concatenate([out[k, :, : 9 + n], out[k, :, 9 + 3 * n :]], axis=1)
            expected = golden[name][",".join(ordering)]
            np.testing.assert_allclose(
                np.nansum(old_layout, axis=0), expected["nansum"], rtol=1e-12, atol=1e-9
            )
            np.testing.assert_array_equal(np.isnan(old_layout).sum(axis=0), expected["nan"])


def test_gate_closed_past_horizon_keeps_blocked_visitors_home() -> None:
    scenario = make_scenario(
        gates=[{"id": "g", "kind": "until", "opens": 500, "tracks": ["security"]}],
        host=INSTANT_HOST,
    )
    for record in records(scenario).values():
        assert np.isnan(record[:, column(scenario, "day.b")]).all()
        assert np.isnan(record[:, column(scenario, "request_day.b")]).all()
        assert not np.isnan(record[:, column(scenario, "day.a")]).any()
        assert not np.isnan(record[:, column(scenario, "day.c")]).any()


def test_window_gate_defers_travel_past_the_window() -> None:
    scenario = make_scenario(
        gates=[{"id": "summit", "kind": "window", "start_day": 0, "end_day": 40}],
        visitors=[
            *BASE["visitors"][:2],
            {"id": "c", "name": "C", "track": "climate", "preparation": 6, "gates": ["summit"]},
        ],
        host=INSTANT_HOST,
    )
    for ordering, record in records(scenario).items():
        day_c = record[:, column(scenario, "day.c")]
        assert (day_c >= 40).all(), ordering


BUSY_WORLD: dict[str, Any] = {
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


@pytest.mark.parametrize("mode", ["sequential", "pipelined"])
def test_sequential_and_pipelined_never_reorder(mode: str) -> None:
    scenario = make_scenario(**BUSY_WORLD, policy={"mode": mode})
    for record in records(scenario, replications=150).values():
        assert (record[:, column(scenario, "plan_order_kept")] == 1).all()
        complete = record[:, column(scenario, "visits_completed")] == 3
        equal = record[:, column(scenario, "realized_equals_plan")] == 1
        assert (complete == equal).all()
        assert (~complete).any(), "the busy world should make some visitors give up"


def test_request_accept_and_visit_days_come_in_that_order() -> None:
    scenario = make_scenario(**BUSY_WORLD)
    for record in records(scenario, replications=150).values():
        for v in "abc":
            asked = record[:, column(scenario, f"request_day.{v}")]
            accepted = record[:, column(scenario, f"accept_day.{v}")]
            visited = record[:, column(scenario, f"day.{v}")]
            assert not (accepted < asked).any()
            assert not (visited < accepted).any()
            assert not (np.isnan(asked) & ~np.isnan(accepted)).any()
            assert not (np.isnan(accepted) & ~np.isnan(visited)).any()
            for days in (asked, accepted, visited):  # nothing is recorded past the horizon
                assert not (days >= scenario.horizon_days).any()


def test_precedence_cost_incurred_exactly_when_its_condition_holds() -> None:
    scenario = make_scenario(**BUSY_WORLD, policy={"mode": "opportunistic", "patience_days": 5})
    for record in records(scenario, replications=150).values():
        day = {v: record[:, column(scenario, f"day.{v}")] for v in "abc"}
        expected = np.zeros(len(record))
        for earlier, later, cost in [("c", "b", 1.5), ("a", "c", 0.25)]:
            holds = ~np.isnan(day[earlier]) & ~(day[later] < day[earlier])
            expected += cost * holds
        np.testing.assert_allclose(record[:, column(scenario, "precedence_cost")], expected)


def test_opportunistic_policy_lets_a_ready_visitor_overtake_a_blocked_one() -> None:
    gates = [{"id": "g", "kind": "until", "opens": 80, "tracks": ["economic"]}]
    scenario = make_scenario(
        gates=gates, host=INSTANT_HOST, policy={"mode": "opportunistic", "patience_days": 10}
    )
    record = records(scenario)[("a", "b", "c")]
    b_ready = record[:, column(scenario, "accept_day.b")] + 20  # b prepares at most 20 days
    assert (record[:, column(scenario, "day.b")] < record[:, column(scenario, "day.a")]).all()
    assert (record[:, column(scenario, "day.b")] <= b_ready + 10).all()
    assert (record[:, column(scenario, "plan_order_kept")] == 0).all()
    pipelined = records(make_scenario(gates=gates, host=INSTANT_HOST))[("a", "b", "c")]
    assert (pipelined[:, column(scenario, "day.a")] < pipelined[:, column(scenario, "day.b")]).all()


def test_the_host_receives_one_visit_at_a_time_and_keeps_its_spacing() -> None:
    scenario = make_scenario(
        host={**INSTANT_HOST, "min_spacing_days": 12},
        policy={"mode": "opportunistic", "patience_days": 0},  # the plan never holds anyone
    )
    spec = compile_spec(scenario)
    for record in records(scenario).values():
        visits = sorted(
            (record[:, column(scenario, f"day.{v}")][r], spec.ids.index(v), r)
            for v in "abc"
            for r in range(len(record))
        )
        by_replication: dict[int, list[tuple[float, int]]] = {}
        for day, v, r in visits:
            by_replication.setdefault(r, []).append((day, v))
        for r, seq in by_replication.items():
            draws = Draws.of(draw_block(scenario, 3, 0), r)
            for (day, v), (next_day, _) in itertools.pairwise(seq):
                assert next_day >= day + draws.visit_days[v] + 12 - 1e-9


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
        policy=SEQUENTIAL,
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


def test_an_incident_postpones_every_preparation_in_progress() -> None:
    scenario = make_scenario(
        host=INSTANT_HOST,
        visitors=[{**v, "preparation": 30} for v in BASE["visitors"]],
        shocks={"rate_per_day": 0.001, "severity": 0.5, "postpone_days": 10},
    )
    spec = compile_spec(scenario)
    world = draw_block(scenario, 0, 0)
    hit = [r for r in range(100) if world.shock_times[r, 0] < 30]
    assert hit, "some replication should have an incident while everyone prepares"
    for r in hit:
        trace: list = []
        simulate(spec, (0, 1, 2), Draws.of(world, r), trace)
        postponed = {e.visitor for e in trace if e.kind == "postpone"}
        assert postponed == {"a", "b", "c"}


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


def test_the_model_draws_no_random_numbers(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = make_scenario(**BUSY_WORLD)
    spec = compile_spec(scenario)
    world = draw_block(scenario, 1, 0)

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the model drew a random number")

    for name in ("random", "uniform", "expovariate", "choice", "shuffle", "gauss"):
        monkeypatch.setattr(random, name, refuse)
    monkeypatch.setattr(np.random, "default_rng", refuse)
    monkeypatch.setattr(np.random, "random", refuse)
    for r in range(100):
        simulate(spec, (2, 0, 1), Draws.of(world, r), [])


def test_an_incident_postpones_or_cancels_a_visit_waiting_for_its_turn() -> None:
    scenario = make_scenario(
        host={**INSTANT_HOST, "max_attempts": 3, "retry_delay": 0},
        gates=[{"id": "g", "kind": "until", "opens": 80, "tracks": ["economic"]}],
        shocks={"rate_per_day": 0.001, "postpone_days": 20, "cancel_threshold": 0.7},
    )
    spec = compile_spec(scenario)
    base = Draws.of(draw_block(scenario, 0, 0), 0)
    plan = (0, 1, 2)  # a is held by the gate until day 80; b and c are ready long before

    def run(severity: float) -> tuple[np.ndarray, list]:
        shocked = dataclasses.replace(
            base,
            shock_times=[50.0] + [math.inf] * (len(base.shock_times) - 1),
            shock_severity=[severity] * len(base.shock_severity),
        )
        trace: list = []
        return simulate(spec, plan, shocked, trace), trace

    calm, _ = run(0.0)
    mild, trace = run(0.5)  # travel not before day 50 + 0.5 x 20 = 60: no effect after day 80
    assert {e.visitor for e in trace if e.kind == "postpone"} == {"b", "c"}
    np.testing.assert_array_equal(calm[: len(RECORD_HEAD)], mild[: len(RECORD_HEAD)])
    severe, trace = run(0.9)
    assert {e.visitor for e in trace if e.kind == "cancel"} == {"b", "c"}
    requests = [e.visitor for e in trace if e.kind == "request"]
    assert requests.count("b") == 2
    assert requests.count("c") == 2
    assert severe[spec.metrics.index("visits_completed")] == 3


def test_an_answer_after_the_horizon_is_no_acceptance() -> None:
    scenario = make_scenario(host={**INSTANT_HOST, "response_delay": 10**300})
    for record in records(scenario, replications=10).values():
        for v in "abc":
            assert (record[:, column(scenario, f"request_day.{v}")] == 0).all()
            assert np.isnan(record[:, column(scenario, f"accept_day.{v}")]).all()
