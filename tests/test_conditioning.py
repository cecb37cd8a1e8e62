"""Conditioning on observations (`observed:` / `run --observed --as-of`): the observed
past is forced, what was under way is drawn given the time already spent, by inverse
CDF on truncated ranges, and everything else is as in an ordinary run.

The observations here are made up for the tests: they are not the real 2023 events.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simulator.api import sweep
from simulator.api.replan import base_as_of
from simulator.evidence.condition import gate_opening_after, truncated_ppf
from simulator.executors import ProcessExecutor
from simulator.experiment import AdaptiveSettings, run_adaptive, run_fixed
from simulator.model import Draws, compile_spec, simulate
from simulator.scenario import Scenario, candidate_orderings, load_scenario, metric_names
from simulator.scenario.schema import Crisis, Triangular, UntilGate
from simulator.scenario.schema.observed import Observed, ObservedEvent
from simulator.tuning import Base
from simulator.tuning.evaluate import run_orderings
from simulator.world import BLOCK_SIZE, draw_block

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
BLINKEN, YELLEN, RAIMONDO, KERRY = range(4)


@pytest.fixture(scope="module")
def flagship() -> Scenario:
    return load_scenario(FLAGSHIP)


def observed(scenario: Scenario, as_of: float, *events: ObservedEvent) -> Scenario:
    """`scenario` as known on day `as_of`, after `events`."""
    block = Observed(as_of=as_of, events=events)
    return Scenario.model_validate({**scenario.model_dump(by_alias=True), "observed": block})


def day(metric: str, scenario: Scenario, records: np.ndarray) -> np.ndarray:
    return records[..., metric_names(scenario).index(metric)]


MADE_UP = (
    ObservedEvent(day=10, event="requested", visitor="kerry"),
    ObservedEvent(day=14, event="accepted", visitor="kerry"),
    ObservedEvent(day=16, event="gate_opened", gate="debt_ceiling"),
    ObservedEvent(day=20, event="requested", visitor="blinken"),
    ObservedEvent(day=24, event="visited", visitor="kerry", achieved=("climate_cooperation",)),
    ObservedEvent(day=25, event="accepted", visitor="blinken"),
    ObservedEvent(day=22, event="requested", visitor="yellen"),
    ObservedEvent(day=27, event="incident", severity=0.3),
)


def test_nothing_observed_yet_gives_the_ordinary_run(flagship: Scenario) -> None:
    plain = run_fixed(flagship, replications=200, seed=3)
    known = run_fixed(observed(flagship, 0.0), replications=200, seed=3)
    assert known.orderings == plain.orderings
    assert np.array_equal(known.records, plain.records, equal_nan=True)


def test_the_observed_past_is_a_fixed_prefix_of_every_replication(flagship: Scenario) -> None:
    scenario = observed(flagship, 30.0, *MADE_UP)
    orderings = candidate_orderings(scenario)
    assert len(orderings) == 6
    assert all(o[0] == "kerry" for o in orderings)
    result = run_fixed(scenario, replications=200, seed=1)
    records = result.records
    assert np.all(day("day.kerry", scenario, records) == 24)
    assert np.all(day("request_day.kerry", scenario, records) == 10)
    assert np.all(day("accept_day.kerry", scenario, records) == 14)
    assert np.all(day("item.kerry.climate_cooperation", scenario, records) == 1)
    assert np.all(day("request_day.blinken", scenario, records) == 20)
    assert np.all(day("accept_day.blinken", scenario, records) == 25)
    assert np.all(day("request_day.yellen", scenario, records) == 22)
    # what was under way ends after the as-of day; nobody else asked before it
    blinken = day("day.blinken", scenario, records)
    assert np.all(blinken[~np.isnan(blinken)] > 30)
    yellen = day("accept_day.yellen", scenario, records)
    assert np.all(yellen[~np.isnan(yellen)] > 30)
    assert np.all(day("request_day.raimondo", scenario, records) >= 30)


def test_a_gate_observed_open_lets_blocked_visitors_ask_from_then(flagship: Scenario) -> None:
    scenario = observed(
        flagship, 12.0, ObservedEvent(day=12, event="gate_opened", gate="debt_ceiling")
    )
    world = draw_block(scenario, 4, 0)
    assert np.all(world.gate_open[:, 1] == 12)
    records = run_fixed(scenario, replications=100, seed=4).records
    for visitor in ("blinken", "yellen", "raimondo"):  # blocked by the debt ceiling
        asked = day(f"request_day.{visitor}", scenario, records)
        assert np.nanmin(asked) >= 12
        assert np.nanmin(asked) < 13  # and they ask at once: the gate is open


def test_a_gate_still_closed_opens_after_the_as_of_day(flagship: Scenario) -> None:
    scenario = observed(flagship, 20.0)
    world = draw_block(scenario, 4, 0)
    assert np.all(world.gate_open[:, 1] > 20)
    records = run_fixed(scenario, replications=100, seed=4).records
    assert np.nanmin(day("request_day.yellen", scenario, records)) > 20


def test_truncated_draws_follow_the_conditional_distribution() -> None:
    dist = Triangular(dist="triangular", low=7, mode=14, high=30)
    u = (np.arange(20_000) + 0.5) / 20_000
    drawn = truncated_ppf(dist, u, 12.0)
    everything = dist.ppf(u)
    kept = everything[everything > 12.0]
    assert drawn.min() > 12.0
    assert stats.ks_2samp(drawn, kept).pvalue > 0.01
    assert np.all(np.diff(drawn) >= 0)  # monotone in u: common random numbers hold


@pytest.mark.parametrize("after", [10.0, 20.0, 40.0])
def test_a_closed_gate_with_a_crisis_matches_rejection_sampling(after: float) -> None:
    """Before and after the deadline (15), the conditional opening day equals what
    rejection sampling of the unconditioned gate gives."""
    extension = Triangular(dist="triangular", low=10, mode=21, high=45)
    gate = UntilGate(
        id="deal",
        kind="until",
        opens=Triangular(dist="triangular", low=7, mode=16, high=35),
        deadline=15,
        crisis=Crisis(probability=0.3, extension=extension),
    )
    rng = np.random.default_rng(0)
    n = 40_000
    u = rng.random((3, n))
    drawn = gate_opening_after(gate, after, u[0], u[1], u[2])
    v = rng.random((3, 4 * n))
    opens = gate.opens.ppf(v[0])
    plain = np.where(v[1] < 0.3, np.maximum(opens, 15) + extension.ppf(v[2]), opens)
    kept = plain[plain > after]
    assert drawn.min() > after
    assert stats.ks_2samp(drawn, kept).pvalue > 0.001
    assert abs(drawn.mean() - kept.mean()) < 0.2


def test_an_assumption_moves_conditioned_draws_smoothly(flagship: Scenario) -> None:
    """Common random numbers survive truncation: a small change of Blinken's
    preparation moves each replication's conditioned preparation a little."""
    raw = flagship.model_dump(by_alias=True)

    def preparation(mode: float) -> np.ndarray:
        raw["visitors"][BLINKEN]["preparation"]["mode"] = mode
        scenario = observed(Scenario.model_validate(raw), 30.0, *MADE_UP)
        return draw_block(scenario, 9, 0).preparation[:, BLINKEN]

    base, moved = preparation(14.0), preparation(14.1)
    assert np.all(base > 5)
    assert np.all(moved > 5)
    assert np.max(np.abs(moved - base)) < 0.2


