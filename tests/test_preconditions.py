"""Declared preconditions and the policies: what each condition does, the properties
that must hold whatever the world, and the errors a bad declaration gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import InputError
from simulator.model import Draws, compile_spec, simulate
from simulator.scenario import Scenario, load_scenario
from simulator.world import draw_block

from .conftest import BASE, deep_update, make_scenario
from .test_scenario import write

INSTANT_HOST = {"acceptance": 1.0, "climate_weight": 0.0, "response_delay": 0}

# A world whose host does not read the state of the relationship: its answers depend
# only on the world's uniforms, not on when a request arrives. Gates, windows, refusals,
# random delays and the host's deferral remain; incidents are left out.
STATELESS: dict[str, Any] = {
    "gates": [
        {
            "id": "debt",
            "kind": "until",
            "opens": {"dist": "uniform", "low": 0, "high": 60},
            "tracks": ["economic"],
        },
        {"id": "summit", "kind": "window", "start_day": 30, "end_day": 45, "tracks": ["security"]},
    ],
    "host": {
        "acceptance": 0.6,
        "climate_weight": 0.0,
        "response_delay": {"dist": "uniform", "low": 1, "high": 9},
        "retry_delay": {"dist": "uniform", "low": 3, "high": 20},
        "max_attempts": 3,
        "min_spacing_days": 4,
        "preference": {
            "first_track": "economic",
            "defer_others": True,
            "waiver": {"probability": 0.7, "after": {"dist": "uniform", "low": 0, "high": 40}},
        },
    },
    "policy": {"min_gap_days": 3},
}

PLANS = [(0, 1, 2), (1, 0, 2), (2, 1, 0), (1, 2, 0)]


def visit_days(scenario: Scenario, seed: int, block: int = 0) -> np.ndarray:
    """Visit days (inf: never) of every replication and plan: (replications, plans, visitors)."""
    spec = compile_spec(scenario)
    world = draw_block(scenario, seed, block)
    first = spec.metrics.index(f"day.{spec.ids[0]}")
    out = np.array(
        [
            [
                simulate(spec, plan, Draws.of(world, r))[first : first + len(spec.ids)]
                for plan in PLANS
            ]
            for r in range(100)
        ]
    )
    return np.where(np.isnan(out), np.inf, out)


@given(seed=st.integers(0, 2**32))
@settings(max_examples=8, deadline=None)
def test_pipelined_visits_are_never_later_than_sequential_ones(seed: int) -> None:
    pipelined = visit_days(make_scenario(**STATELESS), seed)
    sequential = visit_days(
        make_scenario(**deep_update(STATELESS, {"policy": {"mode": "sequential"}})), seed
    )
    assert (pipelined <= sequential + 1e-9).all()
    assert (pipelined < sequential).any()


EXTRA_HARD = [
    {"not_before": 50},
    {"visited": "c"},
    {"accepted": "a"},
    {"track_visited": "climate"},
    {"gate": "debt"},
]


@given(
    seed=st.integers(0, 2**32),
    extra=st.sampled_from(EXTRA_HARD),
    phase=st.sampled_from(["ask", "travel"]),
)
@settings(max_examples=12, deadline=None)
def test_adding_a_hard_precondition_never_makes_a_visit_earlier(
    seed: int, extra: dict[str, Any], phase: str
) -> None:
    base = make_scenario(**STATELESS)
    visitors = [dict(v) for v in BASE["visitors"]]
    visitors[1]["preconditions"] = {phase: [extra]}
    stricter = make_scenario(**STATELESS, visitors=visitors)
    before, after = visit_days(base, seed), visit_days(stricter, seed)
    same = _same_visits(before, after, held=1)
    assert (after[same] >= before[same] - 1e-9).all()
    assert same.sum() >= 10  # comparable cases (a deadlock with the plan leaves few)


def _same_visits(one: np.ndarray, other: np.ndarray, held: int) -> np.ndarray:
    """(replication, plan) pairs in which the same visitors visit, the `held` one among
    them. Elsewhere the plan may move on sooner: a visitor that gives up lets the next
    one go, and a hard condition that can no longer hold makes its visitor give up
    sooner than its own requests would have."""
    return (np.isinf(one) == np.isinf(other)).all(axis=-1) & ~np.isinf(one[..., held])


@given(seed=st.integers(0, 2**32), sooner=st.floats(0, 30), later=st.floats(0, 30))
@settings(max_examples=12, deadline=None)
def test_waiving_a_soft_precondition_sooner_never_makes_a_visit_later(
    seed: int, sooner: float, later: float
) -> None:
    sooner, later = min(sooner, later), max(sooner, later)

    def with_waiver(after: float) -> Scenario:
        visitors = [dict(v) for v in BASE["visitors"]]
        visitors[2]["preconditions"] = {
            "travel": [{"visited": "b", "waiver": {"after": after}}],
            "ask": [{"not_before": 60, "waiver": {"after": after}}],
        }
        return make_scenario(**STATELESS, visitors=visitors)

    hard = [dict(v) for v in BASE["visitors"]]
    hard[2]["preconditions"] = {"travel": [{"visited": "b"}], "ask": [{"not_before": 60}]}
    early, late = visit_days(with_waiver(sooner), seed), visit_days(with_waiver(later), seed)
    never = visit_days(make_scenario(**STATELESS, visitors=hard), seed)
    assert (early <= late + 1e-9).all()
    same = _same_visits(late, never, held=2)
    assert (late[same] <= never[same] + 1e-9).all()


def _twins() -> Scenario:
    twin = {
        "track": "economic",
        "preparation": {"dist": "uniform", "low": 5, "high": 25},
        "visit_days": {"dist": "uniform", "low": 1, "high": 4},
        "preconditions": {"travel": [{"climate_at_least": -0.5, "waiver": {"after": 20}}]},
    }
    return make_scenario(
        visitors=[
            {"id": "a", "name": "A", **twin, "agenda": [{"id": "x", "value": 2, "success": 0.5}]},
            {"id": "b", "name": "B", **twin, "agenda": [{"id": "x", "value": 2, "success": 0.5}]},
            BASE["visitors"][2],
        ],
        host={
            "acceptance": 0.5,
            "response_delay": {"dist": "uniform", "low": 1, "high": 5},
            "min_spacing_days": 5,
            "preference": {"first_track": "economic", "bonus": 1, "penalty": 1},
        },
        climate={
            "initial": {"dist": "uniform", "low": -0.8, "high": 0},
            "visit_gain": {"economic": 0.2},
        },
        shocks={
            "rate_per_day": 0.02,
            "severity": {"dist": "uniform", "low": 0, "high": 1},
            "climate_hit": 0.3,
            "postpone_days": 10,
            "cancel_threshold": 0.8,
        },
    )


def _swap(draws: Draws, items: tuple[int, int]) -> Draws:
    """The same world with visitors 0 and 1 (and their agenda items) exchanged."""

    def swap(values: list) -> list:
        return [values[1], values[0], *values[2:]]

    item_u = list(draws.item_u)
    item_u[items[0]], item_u[items[1]] = item_u[items[1]], item_u[items[0]]
    return Draws(
        initial_climate=draws.initial_climate,
        gate_open=draws.gate_open,
        shock_times=draws.shock_times,
        shock_severity=draws.shock_severity,
        preparation=swap(draws.preparation),
        visit_days=swap(draws.visit_days),
        response_delay=swap(draws.response_delay),
        accept_u=swap(draws.accept_u),
        retry_delay=swap(draws.retry_delay),
        item_u=item_u,
        waiver_after=swap(draws.waiver_after),
    )


@given(seed=st.integers(0, 2**32), plan=st.permutations([0, 1, 2]))
@settings(max_examples=10, deadline=None)
def test_identical_visitors_are_interchangeable(seed: int, plan: list[int]) -> None:
    scenario = _twins()
    spec = compile_spec(scenario)
    swapped_plan = tuple({0: 1, 1: 0}.get(v, v) for v in plan)
    names = spec.metrics
    mirror = [names.index(_mirrored(m)) for m in names]
    world = draw_block(scenario, seed, 0)
    for r in range(100):
        draws = Draws.of(world, r)
        one = simulate(spec, tuple(plan), draws)
        other = simulate(spec, swapped_plan, _swap(draws, (0, 1)))
        np.testing.assert_array_equal(one, np.array(other)[mirror])


def _mirrored(metric: str) -> str:
    for x, y in ((".a", ".b"), (".b", ".a")):
        if metric.endswith(x):
            return metric[: -len(x)] + y
        if f"{x}." in metric:
            return metric.replace(f"{x}.", f"{y}.")
    return metric


def _run(scenario: Scenario, plan: tuple[int, ...], r: int = 0, seed: int = 1) -> tuple:
    spec = compile_spec(scenario)
    trace: list = []
    record = simulate(spec, plan, Draws.of(draw_block(scenario, seed, 0), r), trace)
    return spec, record, trace


def _day(spec: Any, record: np.ndarray, metric: str) -> float:
    return float(record[spec.metrics.index(metric)])


def test_each_kind_of_precondition_holds_its_visitor_back() -> None:
    base = {"host": INSTANT_HOST, "policy": {"mode": "opportunistic", "patience_days": 0}}
    cases = {
        "not_before": ({"not_before": 77}, lambda s, rec: 77),
        "visited": ({"visited": "c"}, lambda s, rec: _day(s, rec, "day.c") + 3),
        "accepted": ({"accepted": "c"}, lambda s, rec: _day(s, rec, "accept_day.c")),
        "track_visited": ({"track_visited": "climate"}, lambda s, rec: _day(s, rec, "day.c") + 3),
    }
    visitors = [dict(v) for v in BASE["visitors"]]
    visitors[2]["earliest_day"] = 40
    for name, (condition, bound) in cases.items():
        for phase in ("ask", "travel"):
            held = [dict(v) for v in visitors]
            held[0]["preconditions"] = {phase: [condition]}
            spec, record, trace = _run(make_scenario(**base, visitors=held), (0, 1, 2))
            metric = "request_day.a" if phase == "ask" else "day.a"
            assert _day(spec, record, metric) >= bound(spec, record) - 1e-9, (name, phase)
            assert any(e.kind == "wait" and e.visitor == "a" for e in trace), (name, phase)


def test_a_gate_precondition_waits_for_the_gate() -> None:
    scenario = make_scenario(
        host=INSTANT_HOST,
        gates=[
            {"id": "deal", "kind": "until", "opens": {"dist": "uniform", "low": 10, "high": 90}}
        ],
        visitors=[
            {**BASE["visitors"][0], "preconditions": {"travel": [{"gate": "deal"}]}},
            *BASE["visitors"][1:],
        ],
    )
    spec = compile_spec(scenario)
    world = draw_block(scenario, 4, 0)
    for r in range(100):
        record = simulate(spec, (0, 1, 2), Draws.of(world, r))
        assert _day(spec, record, "day.a") >= world.gate_open[r, 0] - 1e-9
        assert _day(spec, record, "request_day.a") == 0  # it asks at once


def test_climate_precondition_waits_for_warmer_relations() -> None:
    visitors = [dict(v) for v in BASE["visitors"]]
    visitors[1]["preconditions"] = {"ask": [{"climate_at_least": 0.15}]}
    scenario = make_scenario(
        host=INSTANT_HOST,
        visitors=visitors,
        climate={"initial": 0, "visit_gain": {"economic": 0.2}},
    )
    spec, record, _ = _run(scenario, (0, 2, 1))
    assert _day(spec, record, "request_day.b") == pytest.approx(
        _day(spec, record, "day.a") + 2  # a's visit (2 days) raises the climate to 0.2
    )


def test_a_hard_precondition_that_can_no_longer_hold_gives_up_and_frees_the_plan() -> None:
    visitors = [dict(v) for v in BASE["visitors"]]
    visitors[0]["earliest_day"] = 500  # a can never ask within the horizon
    visitors[1]["preconditions"] = {"travel": [{"visited": "a"}]}
    scenario = make_scenario(host=INSTANT_HOST, visitors=visitors)
    spec, record, trace = _run(scenario, (0, 1, 2))
    assert np.isnan(_day(spec, record, "day.a"))
    assert np.isnan(_day(spec, record, "day.b"))
    assert not np.isnan(_day(spec, record, "day.c"))  # the plan moves on past both
    assert any(
        e.kind == "give_up" and e.visitor == "b" and "can no longer" in e.text for e in trace
    )


def test_a_soft_precondition_is_waived_at_the_drawn_rate() -> None:
    visitors = [dict(v) for v in BASE["visitors"]]
    visitors[1]["preconditions"] = {
        "travel": [{"climate_at_least": 0.9, "waiver": {"probability": 0.3, "after": 10}}]
    }
    scenario = make_scenario(host=INSTANT_HOST, visitors=visitors)
    world = draw_block(scenario, 8, 0)
    waived = np.isfinite(world.waiver_after[:, 0])
    assert 15 <= waived.sum() <= 45
    np.testing.assert_array_equal(world.waiver_after[waived, 0], 10)
    spec = compile_spec(scenario)
    for r in range(100):
        record = simulate(spec, (1, 0, 2), Draws.of(world, r))
        visited = not np.isnan(_day(spec, record, "day.b"))
        assert visited == waived[r]


def test_the_hosts_deferral_holds_other_tracks_until_a_first_track_visit() -> None:
    host = {**INSTANT_HOST, "preference": {"first_track": "economic", "defer_others": True}}
    scenario = make_scenario(host=host, policy={"mode": "opportunistic", "patience_days": 0})
    spec, record, _ = _run(scenario, (1, 2, 0))
    a_end = _day(spec, record, "day.a") + 2
    assert _day(spec, record, "day.b") >= a_end
    assert _day(spec, record, "day.c") >= a_end


def test_waivers_are_drawn_by_name_so_other_visitors_keep_theirs() -> None:
    one = [dict(v) for v in BASE["visitors"]]
    one[2]["preconditions"] = {
        "travel": [{"visited": "a", "waiver": {"probability": 0.5, "after": 9}}]
    }
    both = [dict(v) for v in one]
    both[0] = {**both[0], "preconditions": {"ask": [{"not_before": 3, "waiver": {"after": 1}}]}}
    w1 = draw_block(make_scenario(visitors=one), 5, 2).waiver_after
    w2 = draw_block(make_scenario(visitors=both), 5, 2).waiver_after
    np.testing.assert_array_equal(w1[:, 0], w2[:, 1])


def test_trace_shows_requests_in_flight_while_another_visitor_prepares() -> None:
    scenario = load_scenario(Path(__file__).parent.parent / "scenarios" / "us_china_2023.yaml")
    spec = compile_spec(scenario)
    _, _, trace = _run(scenario, spec.index(("yellen", "blinken", "kerry", "raimondo")), 0, 2023)
    accepted = {e.visitor: e.day for e in trace if e.kind == "prepare"}
    asked = {e.visitor: e.day for e in trace if e.kind == "request"}
    visits = sorted(e.day for e in trace if e.kind == "visit")
    assert len(accepted) >= 2, trace
    assert max(asked.values()) < visits[0], trace


SCENARIO = """\
name: s
start: 2023-05-17
horizon_days: 100
visitors:
  - id: a
    name: A
    track: economic
    preparation: 5
    preconditions:
      travel:
        - {CONDITION}
  - {id: b, name: B, track: security, preparation: 5}
