"""calibrate: history matching recovers known assumptions, is deterministic on every
executor, and refuses unusable input with one message and exit status 2."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from simulator.api import calibrate
from simulator.cli import main
from simulator.evidence import GateOpened, Incident, Observations, VisitorEvent
from simulator.evidence.calibrate import PlanTask, decide, implausibility, run_calibration
from simulator.evidence.targets import calibration_targets
from simulator.executors import ProcessExecutor
from simulator.experiment import BlockTask
from simulator.scenario import Scenario, metric_names
from simulator.tuning import Assumption, Base
from tests.conftest import BASE

GATE = "gates.deal.opens.mean"
DELAY = "host.response_delay.mean"
PARAMS = (f"{GATE}=5:60", f"{DELAY}=1:20")
TRUTH = ((GATE, 33.0), (DELAY, 8.0))
UNTIL = 60.0


def _scenario_file(folder: Path) -> Path:
    """The tiny scenario with an uncertain gate (blocking `a`) and an uncertain answer
    delay: the gate's opening and every acceptance carry information about them."""
    raw = copy.deepcopy(BASE)
    raw["gates"] = [
        {
            "id": "deal",
            "kind": "until",
            "opens": {"dist": "normal", "mean": 30, "sd": 3, "low": 0},
            "tracks": ["economic"],
        }
    ]
    raw["host"] = {
        "acceptance": 1.0,
        "response_delay": {"dist": "normal", "mean": 5, "sd": 1, "low": 0},
    }
    path = folder / "truth.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def _observe(scenario: Scenario, seed: int, replication: int = 0) -> Observations:
    """What one replication of the plan a, b, c showed up to day UNTIL."""
    task = PlanTask((BlockTask(scenario, (("a", "b", "c"),), seed),))
    row = task((0, replication, replication + 1, (0,)))[0]
    names = metric_names(scenario)
    events: list[GateOpened | VisitorEvent] = []
    for v in ("a", "b", "c"):
        for kind, prefix in (
            ("requested", "request_day"),
            ("accepted", "accept_day"),
            ("visited", "day"),
        ):
            day = float(row[names.index(f"{prefix}.{v}")])
            if day <= UNTIL:  # NaN (never) is not
                events.append(VisitorEvent(day, v, kind))  # type: ignore[arg-type]
    if row[len(names)] <= UNTIL:
        events.append(GateOpened(float(row[len(names)]), "deal"))
    return Observations(tuple(sorted(events, key=lambda e: e.day)), until=UNTIL, source="truth")


@pytest.mark.slow
def test_history_matching_recovers_the_true_setting(tmp_path: Path) -> None:
    base = Base.load(_scenario_file(tmp_path))
    params = [Assumption(GATE, 5, 60), Assumption(DELAY, 1, 20)]
    truth = base.at(TRUTH, "params")
    trials, inside, widths = 10, 0, []
    for trial in range(trials):
        observed = _observe(truth, seed=1000 + trial)
        c = run_calibration(
            base,
            params,
            observed,
            samples=32,
            waves=2,
            discrepancy=1.0,
            ranking=1,
            replications=50,
            seed=7,
        )
        box = c.calibrated_box
        inside += all(lo <= v <= hi for (lo, hi), (_, v) in zip(box, TRUTH, strict=True))
        widths.append(
            [(hi - lo) / (a.high - a.low) for (lo, hi), a in zip(box, params, strict=True)]
        )
    assert inside >= 0.8 * trials
    # the region is clearly narrower than the declared ranges, in each assumption
    assert np.all(np.mean(widths, axis=0) < 0.5), widths


def _run(tmp_path: Path, name: str, executor: object = None) -> Path:
    scenario = _scenario_file(tmp_path)
    observed = _observe(Base.load(scenario).at(TRUTH, "params"), seed=3)
    done = calibrate(
        scenario,
        observed,
        params=PARAMS,
        samples=8,
        waves=2,
        ranking=2,
        replications=20,
        seed=5,
        out=tmp_path / name,
        executor=executor,  # type: ignore[arg-type]
    )
    return done.directory


def test_the_same_seed_gives_identical_files_on_every_executor(tmp_path: Path) -> None:
    serial = _run(tmp_path, "serial")
    process = _run(tmp_path, "process", ProcessExecutor(workers=2))
    for name in ("calibration.json", "calibrated.csv", "calendar.csv", "calibrated_ranking.csv"):
        assert (serial / name).read_bytes() == (process / name).read_bytes(), name
    for name in ("figures/calibrated.png", "report.html", "calibration_points.csv"):
        assert (serial / name).is_file()
    document = yaml.safe_load((serial / "calibration.json").read_text(encoding="utf-8"))
    assert document["method"]["name"] == "history matching"
    assert [w["settings"] for w in document["waves"]] == [8] * len(document["waves"])
    assert len(document["sample"]) == document["waves"][-1]["non_implausible"] > 0


def _invoke(*argv: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, list(argv))
    return result.exit_code, result.output


