"""The what-if engine (`simulator.api.whatif`): re-ranking on the same worlds, the
tipping points along one assumption, and variants saved as scenario files."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator.api.whatif import WhatIf
from simulator.errors import SettingError
from simulator.executors import ProcessExecutor
from simulator.experiment import run_fixed
from simulator.scenario import load_scenario

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "us_china_2023.yaml"
WAIVER = "host.preference.waiver.probability"
MODE = "visitors.blinken.preparation.mode"


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
