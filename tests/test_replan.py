"""`visitsim run --observed FILE --as-of DATE`: re-planning from the command line.

The observations file used here (scenarios/observations/example.yaml) is made up for
illustration: it is not the real 2023 events.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner, Result

from simulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "us_china_2023.yaml"
EXAMPLE = ROOT / "scenarios" / "observations" / "example.yaml"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def run_dir(out: Path) -> Path:
    (path,) = out.glob("*/*")
    return path


def replan(out: Path, *extra: object) -> Result:
    return invoke("run", FLAGSHIP, "--observed", EXAMPLE, "--out", out, "-n", 100, "-q", *extra)


def test_a_replanned_run_says_what_it_is_conditioned_on(tmp_path: Path) -> None:
    result = replan(tmp_path, "--as-of", "2023-06-20")
    assert result.exit_code == 0, result.output
    assert "Conditioned on what was observed as of 2023-06-20 (day 34)" in result.output
    assert "kerry: visited on 2023-06-14 (day 28)" in result.output
    path = run_dir(tmp_path)
    summary = json.loads((path / "summary.json").read_text())
    assert summary["conditioned_on"][0] == "as of 2023-06-20 (day 34)"
    with (path / "ranking.csv").open() as handle:
        orderings = [row["ordering"] for row in csv.DictReader(handle)]
    assert len(orderings) == 6  # kerry's visit is the first of every candidate
    assert all(o.startswith("kerry,") for o in orderings)
    assert "Re-planned from what was observed" in (path / "report.html").read_text()


def test_only_what_was_observed_by_the_date_counts(tmp_path: Path) -> None:
    early = replan(tmp_path / "early", "--as-of", "2023-06-01", "--format", "json")
    assert early.exit_code == 0, early.output
    facts = json.loads(early.output)["conditioned_on"]
    assert facts[0] == "as of 2023-06-01 (day 15)"
    assert not any("visited" in fact for fact in facts)
    assert len(json.loads(early.output)["ranking"]) == 24  # no visit yet: all candidates
    by_default = replan(tmp_path / "late", "--format", "json")  # as of the file's `until`
    assert json.loads(by_default.output)["conditioned_on"][0] == "as of 2023-07-15 (day 59)"


def test_a_replanned_run_reproduces_and_replays(tmp_path: Path) -> None:
    assert replan(tmp_path, "--as-of", "34").exit_code == 0
    path = run_dir(tmp_path)
    reproduced = invoke("reproduce", path)
    assert reproduced.exit_code == 0, reproduced.output
    assert "byte-identical" in reproduced.output
    replayed = invoke(
        "run",
        FLAGSHIP,
        "--observed",
        EXAMPLE,
        "--as-of",
        "34",
        "--replay",
        "kerry,yellen,blinken,raimondo:0",
    )
    assert replayed.exit_code == 0, replayed.output
    assert "as of today: what follows is simulated" in replayed.output
    assert "asks for a visit (observed)" in replayed.output


def test_bad_re_planning_options_are_refused(tmp_path: Path) -> None:
    alone = invoke("run", FLAGSHIP, "--as-of", "2023-06-20", "--out", tmp_path)
    assert alone.exit_code == 2
    assert "--as-of needs --observed" in alone.output
    early = replan(tmp_path, "--as-of", "2023-05-01")
    assert early.exit_code == 2
    assert "--as-of" in early.output
    assert "Traceback" not in early.output
    missing = invoke("run", FLAGSHIP, "--observed", tmp_path / "nothing.yaml")
    assert missing.exit_code == 2
    assert "nothing.yaml" in missing.output
    assert not list(tmp_path.glob("*/*"))  # nothing was started


def test_observations_that_no_allowed_plan_starts_with_are_refused(tmp_path: Path) -> None:
    variant = tmp_path / "blinken_first.yaml"
    variant.write_text(f"extends: {FLAGSHIP}\nconstraints:\n  - first: blinken\n")
    result = invoke("run", variant, "--observed", EXAMPLE, "--out", tmp_path, "-n", 20)
    assert result.exit_code == 2
    line = EXAMPLE.read_text().splitlines().index("    visitor: kerry", 40) + 1
    assert f"example.yaml:{line}:" in result.output
    assert "breaks the scenario's constraint {'first': 'blinken'}" in result.output
    assert not list(tmp_path.glob("*/*"))


def test_a_request_after_the_visit_is_refused(tmp_path: Path) -> None:
    seen = tmp_path / "seen.yaml"
    seen.write_text(
        "until: 40\nevents:\n"
        "  - {day: 20, event: visited, visitor: kerry}\n"
        "  - {day: 30, event: requested, visitor: kerry}\n"
    )
    result = invoke("run", FLAGSHIP, "--observed", seen, "--out", tmp_path)
    assert result.exit_code == 2
    assert "seen.yaml:4: events[1].day:" in result.output
    assert "after its visit" in result.output
