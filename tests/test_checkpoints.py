"""Checkpoints: plans that share their first visitors share those turns, and a resumed
run gives the same record, to the last bit, as a run from day 0."""

from __future__ import annotations

import random
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.model import (
    Checkpoints,
    Draws,
    common_prefix,
    common_prefixes,
    compile_spec,
    events,
    simulate,
)
from simulator.model.agents import _Replication
from simulator.model.state import STATE
from simulator.scenario import Scenario, load_scenario
from simulator.scenario.constraints import candidate_orderings
from simulator.world import draw_block

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _records(
    scenario: Scenario,
    order: list[int],
    seed: int,
    block: int,
    shared: bool,
    ahead: bool = True,
) -> list[bytes]:
    """Every candidate's record in each replication of a world block, the plans run in
    `order`, with one `Checkpoints` per replication (told the next plan, if `ahead`)
    or none."""
    spec = compile_spec(scenario)
    plans = [spec.index(o) for o in candidate_orderings(scenario)]
    world = draw_block(scenario, seed, block)
    out = [b""] * (len(plans) * 8)
    for r in range(8):
        draws = Draws.of(world, r)
        checkpoints = Checkpoints(draws) if shared else None
        for i, k in enumerate(order):
            if checkpoints is not None and ahead:
                following = plans[order[i + 1]] if i + 1 < len(order) else ()
                checkpoints.then(common_prefix(plans[k], following))
            record = simulate(spec, plans[k], draws, checkpoints=checkpoints)
            out[r * len(plans) + k] = np.array(record).tobytes()
    return out


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("sequential.yaml", []),
        ("incident_prone.yaml", ["policy.mode=sequential", "policy.min_gap_days=0"]),
        ("synthetic/synthetic_5.yaml", []),
    ],
)
def test_resumed_runs_give_the_records_of_runs_from_day_zero(
    name: str, overrides: list[str]
) -> None:
    scenario = load_scenario(SCENARIOS / name, overrides)
    count = len(candidate_orderings(scenario))
    forward = list(range(count))
    shuffled = forward[:]
    random.Random(5).shuffle(shuffled)
    for block in (0, 7):
        alone = _records(scenario, forward, 11, block, shared=False)
        assert _records(scenario, forward, 11, block, shared=True) == alone
        assert _records(scenario, shuffled, 11, block, shared=True) == alone
        assert _records(scenario, shuffled, 11, block, shared=True, ahead=False) == alone


@given(
    rate=st.sampled_from([0.0, 0.01, 0.05, 0.2]),
    gap=st.sampled_from([0.0, 3.0, 12.5]),
    spacing=st.sampled_from([0.0, 10.0, 30.0]),
    seed=st.integers(0, 2**32 - 1),
    block=st.integers(0, 30),
)
@settings(max_examples=12, deadline=None)
def test_resumed_runs_match_under_incidents_gaps_and_spacing(
    rate: float, gap: float, spacing: float, seed: int, block: int
) -> None:
    """The flagship under the sequential policy: its deferral (a soft precondition), its
    calendar and its incidents leave some turns' states unclean, which must not be
    saved, and some clean, which must resume exactly."""
    overrides = [
        "policy.mode=sequential",
        f"policy.min_gap_days={gap}",
        f"host.min_spacing_days={spacing}",
        f"shocks.rate_per_day={rate}",
    ]
    scenario = load_scenario(SCENARIOS / "us_china_2023.yaml", overrides)
    order = list(range(len(candidate_orderings(scenario))))
    alone = _records(scenario, order, seed, block, shared=False)
    assert _records(scenario, order, seed, block, shared=True) == alone


def _events(scenario: Scenario, shared: bool, monkeypatch: pytest.MonkeyPatch) -> int:
    """SimPy events processed to simulate every candidate in 8 replications."""
    count = 0
    pop = events.heappop

    def counting(queue: list[Any]) -> Any:
        nonlocal count
        count += 1
        return pop(queue)

    with monkeypatch.context() as patch:
        patch.setattr(events, "heappop", counting)
        _records(scenario, list(range(len(candidate_orderings(scenario)))), 3, 0, shared)
    return count


def test_plans_with_the_same_first_visitors_share_those_turns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scenario = load_scenario(SCENARIOS / "synthetic" / "synthetic_5.yaml")
    # 120 plans of 5 visitors hold 325 distinct prefixes against 600 turns from day 0
    alone = _events(scenario, False, monkeypatch)
    assert _events(scenario, True, monkeypatch) < 0.7 * alone


