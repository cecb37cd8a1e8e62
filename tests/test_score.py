"""Scoring a forecast against what happened: known answers of the scores, calibration of
the model against histories it simulated itself, and `visitsim score` end to end."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from scipy import stats

from simulator.api import score_forecast
from simulator.cli import main
from simulator.errors import SettingError
from simulator.evidence import GateOpened, Observations, VisitorEvent
from simulator.evidence.events import sample_days, scored_events
from simulator.evidence.forecast import default_ordering, gate_openings, simulate_forecast
from simulator.evidence.score import (
    brier,
    coverage,
    crps,
    log_score,
    p_by,
    pit_range,
    score_event,
)
from simulator.evidence.targets import Target
from simulator.executors import make_executor
from simulator.scenario import Scenario, scenario_to_yaml
from simulator.tuning.evaluate import run_orderings
from tests.conftest import make_scenario

GATE = {
    "id": "deal",
    "kind": "until",
    "opens": {"dist": "uniform", "low": 5, "high": 30},
    "tracks": ["security"],
}


def gated() -> Scenario:
    """The tiny scenario, with a gate that holds the security track until a deal."""
    return make_scenario(gates=[GATE])


# --- known answers ---------------------------------------------------------------------


def test_censored_crps_matches_the_hand_computed_integral() -> None:
    # Samples 1, 2, 5 and one that never came, censored at 4: Z = 1, 2, 4, 4. For an event
    # not seen by day 4 (y censored: 4) the CRPS is the integral of (F(x) - 1{x >= 4})^2:
    # 0.25^2 on [1, 2) plus 0.5^2 on [2, 4) = 0.5625.
    samples = np.array([1.0, 2.0, 5.0, np.nan])
    assert crps(samples, 4.0, 4.0) == pytest.approx(0.5625)
    # An observation after the end of the record tells only that it was later: the same.
    assert crps(samples, 7.0, 4.0) == pytest.approx(0.5625)
    # Seen on day 1: E|Z - 1| - E|Z - Z'| / 2 = 1.75 - 0.6875.
    assert crps(samples, 1.0, 4.0) == pytest.approx(1.0625)


def test_censored_crps_of_a_uniform_forecast() -> None:
    # X ~ U(0, 10) censored at 5, not seen by day 5: the integral of (x/10)^2 over [0, 5].
    quantiles = (np.arange(20_000) + 0.5) / 2_000
    assert crps(quantiles, 5.0, 5.0) == pytest.approx(125 / 300, rel=1e-6)


def test_brier_and_log_scores_of_simple_forecasts() -> None:
    assert brier(0.8, True) == pytest.approx(0.04)
    assert brier(0.8, False) == pytest.approx(0.64)
    assert brier(0.5, True) == pytest.approx(0.25)
    assert log_score(0.8, True, 1000) == pytest.approx(-math.log(0.8))
    assert log_score(0.8, False, 1000) == pytest.approx(-math.log(0.2))
    # No sample shows what happened: clipped to half a sample, so finite.
    assert log_score(0.0, True, 100) == pytest.approx(math.log(200))
    assert log_score(1.0, False, 100) == pytest.approx(math.log(200))
    # A day that never came in a sample (NaN) is not "by day c".
    assert p_by(np.array([1.0, 3.0, np.nan, 9.0]), 4.0) == 0.5


def test_pit_spreads_ties_and_coverage_counts_an_atom_in_part() -> None:
    # Censored at 4 (not seen by then): it ties with the two censored samples, so its rank
    # among 4 samples is 2, 3 or 4 of 0..4: PIT uniform on [2/5, 5/5].
    low, high = pit_range(np.array([1.0, 2.0, 5.0, np.nan]), 4.0, 4.0)
    assert (low, high) == (pytest.approx(0.4), pytest.approx(1.0))
    # The central 90% interval is [0.05, 0.95]: it holds 0.55 of the 0.6 wide range.
    assert coverage(low, high, 0.9) == pytest.approx(0.55 / 0.6)
    assert coverage(0.1, 0.2, 0.5) == 0.0
    assert coverage(0.4, 0.6, 0.5) == 1.0


def test_events_are_censored_known_or_skipped() -> None:
    scenario = gated()
    seen = Observations(
        (
            VisitorEvent(0.0, "a", "requested"),
            GateOpened(12.0, "deal"),
            VisitorEvent(15.0, "b", "visited"),  # its request and acceptance not given
            VisitorEvent(20.0, "a", "accepted"),
        ),
        until=30.0,
    )
    chosen, skipped = scored_events(scenario, seen, as_of=10.0)
    keys = {t.name: t.observed if t.happened else None for t in chosen}
    assert "requested.a" not in keys  # seen by day 10: known, not forecast
    assert keys["accepted.a"] == 20.0
    assert keys["visited.a"] is None  # not by day 30: censored
    assert keys["gate_opened.deal"] == 12.0
    assert keys["visited.b"] == 15.0
    assert {s.name for s in skipped} == {"requested.a", "requested.b", "accepted.b"}


def test_default_ordering_follows_the_observed_visits() -> None:
    scenario = gated()
    seen = Observations(
        (VisitorEvent(9.0, "c", "visited"), VisitorEvent(20.0, "b", "visited")), until=30.0
    )
    assert default_ordering(scenario, seen)[0] == ("c", "b", "a")
    none = Observations((), until=30.0)
    assert default_ordering(scenario, none)[0] == ("a", "b", "c")
    # The constraints put a first: the allowed ordering closest to c, b, a.
    first = make_scenario(gates=[GATE], constraints=[{"first": "a"}])
    assert default_ordering(first, seen)[0] == ("a", "b", "c")


# --- self-consistency: the model scored against its own histories ------------------------

HISTORIES = 300
UNTIL = 30.0


def histories(scenario: Scenario, ordering: tuple[str, ...], seed: int) -> list[Observations]:
    """Replications of the model as "what happened": every event up to day UNTIL."""
    result = run_orderings(scenario, (ordering,), replications=HISTORIES, seed=seed)
    stages = ("requested", "accepted", "visited")
    everything = (
        *(Target(kind, v.id, 0.0, False) for v in scenario.visitors for kind in stages),
        Target("gate_opened", "deal", 0.0, False),
    )
    days = sample_days(
        everything, scenario, result.records[0], gate_openings(scenario, seed, HISTORIES)
    )
    out = []
    for h in range(HISTORIES):
        events = []
        for i, t in enumerate(everything):
            d = float(days[i, h])
            if not math.isnan(d) and d <= UNTIL:
                event = (
                    GateOpened(d, t.subject)
                    if t.kind == "gate_opened"
                    else VisitorEvent(d, t.subject, t.kind)
                )
                events.append(event)
        out.append(Observations(tuple(sorted(events, key=lambda e: e.day)), until=UNTIL))
    return out


def scored_histories(
    forecasting: Scenario, truth: Scenario
) -> tuple[dict[str, list[float]], dict[str, list[tuple[float, ...]]], int]:
    """Each event's PIT values and interval coverages, over HISTORIES histories of
    `truth`, of the forecast `forecasting` makes (both with ordering a, b, c); and how
    many events the record's end cut off."""
    ordering = ("a", "b", "c")
    everything, _ = scored_events(forecasting, Observations((), until=UNTIL))
    keys = [t.name for t in everything]
    forecast = simulate_forecast(forecasting, everything, ordering, "", replications=400, seed=1)
    pits: dict[str, list[float]] = {key: [] for key in keys}
    covered: dict[str, list[tuple[float, ...]]] = {key: [] for key in keys}
    censored = 0
    for h, record in enumerate(histories(truth, ordering, seed=2)):
        chosen, skipped = scored_events(truth, record)
        assert not skipped
        for event in chosen:
            # Each history draws its own tie-breaking uniforms (its own PIT seed).
            s = score_event(event, forecast.samples[keys.index(event.name)], UNTIL, seed=h)
            pits[event.name].append(s.pit)
            covered[event.name].append(s.coverage)
            censored += not event.happened
    return pits, covered, censored


