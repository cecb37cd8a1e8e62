"""`visitsim run --calendar`, `output.calendar` and the report's predicted calendar."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result

from simulator.api import run_scenario
from simulator.cli import main
from simulator.errors import InputError
from simulator.output.calendar import Step, calendar_from_summary, calendar_lines, run_calendar
from simulator.output.runfiles import RunFiles
from simulator.scenario import load_scenario

from .test_report import parse

START = dt.date(2023, 11, 1)
# Three visitors, a before c (3 candidate orderings); responses slow enough that the
# later steps fall in 2024, and not every visit happens within the horizon.
SCENARIO = """name: three
start: 2023-11-01
horizon_days: 150
visitors:
  - id: a
    name: Visitor A
    track: economic
    preparation: {dist: uniform, low: 5, high: 15}
    agenda: [{id: x, value: 2, success: 0.5}]
  - id: b
    name: Visitor B
    track: security
    preparation: {dist: triangular, low: 3, mode: 8, high: 20}
    agenda: [{id: y, value: 3, success: 0.4}]
  - id: c
    name: Visitor C
    track: climate
    earliest_day: 40
    preparation: 6
    visit_days: 3
    agenda: [{id: z, value: 1, success: 0.6}]
host:
  response_delay: {dist: uniform, low: 5, high: 40}
constraints:
  - before: [a, c]
effects:
  precedence_costs:
    - {earlier: b, later: a, cost: 0.5}
objective: {agenda_value: 1, visits_completed: 0.1, precedence_cost: -1}
"""
STEPS = (("request", "request_day"), ("accept", "accept_day"), ("visit", "day"))


def invoke(*args: str | Path, columns: int = 80) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": str(columns)})


def run_args(scenario: Path, out: Path, n: int, *extra: str) -> list[str | Path]:
    common = ["-n", str(n), "--seed", "11", "--executor", "serial", "-q", "--out", out]
    return ["run", scenario, *common, *extra]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "three.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def document(scenario_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("runs")
    args = run_args(scenario_file, out, 200, "--format", "json")
    result = invoke(*args, "--calendar", "best", "--calendar", "b,a,c")
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


@pytest.fixture(scope="module")
def records(document: dict[str, Any]) -> dict[tuple[str, ...], dict[str, np.ndarray]]:
    """replications.csv.gz, read here: per ordering, every metric's column."""
    path = Path(document["results"]) / "replications.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    out: dict[tuple[str, ...], dict[str, np.ndarray]] = {}
    for ordering in {row[0] for row in body}:
        mine = [row for row in body if row[0] == ordering]
        out[tuple(ordering.split(","))] = {
            name: np.array([float(row[c]) if row[c] else np.nan for row in mine])
            for c, name in enumerate(header)
            if c >= 2
        }
    return out


def iso(day: float) -> str:
    return (START + dt.timedelta(days=math.floor(day))).isoformat()


def test_dates_are_start_plus_the_quantiles_of_the_records(
    document: dict[str, Any], records: dict[tuple[str, ...], dict[str, np.ndarray]]
) -> None:
    dates = []
    for calendar in document["calendars"]:
        table = records[tuple(calendar["ordering"])]
        assert calendar["replications"] == 200
        assert calendar["start"] == START.isoformat()
        for visitor in calendar["visitors"]:
            for step, prefix in STEPS:
                values = table[f"{prefix}.{visitor['id']}"]
                got = visitor[step]
                n = int(np.count_nonzero(~np.isnan(values)))
                assert got["n"] == n
                assert got["share"] == pytest.approx(n / 200)
                expected = np.nanquantile(values, [0.05, 0.5, 0.95])
                days = [got[q] for q in ("q05", "q50", "q95")]
                assert days == pytest.approx(expected, rel=1e-12, abs=1e-12)
                assert list(got["dates"].values()) == [iso(x) for x in expected]
                dates += got["dates"].values()
    assert any(d.startswith("2024") for d in dates)  # the scenario crosses the year
    visits = [v["visit"]["n"] for c in document["calendars"] for v in c["visitors"]]
    assert min(visits) < 200  # some visits do not happen


def test_best_is_the_top_ranked_ordering_and_rows_follow_the_plan(document: dict[str, Any]) -> None:
    best, other = document["calendars"]
    assert best["ordering"] == document["ranking"][0]["ordering"]
    assert best["rank"] == 1
    assert other["ordering"] == ["b", "a", "c"]
    ranks = {tuple(r["ordering"]): r["rank"] for r in document["ranking"]}
    assert other["rank"] == ranks[("b", "a", "c")]
    for calendar in (best, other):
        assert [v["id"] for v in calendar["visitors"]] == calendar["ordering"]
        assert [v["name"] for v in calendar["visitors"]] == [
            f"Visitor {i.upper()}" for i in calendar["ordering"]
        ]