def test_conditioned_runs_are_identical_on_every_executor_and_design(flagship: Scenario) -> None:
    scenario = observed(flagship, 30.0, *MADE_UP)
    serial = run_fixed(scenario, replications=BLOCK_SIZE * 2, seed=2)
    pooled = run_fixed(scenario, replications=BLOCK_SIZE * 2, seed=2, executor=ProcessExecutor(2))
    assert np.array_equal(serial.records, pooled.records, equal_nan=True)
    adaptive = run_adaptive(
        scenario, AdaptiveSettings(delta=0.5, n0=10, batch=20, max_replications=200), seed=2
    )
    assert set(adaptive.result.orderings) == set(candidate_orderings(scenario))


def test_a_trace_shows_the_observed_past(flagship: Scenario) -> None:
    scenario = observed(flagship, 30.0, *MADE_UP)
    spec = compile_spec(scenario)
    trace: list = []
    plan = spec.index(("kerry", "blinken", "yellen", "raimondo"))
    simulate(spec, plan, Draws.of(draw_block(scenario, 1, 0), 0), trace)
    observed_lines = [e for e in trace if "(observed)" in e.text]
    assert [e.visitor for e in observed_lines][:2] == ["kerry", "blinken"]
    visits = [e for e in trace if e.kind == "visit"]
    assert visits[0].visitor == "kerry"
    assert visits[0].day == 24


def test_a_sweep_as_of_a_date_is_as_smooth_as_an_ordinary_one(tmp_path: Path) -> None:
    """Along an assumption, the conditioned mean utility moves smoothly on common worlds:
    its roughness (squared second differences) is a tiny fraction of what fresh worlds
    at every point give, as for an ordinary sweep."""
    example = FLAGSHIP.parent / "observations" / "example.yaml"
    grid = np.linspace(8, 28, 7)
    plan = ("kerry", "yellen", "blinken", "raimondo")

    def roughness(base: Base, seeds: list[int]) -> float:
        means = []
        for x, seed in zip(grid, seeds, strict=True):
            at = base.at((("visitors.blinken.preparation.mode", float(x)),), "varies")
            means.append(
                run_orderings(at, (plan,), replications=100, seed=seed).records[0, :, 0].mean()
            )
        return float(np.sum(np.diff(means, 2) ** 2))

    known = base_as_of(Base.load(FLAGSHIP), example, "2023-06-20")
    common = roughness(known, [7] * len(grid))
    fresh = roughness(known, list(range(100, 100 + len(grid))))
    assert common < 0.01 * fresh
    done = sweep(
        known,
        varies=("visitors.blinken.preparation.mode=8:28:3",),
        replications=20,
        out=tmp_path,
    )
    assert all(row["best"][0] == "kerry" for row in done.document["points"])
    manifest = (done.directory / "manifest.json").read_text()
    assert "conditioned_on" in manifest