def test_forecasts_are_calibrated_against_histories_of_the_model_itself() -> None:
    pits, covered, censored = scored_histories(gated(), gated())
    assert censored > HISTORIES  # the record's end cuts events off: atoms at day UNTIL
    tolerance = 4 * math.sqrt(0.25 / HISTORIES)
    for key, values in pits.items():
        assert stats.kstest(values, "uniform").pvalue > 1e-3, key
        c50, c90 = np.mean(covered[key], axis=0)
        assert abs(c50 - 0.5) < tolerance, key
        assert abs(c90 - 0.9) < tolerance, key


def test_a_forecast_that_expects_the_deal_too_late_is_found_out() -> None:
    late = make_scenario(gates=[GATE | {"opens": {"dist": "uniform", "low": 10, "high": 40}}])
    pits, covered, _ = scored_histories(late, gated())
    assert stats.kstest(pits["gate_opened.deal"], "uniform").pvalue < 1e-6
    assert np.mean(pits["gate_opened.deal"]) < 0.35  # the deal came earlier than forecast
    # Its 90% interval starts on day 11.5, after a quarter of the deals (uniform on 5..30).
    assert np.mean(covered["gate_opened.deal"], axis=0)[1] == pytest.approx(0.74, abs=0.08)


# --- the API and the command line ----------------------------------------------------------

