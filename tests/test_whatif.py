"""The what-if engine (`simulator.api.whatif`): re-ranking on the same worlds, the
tipping points along one assumption (all of them, or the nearest ones, searched in the
background after every move by `simulator.app.tipping`), and variants saved as scenario
files."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pytest
import yaml

from simulator.api.whatif import (
    FLIP_REPLICATIONS,
    BestAt,
    Control,
    NearestFlips,
    WhatIf,
    best_ordering,
    nearest_flips,
)
from simulator.app.tipping import NICE, Computing, Failed, NicedWorker, Tipping
from simulator.errors import InputError, SettingError
from simulator.executors import ProcessExecutor
from simulator.experiment import rank_orderings, run_fixed
from simulator.output.calendar import calendar_from_summary
from simulator.output.calendar_figure import calendar_figure
from simulator.output.tables import summary_document
from simulator.scenario import Scenario, load_scenario
from simulator.types import Ordering

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
WAIVER = "host.preference.waiver.probability"
MODE = "visitors.blinken.preparation.mode"
ACCEPTANCE = "host.acceptance"
PENALTY = "host.preference.penalty"


@pytest.fixture(scope="module")
def session() -> WhatIf:
    return WhatIf(FLAGSHIP, replications=20, seed=3)


def test_the_controls_are_the_declared_assumptions(session: WhatIf) -> None:
    controls = {c.path: c for c in session.controls}
    assert set(controls) == {a["path"] for a in _declared()}
    assert controls[WAIVER].value == 1.0  # the file's value
    assert (controls[WAIVER].low, controls[WAIVER].high) == (0.2, 1.0)
    assert controls[WAIVER].reason


def _declared() -> list[dict[str, object]]:
    return yaml.safe_load(FLAGSHIP.read_text())["uncertain"]


def test_a_view_is_the_run_of_that_setting_on_the_same_worlds(session: WhatIf) -> None:
    view = session.rank({WAIVER: 0.4})
    scenario = session.scenario({WAIVER: 0.4})
    assert scenario.host.preference.waiver is not None
    assert scenario.host.preference.waiver.probability == 0.4
    plain = run_fixed(scenario, replications=20, seed=3)
    assert np.array_equal(view.result.records, plain.records, equal_nan=True)
    assert view.best == view.ranking.best
    assert view.calendar.ordering == view.best
    ranking = rank_orderings(plain.orderings, plain.records[:, :, 0], seed=3)
    full = summary_document(plain, ranking, {"design": "fixed", "replications": 20})
    assert view.calendar == calendar_from_summary(scenario, full)  # the run's calendar
    again = session.rank({WAIVER: 0.4})
    assert again.seconds == 0.0  # cached
    assert again.best == view.best


def test_bad_values_get_the_messages_of_set(session: WhatIf) -> None:
    with pytest.raises(SettingError) as bad:
        session.rank({"host.acceptance": 1.5})
    assert "host.acceptance: out of range (got 1.5); allowed: <= 1" in str(bad.value)
    with pytest.raises(SettingError) as unknown:
        session.rank({"host.nonsense": 1.0})
    assert "is not one of this session's assumptions" in str(unknown.value)


def test_a_saved_variant_extends_the_base_and_loads_to_what_was_ranked(
    session: WhatIf, tmp_path: Path
) -> None:
    values = {WAIVER: 0.3, MODE: 20.0}
    path = session.save_variant(values, tmp_path / "variants")
    text = path.read_text()
    assert text.startswith("# What-if variant of us_china_2023, saved ")
    assert "extends: " in text
    assert "probability: 0.3" in text
    saved = load_scenario(path)
    assert saved.model_copy(update={"name": "us_china_2023"}) == session.scenario(values)
    assert "_whatif" in saved.name


def test_the_tipping_points_along_one_assumption(session: WhatIf) -> None:
    sweep = session.flips(WAIVER, {MODE: 14.0}, points=3)
    values = [point.values[0] for point in sweep.points]
    assert values[0] == pytest.approx(0.2)
    assert values[-1] == pytest.approx(1.0)
    for point in sweep.points:  # each grid point ranks as the session would
        best = sweep.orderings[point.best]
        assert best == session.rank({WAIVER: point.values[0], MODE: 14.0}).best


def test_workers_started_beside_other_threads_give_the_same_records() -> None:
    """The page's server runs threads: workers then start from a fork server (or are
    spawned), and the records are those of a serial run."""
    scenario = load_scenario(FLAGSHIP)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        pooled = run_fixed(scenario, replications=20, seed=4, executor=ProcessExecutor(2))
    finally:
        stop.set()
        other.join()
    serial = run_fixed(scenario, replications=20, seed=4)
    assert np.array_equal(pooled.records, serial.records, equal_nan=True)


def _step_at(edge: float) -> tuple[list[float], BestAt]:
    """A best-ordering function along one value, A below `edge` and B from it on, and
    the values it was asked about."""
    asked: list[float] = []

    def best_at(setting: tuple[tuple[str, float], ...]) -> Ordering:
        x = dict(setting)["x"]
        asked.append(x)
        return ("a", "b") if x < edge else ("b", "a")

    return asked, best_at


def test_the_nearest_flips_are_bracketed_to_an_eighth_of_the_grid_step() -> None:
    control = Control("x", 0.0, 1.0, 0.1, integer=False, reason=None)
    asked, best_at = _step_at(0.37)
    found = nearest_flips(control, (("x", 0.1),), best_at)
    assert found.best == ("a", "b")
    assert found.below is None
    assert found.above is not None
    assert found.above.to == ("b", "a")
    assert found.above.inner < 0.37 <= found.above.outer
    assert found.above.outer - found.above.inner <= 0.25 / 8  # 5 points, 3 halvings
    assert abs(found.above.at - 0.37) <= 0.25 / 16
    assert found.tried == len(asked) == len(set(asked)) <= 1 + 5 + 3  # each value once


def test_the_nearest_flips_on_both_sides_and_none() -> None:
    control = Control("n", 1.0, 9.0, 5.0, integer=True, reason=None)

    def best_at(setting: tuple[tuple[str, float], ...]) -> Ordering:
        x = dict(setting)["n"]
        assert x == round(x)  # a whole-number field is only asked whole numbers
        return ("low",) if x <= 2 else ("high",) if x >= 7 else ("middle",)

    found = nearest_flips(control, (("n", 5.0),), best_at)
    assert found.below is not None
    assert found.above is not None
    assert (found.below.at, found.below.to) == (2.0, ("low",))  # the first value past it
    assert (found.above.at, found.above.to) == (7.0, ("high",))
    flat = nearest_flips(control, (("n", 5.0),), lambda setting: ("same",))
    assert (flat.below, flat.above, flat.best) == (None, None, ("same",))


def test_the_search_ranks_as_the_page_does(session: WhatIf) -> None:
    setting = session.setting({WAIVER: 0.4})
    assert session.best_at(setting, replications=20, seed=3) == session.rank({WAIVER: 0.4}).best


class _Worker:
    """Stands in for the worker process: the best ordering by host.acceptance (B from
    0.7 on), each call recorded and held until `gate` is set."""

    def __init__(self, gate: threading.Event | None = None, fail: bool = False) -> None:
        self.calls: list[tuple[float, float]] = []
        self.gate = gate or threading.Event()
        if gate is None:
            self.gate.set()
        self.fail = fail

    def best(self, scenario: Scenario, replications: int, seed: int) -> Ordering:
        self.calls.append((scenario.host.acceptance, scenario.host.preference.penalty))
        self.gate.wait(30)
        if self.fail:
            raise InputError("no worlds today")
        return ("a", "b") if scenario.host.acceptance < 0.7 else ("b", "a")

    def close(self) -> None:
        self.gate.set()


@pytest.fixture(scope="module")
def two() -> WhatIf:
    """A session with two controls (acceptance first)."""
    params = [f"{ACCEPTANCE}=0.45:0.85", f"{PENALTY}=0:2"]
    return WhatIf(FLAGSHIP, params=params, replications=20, seed=3)


def _until(condition: Callable[[], object], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_every_control_gets_its_flips_one_at_a_time_and_each_value_is_simulated_once(
    two: WhatIf,
) -> None:
    gate = threading.Event()
    worker = _Worker(gate)
    tipping = Tipping(two, worker)
    try:
        target = tipping.target({ACCEPTANCE: 0.5}, None, 10 * FLIP_REPLICATIONS, 3)
        assert target.replications == FLIP_REPLICATIONS  # searches stay affordable
        tipping.follow(target)
        _until(lambda: worker.calls)
        assert tipping.state(ACCEPTANCE, target) == Computing(started=True, tried=1)
        assert tipping.state(PENALTY, target) == Computing(started=False, tried=0)  # queued
        gate.set()
        found = {c.path: tipping.wait(c.path, target, 10) for c in two.controls}
        acceptance, penalty = found[ACCEPTANCE], found[PENALTY]
        assert isinstance(acceptance, NearestFlips)
        assert isinstance(penalty, NearestFlips)
        assert acceptance.above is not None
        assert acceptance.above.to == ("b", "a")
        assert abs(acceptance.above.at - 0.7) <= 0.1 / 16
        assert (penalty.below, penalty.above) == (None, None)
        assert len(worker.calls) == len(set(worker.calls))  # the current setting once
        calls = len(worker.calls)
        tipping.follow(tipping.target({ACCEPTANCE: 0.6}, None, 20, 3))
        tipping.follow(target)  # back: known, nothing simulated
        assert tipping.state(ACCEPTANCE, target) == acceptance
        assert len(worker.calls) == calls
    finally:
        tipping.close()


def test_a_setting_left_is_not_searched_further(two: WhatIf) -> None:
    gate = threading.Event()
    worker = _Worker(gate)
    tipping = Tipping(two, worker)
    try:
        left = tipping.target({ACCEPTANCE: 0.5}, None, 20, 3)
        shown = tipping.target({ACCEPTANCE: 0.8}, None, 20, 3)
        tipping.follow(left)
        _until(lambda: worker.calls)
        tipping.follow(shown)  # a move while the first value simulates
        gate.set()
        for control in two.controls:
            assert isinstance(tipping.wait(control.path, shown, 10), NearestFlips)
        assert [call for call in worker.calls if call[0] == 0.5] == [(0.5, 0.0)]
        for control in two.controls:
            assert tipping.state(control.path, left) == Computing(started=False, tried=0)
    finally:
        tipping.close()


def test_a_failed_search_says_why_and_the_next_one_runs(two: WhatIf) -> None:
    tipping = Tipping(two, _Worker(fail=True))
    try:
        target = tipping.target({}, None, 20, 3)
        tipping.follow(target)
        for control in two.controls:
            state = tipping.wait(control.path, target, 10)
            assert isinstance(state, Failed)
            assert "no worlds today" in state.message
    finally:
        tipping.close()
    assert not tipping._thread.is_alive()


def test_the_worker_process_yields_the_cores_and_simulates_as_here() -> None:
    scenario = load_scenario(FLAGSHIP)
    worker = NicedWorker()
    try:
        assert worker.best(scenario, 10, 3) == best_ordering(scenario, 10, 3)
        assert worker._pool is not None
        (pid,) = list(worker._pool._processes)
        assert os.getpriority(os.PRIO_PROCESS, pid) >= NICE
    finally:
        worker.close()


def test_the_calendar_figure_has_a_lane_per_visitor_in_plan_order(session: WhatIf) -> None:
    calendar = session.rank().calendar
    axes = calendar_figure(calendar).axes[0]
    names = [label.get_text() for label in axes.get_yticklabels()]
    assert names == [row.name.split()[-1] for row in calendar.rows]
    origin = mdates.date2num(dt.datetime.combine(calendar.start, dt.time()))
    extents = [path.get_extents() for bars in axes.collections for path in bars.get_paths()]
    bands = {(round(e.x0 - origin, 6), round(e.x1 - origin, 6)) for e in extents}
    visit = calendar.rows[0].visit
    quantiles = (visit.q05, visit.q25, visit.q75, visit.q95)
    assert all(q is not None for q in quantiles)
    q05, q25, q75, q95 = (round(float(q or 0), 6) for q in quantiles)
    assert (q05, q95) in bands  # 5–95%, light
    assert (q25, q75) in bands  # 25–75%, dark
