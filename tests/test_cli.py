"""The command line, driven through click's CliRunner: exit codes, output, files."""

from __future__ import annotations

import csv
import gzip
import inspect
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import simulator.cli
from simulator.cli import main
from simulator.cli.main import COMMANDS
from simulator.output import run_console

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FLAGSHIP = SCENARIOS / "us_china_2023.yaml"


TINY = """name: x
start: 2023-05-17
horizon_days: 50
visitors:
  - id: a
    name: A
    track: economic
    preparation: 3
    agenda: [{id: x, value: 1, success: 0.5}]
objective: {agenda_value: 1}
"""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def run_json(tmp_path: Path, scenario: Path, *extra: str) -> dict:
    result = invoke(
        "run",
        scenario,
        "-n",
        "20",
        "--executor",
        "serial",
        "--out",
        tmp_path,
        "--format",
        "json",
        *extra,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_runs(tmp_path: Path, scenario: Path) -> None:
    document = run_json(tmp_path, scenario)
    assert document["ranking"][0]["rank"] == 1
    assert len(document["ranking"]) >= 1
    assert Path(document["results"]).is_dir()


def test_flagship_ranks_all_24_orderings_and_writes_the_results_directory(tmp_path: Path) -> None:
    result = invoke("run", FLAGSHIP, "-n", "30", "--executor", "serial", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "P(best)" in result.stdout
    assert "Results:" in result.stdout
    [run_dir] = (tmp_path / "us_china_2023").iterdir()
    names = {p.name for p in run_dir.iterdir()}
    assert names == {
        "manifest.json",
        "scenario.resolved.yaml",
        "ranking.csv",
        "rank_probabilities.csv",
        "summary.json",
        "replications.csv.gz",
        "figures",
        "report.html",
    }
    assert sorted(p.name for p in (run_dir / "figures").iterdir()) == [
        "ecdf.png",
        "rank_probabilities.png",
        "timeline.png",
        "utility.png",
    ]
    rows = list(csv.DictReader((run_dir / "ranking.csv").read_text().splitlines()))
    assert len(rows) == 24
    assert [int(r["rank"]) for r in rows] == list(range(1, 25))
    means = [float(r["mean_utility"]) for r in rows]
    assert means == sorted(means, reverse=True)
    assert sum(float(r["p_best"]) for r in rows) == pytest.approx(1.0)
    assert all(float(r["mcb_low"]) <= 0 <= float(r["mcb_high"]) for r in rows)
    assert {r["eliminated_at"] for r in rows} == {""}
    probabilities = list(csv.reader((run_dir / "rank_probabilities.csv").read_text().splitlines()))
    assert probabilities[0] == ["ordering", *(f"rank_{j}" for j in range(1, 25))]
    assert [row[0] for row in probabilities[1:]] == [r["ordering"] for r in rows]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seed"] == 20230517
    assert manifest["replications"] == 30
    assert len(manifest["scenario"]["hash"]) == 64
    summary = json.loads((run_dir / "summary.json").read_text())
    metrics = summary["orderings"][0]["metrics"]
    for visitor in ("blinken", "yellen", "raimondo", "kerry"):
        assert set(metrics[f"day.{visitor}"]) == {
            "n",
            "mean",
            "sd",
            "q05",
            "q25",
            "q50",
            "q75",
            "q95",
        }
    with gzip.open(run_dir / "replications.csv.gz", "rt") as handle:
        records = list(csv.DictReader(handle))
    assert len(records) == 24 * 30


def test_same_seed_gives_byte_identical_results(tmp_path: Path) -> None:
    first = Path(run_json(tmp_path / "one", FLAGSHIP, "--seed", "7")["results"])
    second = Path(run_json(tmp_path / "two", FLAGSHIP, "--seed", "7")["results"])
    other = Path(run_json(tmp_path / "three", FLAGSHIP, "--seed", "8")["results"])
    for name in ("ranking.csv", "summary.json", "replications.csv.gz"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert (first / "ranking.csv").read_bytes() != (other / "ranking.csv").read_bytes()


def test_process_executor_gives_the_same_results_as_serial(tmp_path: Path) -> None:
    args = ("run", FLAGSHIP, "-n", "150", "--seed", "3", "--format", "json")
    serial = invoke(*args, "--executor", "serial", "--out", tmp_path / "s")
    process = invoke(*args, "--executor", "process", "--workers", "2", "--out", tmp_path / "p")
    assert serial.exit_code == 0, serial.output
    assert process.exit_code == 0, process.output
    a = Path(json.loads(serial.stdout)["results"])
    b = Path(json.loads(process.stdout)["results"])
    for name in ("ranking.csv", "summary.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert json.loads((b / "manifest.json").read_text())["executor"] == "process"


def test_set_overrides_reach_the_model_and_the_resolved_scenario(tmp_path: Path) -> None:
    document = run_json(
        tmp_path,
        FLAGSHIP,
        "--set",
        "host.preference.penalty=9",
        "--set",
        "visitors.kerry.earliest_day=40",
    )
    resolved = (Path(document["results"]) / "scenario.resolved.yaml").read_text()
    assert "penalty: 9" in resolved
    assert "earliest_day: 40" in resolved


def test_json_output_is_one_document_on_stdout(tmp_path: Path) -> None:
    document = run_json(tmp_path, FLAGSHIP)
    assert set(document) == {"scenario", "seed", "design", "recommendation", "results", "ranking"}
    assert document["design"] == {"design": "fixed", "replications": 20, "keep_replications": True}
    assert document["ranking"][0]["ordering"][0] in {"blinken", "yellen", "raimondo", "kerry"}


def test_validate_prints_a_summary() -> None:
    result = invoke("validate", FLAGSHIP)
    assert result.exit_code == 0, result.output
    assert "candidate orderings: 24" in result.stdout
    assert "debt_ceiling (until)" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("name: x\nstart: a: b\n", "bad.yaml:2"),
        ("name: x\nstart: 2023-05-17\nhorizon_days: 10\nvisitorz: []\n", "visitorz"),
        (
            "name: x\nstart: 2023-05-17\nhorizon_days: ten\nvisitors: []\nobjective: {}\n",
            "horizon_days",
        ),
        (TINY.replace("success: 0.5", "success: 1.5"), "bad.yaml:9: visitors.a.agenda.x.success"),
        (TINY + "constraints: [{first: zed}]\n", "bad.yaml:11: constraints[0].first"),
        (TINY + "extends: bad.yaml\n", "extends cycle"),
        ("", "empty"),
    ],
    ids=[
        "malformed",
        "unknown-key",
        "wrong-type",
        "out-of-range",
        "unknown-visitor",
        "cycle",
        "empty",
    ],
)
def test_bad_scenarios_exit_2_with_one_message(tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    for command in ("validate", "run"):
        result = (
            invoke(command, bad, "--out", tmp_path) if command == "run" else invoke(command, bad)
        )
        assert result.exit_code == 2, result.output
        assert expected in result.stderr
        assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists(), "a failed validation must not create a run"


def test_bad_set_path_exits_2(tmp_path: Path) -> None:
    result = invoke("run", FLAGSHIP, "--set", "visitors.nobody.earliest_day=3", "--out", tmp_path)
    assert result.exit_code == 2
    assert "nobody" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "option",
    [["--replications", "1"], ["--seed", "-4"], ["--workers", "0"], ["--executor", "cluster"]],
)
def test_bad_options_exit_2(tmp_path: Path, option: list[str]) -> None:
    result = invoke("run", FLAGSHIP, "--out", tmp_path, *option)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not any(tmp_path.iterdir())


def test_python_dash_m_and_help() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "validate"):
        assert command in result.stdout
    assert "--replications" in invoke("run", "--help").stdout


def test_the_command_table_lists_every_command_with_its_own_help() -> None:
    """`visitsim --help` lists the commands from `COMMANDS` without loading them: the
    table must name every command module's command and begin its help the same way."""
    ctx = click.Context(main)
    modules = {
        path.stem
        for path in Path(simulator.cli.__file__).parent.glob("*.py")
        if path.stem not in {"__init__", "main", "options", "recording"}
    }
    assert set(COMMANDS) == modules
    for name, text in COMMANDS.items():
        command = main.get_command(ctx, name)
        assert command is not None, name
        assert command.help is not None
        assert text == " ".join(inspect.cleandoc(command.help).split("\n\n")[0].split()), name
        for limit in (30, 45, 60, 74, 120):
            listed = click.Command(name, help=text).get_short_help_str(limit)
            assert listed == command.get_short_help_str(limit), (name, limit)


def test_help_answers_without_loading_the_simulator() -> None:
    """`visitsim --help` and a mistyped command answer at once: neither loads numpy, scipy
    or matplotlib (seconds of start-up on a small machine)."""
    code = (
        "import sys\n"
        "from simulator.cli import main\n"
        "for args in (['--help'], ['rn']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = sorted({'numpy', 'scipy', 'matplotlib'} & set(sys.modules))\n"
        "print('loaded:', heavy, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert "Commands:" in done.stdout
    assert "error: no such command 'rn'" in done.stderr
    assert "loaded: []" in done.stderr, done.stderr


def test_python_dash_m_runs_the_same_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", str(FLAGSHIP)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "candidate orderings: 24" in done.stdout


def test_json_lists_the_best_orderings_and_counts_them_all_as_summary_json_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    every = run_json(tmp_path / "all", FLAGSHIP)
    assert len(every["ranking"]) == 24
    assert "orderings_total" not in every
    monkeypatch.setattr(run_console, "SUMMARY_LIMIT", 5)
    best = run_json(tmp_path / "best", FLAGSHIP)
    assert best["orderings_total"] == 24
    assert best["ranking"] == every["ranking"][:5]
    written = (Path(best["results"]) / "ranking.csv").read_text(encoding="utf-8")
    assert len(written.splitlines()) == 1 + 24  # the file still lists every ordering