RECORD = Observations(
    (
        VisitorEvent(0.0, "a", "requested"),
        VisitorEvent(0.0, "b", "requested"),
        VisitorEvent(0.0, "c", "requested"),
        VisitorEvent(4.0, "c", "accepted"),
        VisitorEvent(9.0, "c", "visited"),
        GateOpened(14.0, "deal"),
        VisitorEvent(6.0, "a", "accepted"),
        VisitorEvent(16.0, "a", "visited"),
    ),
    until=25.0,
    source="record.json",
)


def test_score_forecast_records_scores_with_their_provenance(tmp_path: Path) -> None:
    done = score_forecast(gated(), RECORD, replications=60, seed=5, out=tmp_path)
    document = json.loads((done.directory / "score.json").read_text())
    assert document["ordering"] == ["c", "a", "b"]  # the observed visits, then b
    assert "observed visit order" in document["ordering_reason"]
    assert document["censored_at"] == 25.0
    assert document["totals"]["events"] == len(document["events"]) == 10
    assert {e["event"] for e in document["events"] if not e["happened"]} == {
        "accepted.b",
        "visited.b",
    }
    manifest = json.loads((done.directory / "manifest.json").read_text())
    assert manifest["kind"] == "score"
    assert manifest["status"] == "complete"
    for name in ("score.json", "scores.csv", "figures/calibration.png", "report.html"):
        assert name in manifest["files"]
        assert (done.directory / name).stat().st_size > 0


def test_as_of_scores_only_what_was_still_ahead(tmp_path: Path) -> None:
    done = score_forecast(gated(), RECORD, as_of=10.0, replications=40, seed=5, out=tmp_path)
    scored = {e.event.name for e in done.result.events}
    assert "visited.c" not in scored
    assert "visited.a" in scored
    resolved = (done.directory / "scenario.resolved.yaml").read_text()
    assert "as_of: 10" in resolved