gates:
  - {id: summit, kind: window, start_day: 2, end_day: 5}
policy:
  mode: {MODE}
objective: {agenda_value: 1.0}
"""


@pytest.mark.parametrize(
    ("condition", "mode", "expected"),
    [
        (
            "{visited: zed}",
            "pipelined",
            ":11: visitors.a.preconditions.travel[0].visited: unknown visitor 'zed'; known: a, b",
        ),
        (
            "{visited: a}",
            "pipelined",
            ":11: visitors.a.preconditions.travel[0].visited: visitor 'a' cannot wait for itself",
        ),
        (
            "{gate: summit}",
            "pipelined",
            ":11: visitors.a.preconditions.travel[0].gate: unknown until gate 'summit'; known: "
            "(none)",
        ),
        (
            "{visited: b, not_before: 3}",
            "pipelined",
            ":11: visitors.a.preconditions.travel[0]: give exactly one of gate, visited, accepted, "
            "track_visited, climate_at_least, not_before (got visited, not_before)",
        ),
        (
            "{track_visited: space}",
            "pipelined",
            ":11: visitors.a.preconditions.travel[0].track_visited: unknown track 'space'; known: "
            "economic, security",
        ),
        (
            "{visited: b, waiver: {probability: 2}}",
            "pipelined",
            ":11: visitors.a.preconditions.travel[0].waiver.probability: out of range (got 2); "
            "allowed: <= 1",
        ),
        ("{visited: b}", "strict", ":16: policy.mode: 'strict' is now called 'sequential'"),
    ],
)
def test_bad_preconditions_and_the_old_policy_name_are_clear_errors(
    tmp_path: Path, condition: str, mode: str, expected: str
) -> None:
    text = SCENARIO.replace("{CONDITION}", condition).replace("{MODE}", mode)
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(info.value).startswith(f"{path}{expected}"), str(info.value)


def test_hard_preconditions_that_wait_for_each_other_are_refused(tmp_path: Path) -> None:
    text = SCENARIO.replace("{CONDITION}", "{visited: b}").replace("{MODE}", "pipelined")
    text = text.replace(
        "  - {id: b, name: B, track: security, preparation: 5}",
        "  - {id: b, name: B, track: security, preparation: 5,\n"
        "     preconditions: {ask: [{visited: a}]}}",
    )
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert str(info.value) == (
        f"{path}:11: visitors.a.preconditions.travel[0].visited: hard preconditions wait for "
        "each other in a circle (a travels only once b has visited; b asks only once a has "
        "visited), so none of these visits can ever happen; give one of them a waiver or "
        "drop it"
    )
    soft = text.replace("{visited: a}", "{visited: a, waiver: {after: 30}}")
    assert load_scenario(write(tmp_path, "s.yaml", text.replace("{visited: a}", "{accepted: a}")))
    assert load_scenario(write(tmp_path, "s.yaml", soft)).visitors[1].preconditions.ask[0].waiver