def test_the_printed_calendar_fits_80_columns(scenario_file: Path, tmp_path: Path) -> None:
    args = run_args(scenario_file, tmp_path, 100, "--calendar", "a,c,b", "--calendar", "best")
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("Calendar of ")))
    end = lines.index(next(line for line in lines if line.startswith("Results:")))
    block = lines[start:end]
    assert all(len(line) <= 80 and line == line.rstrip() for line in block), block
    [run_dir] = (tmp_path / "three").iterdir()
    files = RunFiles.read(run_dir)
    expected = []
    for ordering in (("a", "c", "b"), None):
        expected += ["", *calendar_lines(run_calendar(files, ordering))]
    assert ["", *block] == [*expected, ""]
    assert block[0] == "Calendar of a→c→b (rank {} of 3, 100 replications):".format(
        next(row.rank for row in files.ranking if row.ordering == ("a", "c", "b"))
    )
    assert block[2].split() == ["visitor", "asks", "accepted", "visits", "visited"]
    assert [block[i].split()[0] for i in (3, 5, 7)] == ["a", "c", "b"]
    median = files.metric_summary(("a", "c", "b"), "day.c")["q50"]
    visit = dt.date.fromisoformat(iso(median))
    assert f"{visit.day:02d} {visit:%b}" in block[5]


def test_a_narrow_terminal_gets_one_block_per_visitor(document: dict[str, Any]) -> None:
    files = RunFiles.read(Path(document["results"]))
    lines = calendar_lines(run_calendar(files), width=50)
    assert all(len(line) <= 50 and line == line.rstrip() for line in lines), lines
    assert any(line.startswith(" a (visits in ") for line in lines)
    assert any(line.split()[:1] == ["accepted"] for line in lines)


def test_dates_and_ranges_in_words() -> None:
    def step(*days: float) -> Step:
        return Step(n=5, replications=10, q05=days[0], q50=days[1], q95=days[2], start=START)

    assert step(0, 1.9, 59.5).median_text() == "02 Nov"
    assert step(0, 1.9, 59.5).range_text() == "01 Nov–30 Dec"
    assert step(40, 60, 70).range_text() == "11 Dec–10 Jan 2024"
    assert step(70, 80, 100).range_text() == "10 Jan–09 Feb 2024"
    assert step(0.2, 0.5, 0.9).range_text() == "01 Nov"
    never = Step(n=0, replications=10, q05=None, q50=None, q95=None, start=START)
    assert (never.median_text(), never.range_text()) == ("never", "")


@pytest.mark.parametrize(
    ("ordering", "message"),
    [
        ("a,b,zz", "error: --calendar a,b,zz: unknown visitor 'zz'; the visitors are a, b, c"),
        ("a,b", "error: --calendar a,b: missing 'c'; an ordering lists every visitor once"),
        ("a,a,b", "error: --calendar a,a,b: visitor 'a' appears more than once"),
        ("c,a,b", "error: --calendar c,a,b: excluded by the scenario's constraints (before:"),
    ],
)
def test_a_bad_ordering_exits_2_before_simulating(
    scenario_file: Path, tmp_path: Path, ordering: str, message: str
) -> None:
    result = invoke(*run_args(scenario_file, tmp_path, 100, "--calendar", ordering))
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output
    assert not (tmp_path / "three").exists()  # nothing was simulated


def test_replay_refuses_calendar(scenario_file: Path) -> None:
    result = invoke("run", scenario_file, "--replay", "a,b,c:0", "--calendar", "best")
    assert result.exit_code == 2
    assert "--replay cannot be combined with --calendar" in result.stderr


def test_without_calendar_there_is_no_calendar(scenario_file: Path, tmp_path: Path) -> None:
    table = invoke(*run_args(scenario_file, tmp_path, 20))
    assert table.exit_code == 0, table.output
    assert "Calendar" not in table.stdout
    assert "Results: " in table.stdout
    document = invoke(*run_args(scenario_file, tmp_path, 20, "--format", "json"))
    assert "calendars" not in json.loads(document.stdout)


def test_the_python_api(scenario_file: Path, tmp_path: Path) -> None:
    done = run_scenario(load_scenario(scenario_file), replications=100, seed=3, out=tmp_path)
    calendar = done.calendar()
    assert calendar.ordering == done.ranking.best
    assert calendar.rank == 1
    assert (
        calendar.rows[0].visit.q50
        == done.files.metric_summary(calendar.ordering, f"day.{calendar.ordering[0]}")["q50"]
    )
    # The command line's messages (--calendar), and its notation.
    with pytest.raises(InputError, match="ordering c,a,b: excluded by the scenario's constraints"):
        done.calendar(("c", "a", "b"))
    with pytest.raises(InputError, match="ordering a,b: missing 'c'; an ordering lists every"):
        done.calendar(("a", "b"))
    assert done.calendar("b→a→c").ordering == ("b", "a", "c")