def test_the_scores_do_not_depend_on_the_executor(tmp_path: Path) -> None:
    documents = []
    for name in ("serial", "process"):
        pool = make_executor(name, 2, None)
        done = score_forecast(
            gated(), RECORD, replications=150, seed=9, out=tmp_path / name, executor=pool
        )
        documents.append((done.directory / "score.json").read_bytes())
    assert documents[0] == documents[1]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"as_of": 25.0}, "as_of must be a day from 0 to before the end of the observations"),
        ({"as_of": -1.0}, "as_of must be a day from 0"),
        ({"replications": 1}, "replications must be between 2"),
        ({"ordering": "a,b"}, "missing 'c'"),
        ({"as_of": 12.0, "ordering": "a,b,c"}, "by day 12 the visits made were c, in that order"),
    ],
)
def test_bad_settings_are_refused_before_anything_runs(
    tmp_path: Path, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingError, match=message):
        score_forecast(gated(), RECORD, out=tmp_path, **fields)
    assert not any(tmp_path.iterdir())


def test_a_scenario_with_an_observed_block_is_scored_from_its_as_of_day(tmp_path: Path) -> None:
    scenario = make_scenario(
        gates=[GATE],
        observed={"as_of": 10, "events": [{"day": 9, "event": "visited", "visitor": "c"}]},
    )
    done = score_forecast(scenario, RECORD, replications=20, out=tmp_path)
    assert done.result.as_of == 10.0
    assert "visited.c" not in {e.event.name for e in done.result.events}


OBSERVATIONS = """scenario: tiny
until: 25
events:
  - {day: 0, event: requested, visitor: a}
  - {day: 0, event: requested, visitor: b}
  - {day: 0, event: requested, visitor: c}
  - {day: 4, event: accepted, visitor: c}
  - {day: 6, event: accepted, visitor: a}
  - {date: 2023-05-26, event: visited, visitor: c}
  - {day: 14, event: gate_opened, gate: deal}
  - {day: 16, event: visited, visitor: a}
"""


@pytest.fixture
def cli_files(tmp_path: Path) -> tuple[Path, Path]:
    """A scenario file and its observations file (the record RECORD holds)."""
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(scenario_to_yaml(gated()))
    observed = tmp_path / "record.yaml"
    observed.write_text(OBSERVATIONS)
    return scenario, observed


def score_cli(files: tuple[Path, Path], out: Path, *extra: str) -> Result:
    scenario, observed = files
    args = ["score", scenario, "--observed", observed, "-n", "40", "--seed", "7"]
    args += ["--executor", "serial", "--out", out, "-q", *extra]
    return CliRunner().invoke(main, [str(a) for a in args])


def test_score_command_writes_its_files_and_explains_the_scores(
    cli_files: tuple[Path, Path], tmp_path: Path
) -> None:
    result = score_cli(cli_files, tmp_path / "out", "--as-of", "2023-05-20")
    assert result.exit_code == 0, result.output
    assert "CRPS" in result.stdout
    assert "lower is better" in result.stdout
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("Results: ")  # a path, whole however long
    assert all(len(line) <= 80 for line in lines[:-1])
    folder = next((tmp_path / "out" / "tiny").iterdir())
    for name in ("score.json", "scores.csv", "figures/calibration.png", "report.html"):
        assert (folder / name).is_file(), name
    assert json.loads((folder / "score.json").read_text())["as_of"] == 3.0


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--ordering", "a,zz,c"], "error: --ordering a,zz,c: unknown visitor 'zz'"),
        (["--as-of", "2023-06-20"], "error: --as-of must be a day from 0 to before the end"),
        (["--as-of", "soon"], "error: --as-of must be a date (YYYY-MM-DD)"),
    ],
)
def test_score_command_refuses_bad_options_before_anything_runs(
    cli_files: tuple[Path, Path], tmp_path: Path, option: list[str], message: str
) -> None:
    result = score_cli(cli_files, tmp_path / "out", *option)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_score_command_is_reproducible_byte_for_byte(
    cli_files: tuple[Path, Path], tmp_path: Path
) -> None:
    folders = []
    for run in ("one", "two"):
        result = score_cli(cli_files, tmp_path / run)
        assert result.exit_code == 0, result.output
        folders.append(next((tmp_path / run / "tiny").iterdir()))
    for name in ("score.json", "scores.csv"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