def test_an_unknown_assumption_is_refused(tmp_path: Path) -> None:
    scenario = _scenario_file(tmp_path)
    status, output = _invoke(
        "calibrate",
        str(scenario),
        "--observed",
        str(tmp_path / "seen.yaml"),
        "--param",
        "host.nonsense=0:1",
        "--executor",
        "serial",
    )
    assert status == 2, output
    assert output.startswith("error: --param host.nonsense=0:1")
    assert "Traceback" not in output


def test_observations_without_events_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only an incident was observed: nothing to calibrate the days on."""
    _write(Observations((Incident(4.0, 0.5),), until=30.0), tmp_path / "seen.yaml")
    monkeypatch.chdir(tmp_path)
    scenario = _scenario_file(tmp_path)
    status, output = _invoke(
        "calibrate",
        str(scenario),
        "--observed",
        "seen.yaml",
        "--param",
        f"{GATE}=5:60",
        "--executor",
        "serial",
        "-q",
    )
    assert status == 2, output
    assert output.splitlines() == [
        "error: seen.yaml: no event to calibrate on: the observations (up to day 30) hold "
        "no request, acceptance, visit or gate opening"
    ]


def _write(observations: Observations, path: Path) -> None:
    """`observations` as an observations file (days, not dates)."""
    events: list[dict[str, object]] = []
    for e in observations.events:
        if isinstance(e, VisitorEvent):
            events.append({"day": e.day, "event": e.kind, "visitor": e.visitor})
        elif isinstance(e, GateOpened):
            events.append({"day": e.day, "event": "gate_opened", "gate": e.gate})
        elif isinstance(e, Incident):
            events.append({"day": e.day, "event": "incident", "severity": e.severity})
    path.write_text(yaml.safe_dump({"until": observations.until, "events": events}))


@pytest.fixture
def loader(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The scenario it calibrates; `seen.yaml`, in the working folder, holds what the
    true setting showed."""
    scenario = _scenario_file(tmp_path)
    _write(_observe(Base.load(scenario).at(TRUTH, "params"), seed=3), tmp_path / "seen.yaml")
    monkeypatch.chdir(tmp_path)
    return scenario


SMALL = ("--samples", "8", "--waves", "2", "--ranking", "2", "-n", "20", "--seed", "5")


def test_the_command_prints_at_80_columns_and_as_json(loader: Path, tmp_path: Path) -> None:
    argv = ["calibrate", str(loader), "--observed", "seen.yaml", *SMALL, "--executor", "serial"]
    argv += [f"--param={p}" for p in PARAMS] + ["-q", "--out", str(tmp_path / "out")]
    status, output = _invoke(*argv)
    assert status == 0, output
    lines = [line for line in output.splitlines() if not line.startswith("Results: ")]
    assert all(len(line) <= 80 and line == line.rstrip() for line in lines), output
    assert f"{GATE}: 5 to 60 → " in output
    assert "lowest mean regret" in output
    status, output = _invoke(*argv, "--format", "json")
    assert status == 0, output
    document = json.loads(output)
    assert document["kind"] == "calibrate"
    assert Path(document["results"], "calibration.json").is_file()


def test_without_params_or_a_declaration_it_asks_for_params(loader: Path) -> None:
    status, output = _invoke("calibrate", str(loader), "--observed", "seen.yaml", *SMALL)
    assert status == 2, output
    assert output.startswith("error: ")
    assert "--param PATH=LOW:HIGH" in output


def test_implausibility_is_the_standardised_distance() -> None:
    days = np.array([[1.0, 5.0, 7.0], [3.0, 5.0, 7.0]])  # means 2, 5, 7; variances 2, 0, 0
    scores = implausibility(np.array([4.0, 5.0, 6.0]), days, discrepancy=1.0)
    # |4 - 2| / sqrt(2 (1 + 1/2) + 1) = 1; an exact match is 0; |6 - 7| / sqrt(0 + 1) = 1
    assert scores == pytest.approx([1.0, 0.0, 1.0])
    assert implausibility(np.array([6.0]), days[:, 2:], discrepancy=0.0)[0] == np.inf
    assert list(decide(np.array([[4.0, 1.0, 2.0]]), "max")) == [4.0]
    assert list(decide(np.array([[4.0, 1.0, 2.0]]), "second")) == [2.0]


def test_unobserved_events_are_censored_and_silent_stages_left_out(tmp_path: Path) -> None:
    scenario = Base.load(_scenario_file(tmp_path)).scenario
    seen = Observations((VisitorEvent(12.0, "a", "visited"),), until=30.0)
    targets = {t.name: (t.observed, t.happened) for t in calibration_targets(seen, scenario)}
    assert targets["visited.a"] == (12.0, True)
    assert "requested.a" not in targets  # a visited: its request's day is unknown, not late
    assert targets["requested.b"] == (30.0, False)  # not requested by day 30
    assert targets["gate_opened.deal"] == (30.0, False)