def test_statistics_not_in_the_summary_are_a_clear_error(document: dict[str, Any]) -> None:
    files = RunFiles.read(Path(document["results"]))
    summary = json.loads(json.dumps(files.summary))
    summary["orderings"][-1]["metrics"] = None
    last = tuple(summary["orderings"][-1]["ordering"])
    with pytest.raises(InputError, match=r"summary\.json has no statistics for it"):
        calendar_from_summary(files.scenario, summary, last)
    listed = json.loads(json.dumps(files.summary))  # a run with more orderings than it lists
    listed["orderings_total"] = len(listed["orderings"])
    del listed["orderings"][-1]
    with pytest.raises(InputError, match=r"best-ranked of the run's \d+ orderings only"):
        calendar_from_summary(files.scenario, listed, last)
    old = json.loads(json.dumps(files.summary))  # a run from before request days were kept
    del old["orderings"][0]["metrics"]["request_day.b"]
    with pytest.raises(InputError, match=r"has no request_day\.b statistics"):
        calendar_from_summary(files.scenario, old)


def test_the_report_has_the_predicted_calendar(document: dict[str, Any], tmp_path: Path) -> None:
    run_dir = Path(document["results"])
    copy = tmp_path / run_dir.name
    shutil.copytree(run_dir, copy)
    (copy / "report.html").unlink()
    rebuilt = CliRunner().invoke(main, ["report", str(copy)])
    assert rebuilt.exit_code == 0, rebuilt.output
    page = parse(copy / "report.html")
    assert "calendar" in page.sections
    text = page.text("calendar")
    assert text.startswith("Predicted calendar")
    best = document["calendars"][0]
    rows = page.tables["calendar calendar-1"]
    assert rows[0] == ["visitor", "asks", "accepted", "visits", "visited"]
    files = RunFiles.read(copy)
    calendar = run_calendar(files)
    assert [r[0] for r in rows[1:]] == [v["name"] for v in best["visitors"]]
    for cells, row in zip(rows[1:], calendar.rows, strict=True):
        assert cells[1:4] == [s.median_text() + s.range_text() for s in row.steps()]
    # the best ordering that starts with another visitor: b,a,c (the only one with b first)
    assert "The best ordering that starts with Visitor B: Visitor B → Visitor A" in text
    assert len(page.tables["calendar calendar-2"]) == 1 + 3


def test_a_run_that_kept_no_replications_dates_its_calendar_by_means(
    document: dict[str, Any], records: dict[tuple[str, ...], dict[str, np.ndarray]]
) -> None:
    """An adaptive tournament keeps each metric's mean and sd, not its replications: its
    calendar gives mean dates and says so, rather than a table of n/a."""
    files = RunFiles.read(Path(document["results"]))
    summary = json.loads(json.dumps(files.summary))
    summary["quantiles_from"] = 0
    for entry in summary["orderings"]:
        for stats in entry["metrics"].values():
            stats.update(dict.fromkeys(("q05", "q25", "q50", "q75", "q95")))  # as written
    calendar = calendar_from_summary(files.scenario, summary)
    assert calendar.by_mean
    table = records[calendar.ordering]
    for row in calendar.rows:
        for step, (_, prefix) in zip(row.steps(), STEPS, strict=True):
            values = table[f"{prefix}.{row.id}"]
            if step.n:
                mean = START + dt.timedelta(days=math.floor(float(np.nanmean(values))))
                assert step.median_text() == mean.strftime("%d %b") + (
                    f" {mean.year}" if mean.year != START.year else ""
                )
                assert step.range_text() == ""
    text = "\n".join(calendar_lines(calendar))
    assert "mean date in 2023 (the run kept no replications" in text
    assert "n/a" not in text
    assert "dates from the first" not in text
    assert "\n\n" not in text  # no empty range lines


def test_a_report_without_kept_replications_says_its_dates_are_means(
    document: dict[str, Any], tmp_path: Path
) -> None:
    """The page of a run that kept no replications (a knockout tournament) shows mean
    dates, says why, and drops the at-a-glance table's empty 5–95% column."""
    copy = tmp_path / "run"
    shutil.copytree(Path(document["results"]), copy)
    summary = json.loads((copy / "summary.json").read_text(encoding="utf-8"))
    summary["quantiles_from"] = 0
    for entry in summary["orderings"]:
        for stats in entry["metrics"].values():
            stats.update(dict.fromkeys(("q05", "q25", "q50", "q75", "q95")))  # as written
    (copy / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    rebuilt = CliRunner().invoke(main, ["report", str(copy), "-q"])
    assert rebuilt.exit_code == 0, rebuilt.output
    page = parse(copy / "report.html")
    assert "the mean date" in page.text("calendar")
    assert "n/a" not in page.text("calendar")
    assert page.tables["glance"][0] == ["outcome", "value"]
    assert all(len(row) == 2 for row in page.tables["glance"])