def test_policies_that_overlap_turns_keep_no_checkpoints() -> None:
    scenario = load_scenario(SCENARIOS / "us_china_2023.yaml")  # pipelined
    spec = compile_spec(scenario)
    draws = Draws.of(draw_block(scenario, 1, 0), 0)
    checkpoints = Checkpoints(draws)
    for ordering in candidate_orderings(scenario):
        simulate(spec, spec.index(ordering), draws, checkpoints=checkpoints)
    assert not checkpoints.path


def test_checkpoints_belong_to_one_world() -> None:
    scenario = load_scenario(SCENARIOS / "sequential.yaml")
    spec = compile_spec(scenario)
    world = draw_block(scenario, 1, 0)
    checkpoints = Checkpoints(Draws.of(world, 0))
    with pytest.raises(ValueError, match="another world"):
        simulate(spec, (0, 1, 2, 3), Draws.of(world, 1), checkpoints=checkpoints)


def test_a_checkpoint_saves_every_state_field_as_independent_plain_data() -> None:
    """What a checkpoint copies (every field but the plan and the machinery) must be
    numbers, strings or flat containers of them, so that its copies share nothing a
    resumed run could change; a new field of another kind must join `MACHINERY`, and
    every field must be a slot of the state, where a checkpoint looks for them."""
    scenario = load_scenario(SCENARIOS / "sequential.yaml")
    spec = compile_spec(scenario)
    draws = Draws.of(draw_block(scenario, 1, 0), 0)
    replication = _Replication(spec, draws, (0, 1, 2, 3))
    replication.run()
    assert not vars(replication)  # every field is a slot
    plain = (int, float, str, bool)
    for name in STATE:
        value = getattr(replication, name)
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        assert isinstance(value, plain) or (
            type(value) in (list, set, dict) and all(isinstance(x, plain) for x in items)
        ), name


def test_a_replication_made_from_a_saved_state_holds_it_field_by_field() -> None:
    """A resumed replication takes its state in one assignment, field by field in
    `STATE` order: a field added to the state must be added there too."""
    scenario = load_scenario(SCENARIOS / "sequential.yaml")
    spec = compile_spec(scenario)
    draws = Draws.of(draw_block(scenario, 1, 0), 0)
    marks = tuple(f"field {i}" for i in range(len(STATE)))
    replication = _Replication(spec, draws, (0, 1, 2, 3), state=marks)
    assert {name: getattr(replication, name) for name in STATE} == dict(
        zip(STATE, marks, strict=True)
    )


def test_a_snapshot_and_its_copies_hold_every_field_and_share_no_container() -> None:
    """`snapshot` and `copied` list the fields one by one, as `restore` does: a field
    added to the state must be added there too, and what they give must share no
    container with the replication or the checkpoint, which a resumed run changes."""
    scenario = load_scenario(SCENARIOS / "sequential.yaml")
    spec = compile_spec(scenario)
    draws = Draws.of(draw_block(scenario, 1, 0), 0)
    replication = _Replication(spec, draws, (0, 1, 2, 3))
    replication.run()
    values = [getattr(replication, name) for name in STATE]
    snapshot = replication.snapshot()
    copy = _Replication.copied(snapshot)
    assert list(snapshot) == values
    assert list(copy) == values
    for name, value, saved, copied in zip(STATE, values, snapshot, copy, strict=True):
        if isinstance(value, (list, set, dict)):
            assert saved is not value, name
            assert copied is not saved, name


def test_an_event_at_a_day_is_processed_on_that_day_exactly() -> None:
    """A resumed run schedules the pending incident by its day: a delay from another
    day can round to a neighbouring number."""
    now, day = 0.28953085363586695, 157.91679319531627
    assert now + (day - now) != day
    env = events.Clock()
    env.now = now
    seen: list[float] = []
    env.at(day).callbacks.append(lambda _: seen.append(env.now))
    env.run_all()
    assert seen == [day]


def test_the_prefixes_a_task_tells_its_checkpoints_are_those_next_plans_share() -> None:
    scenario = load_scenario(SCENARIOS / "synthetic" / "synthetic_5.yaml")
    plans = candidate_orderings(scenario).plans()[::7]
    told = common_prefixes(plans)
    rows = [tuple(row) for row in plans.tolist()]
    assert told == [common_prefix(a, b) for a, b in pairwise(rows)] + [0]
    assert common_prefixes(plans[:0]) == []
    assert common_prefixes(np.vstack([plans[:1], plans[:1]])) == [plans.shape[1], 0]
