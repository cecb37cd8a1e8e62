"""The same option spells the same on every command, and a command-line mistake gets
visitsim's one-line `error: ...` (exit status 2), not click's usage block."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner, Result

from simulator.api import report
from simulator.cli import main

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
CONTEXT = click.Context(main)
COMMANDS = main.list_commands(CONTEXT)
QUIET_EXEMPT = {"schema", "app"}  # they print one thing: the schema, the address
"""Commands whose only output is their result, so -q would have nothing to leave out."""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def option(command: str, name: str) -> click.Option | None:
    loaded = main.get_command(CONTEXT, command)
    assert loaded is not None, command
    found = [p for p in loaded.params if p.name == name]
    return found[0] if found and isinstance(found[0], click.Option) else None


@pytest.mark.parametrize("command", COMMANDS)
def test_quiet_and_format_are_spelled_the_same_everywhere(command: str) -> None:
    quiet = option(command, "quiet")
    if command in QUIET_EXEMPT:
        assert quiet is None
    else:
        assert quiet is not None, f"{command} has no -q/--quiet"
        assert set(quiet.opts) == {"-q", "--quiet"}
        assert quiet.is_flag
    fmt = option(command, "fmt")
    if fmt is not None:
        assert fmt.opts == ["--format"]
        assert isinstance(fmt.type, click.Choice)
        assert tuple(fmt.type.choices) == ("text", "json")
        assert fmt.default == "text"


def test_every_command_that_prints_results_has_format() -> None:
    for command in ("run", "compare", "sweep", "sensitivity", "robustness", "validate"):
        assert option(command, "fmt") is not None, command
    assert option("reproduce", "fmt") is not None


def test_format_table_is_still_text_and_json_is_json() -> None:
    text = invoke("validate", SCENARIO, "--format", "text")
    assert text.exit_code == 0, text.output
    assert invoke("validate", SCENARIO, "--format", "table").stdout == text.stdout
    assert json.loads(invoke("validate", SCENARIO, "--format", "json").stdout)


def test_compare_takes_q(tmp_path: Path) -> None:
    result = invoke(
        "compare", SCENARIO, "--ordering", "a,b", "--ordering", "b,a", "-n", "20",
        "--executor", "serial", "--out", tmp_path, "-q", "--format", "text",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert "Results: " in result.stdout


def test_validate_and_report_quiet_print_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = invoke("validate", SCENARIO, "-q")
    assert result.exit_code == 0
    assert result.output == ""
    bad = invoke("validate", SCENARIO, "-q", "--set", "host.acceptance=2")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: ")
    # `report` draws as before (drawing is tested in test_report); -q only stops the list.
    drawn: list[Path] = []
    (tmp_path / "manifest.json").write_text("{}")  # a results directory, as far as report checks
    files = SimpleNamespace(check=lambda d: None, read=lambda d: SimpleNamespace(path=d))
    monkeypatch.setattr(report, "RunFiles", files)
    monkeypatch.setattr(report, "write_figures", lambda r, top: drawn.append(r.path) or ["a.png"])
    monkeypatch.setattr(report, "write_report", lambda r, top: r.path / "report.html")
    listed = invoke("report", tmp_path)
    assert listed.stdout.splitlines() == [str(tmp_path / "a.png"), str(tmp_path / "report.html")]
    result = invoke("report", tmp_path, "--quiet")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert drawn == [tmp_path, tmp_path]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_one_error_line(command: str) -> None:
    result = invoke(command, "--no-such-option")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: no such option '--no-such-option'")
    assert result.stderr.count("\n") == 1
    assert "Usage:" not in result.stderr
    assert f"{command} --help" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: no such command 'nope'"),
        (["--nope"], "error: no such option '--nope'"),
        (["compare", SCENARIO, "--format", "xml"], "error: invalid value for '--format'"),
        (["run", SCENARIO, "-n", "many"], "error: invalid value for '--replications'"),
        (["run"], "error: missing argument 'SCENARIO'"),
        (["sweep", SCENARIO, "--vary"], "error: option '--vary' requires an argument"),
    ],
)
def test_command_line_mistakes_are_one_error_line(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Usage:" not in result.output


def test_visitsim_alone_still_shows_the_help() -> None:
    result = invoke()
    assert "Usage:" in result.output
    assert "error:" not in result.output
