"""Hostile input, one example per defect: values that cannot be written, YAML 1.1
readings, explicit tags, `extends:` to things that are not scenario files, control
characters, and the smaller cases (test_fuzz.py generates each class at large).

Every error is one `error: FILE:LINE: field: ...` line with exit status 2.
"""

from __future__ import annotations

import importlib.abc
import json
import math
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from simulator import entry
from simulator.cli import main
from simulator.errors import SimulatorError
from simulator.output import files, plotting
from simulator.scenario import load_scenario, scenario_to_yaml

TWO = Path(__file__).parent / "scenarios" / "two_visitors.yaml"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def rejected(result: Result) -> str:
    """The one error line of a refused input."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    return line


def variant(tmp_path: Path, old: str, new: str) -> Path:
    """two_visitors.yaml with `old` (first occurrence) replaced by `new`."""
    text = TWO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "s.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# --- 1. values that cannot be written -------------------------------------------------

OPEN_NORMAL = "preparation: {dist: normal, mean: 5, sd: 1, low: 0}"


def test_a_normal_without_high_runs_and_writes_its_manifest(tmp_path: Path) -> None:
    path = variant(tmp_path, "preparation: 5", OPEN_NORMAL)
    result = invoke("run", path, "-n", "2", "-q", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    [run] = (tmp_path / "out" / "two_visitors").iterdir()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete"
    prep = manifest["resolved_scenario"]["visitors"][0]["preparation"]
    assert prep["low"] == 0
    assert prep["high"] is None
    resolved = load_scenario(run / "scenario.resolved.yaml")
    assert resolved == load_scenario(path)
    assert resolved.visitors[0].preparation.upper == math.inf


@pytest.mark.parametrize("bound", ["low: -.inf", "high: .inf", "high: 1e400"])
def test_an_infinite_bound_is_refused(tmp_path: Path, bound: str) -> None:
    path = variant(
        tmp_path, "preparation: 5", f"preparation: {{dist: normal, mean: 5, sd: 1, {bound}}}"
    )
    line = rejected(invoke("validate", path))
    field = bound.split(":", maxsplit=1)[0]
    assert line.startswith(f"error: {path}:18: visitors.a.preparation.{field}: "), line
    assert "finite number" in line


def test_the_resolved_scenario_quotes_text_yaml_12_reads_as_numbers(tmp_path: Path) -> None:
    path = variant(tmp_path, "name: Visitor A", "name: '1e3'")
    scenario = load_scenario(path)
    again = tmp_path / "again.yaml"
    again.write_text(scenario_to_yaml(scenario), encoding="utf-8")
    assert load_scenario(again) == scenario


def test_a_non_finite_value_in_a_json_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(SimulatorError, match=r"summary.json: rows\[1\].mean is not a finite"):
        files.write_json(tmp_path / "summary.json", {"rows": [{"mean": 1.0}, {"mean": math.nan}]})
    assert not any(tmp_path.iterdir())


# --- 2. YAML 1.1 surprises --------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("yes", "wrong type (got 'yes')"),
        ("off", "wrong type (got 'off')"),
        ("1:30", "wrong type (got '1:30')"),
    ],
)
def test_yaml_11_words_and_sexagesimals_are_text(
    tmp_path: Path, written: str, problem: str
) -> None:
    path = variant(tmp_path, "retry_delay: 1", f"retry_delay: {written}")
    line = rejected(invoke("validate", path))
    assert line.startswith(f"error: {path}:28: host.retry_delay: {problem}"), line
    option = f"host.retry_delay={written}"
    line = rejected(invoke("validate", TWO, "--set", option))
    assert line.startswith(f"error: --set {option}: host.retry_delay: {problem}"), line


@pytest.mark.parametrize(("written", "value"), [("017", 17), ("0o17", 15), ("1e1", 10)])
def test_numbers_are_read_as_yaml_12_in_files_and_set(
    tmp_path: Path, written: str, value: int
) -> None:
    path = variant(tmp_path, "max_attempts: 20", f"max_attempts: {written}")
    assert load_scenario(path).host.max_attempts == value
    assert load_scenario(TWO, [f"host.max_attempts={written}"]).host.max_attempts == value
    assert load_scenario(TWO, [f"host.retry_delay={written}"]).host.retry_delay.mean == value


# --- 3. explicit tags -------------------------------------------------------------------


@pytest.mark.parametrize(
    "tagged",
    ["!!bool abc", '!!int ""', '!!float ""', "!!timestamp abc", "!<tag:yaml.org,2002:int> 3",
     "!!str 5", "!!set {a}", "!local x"],
)  # fmt: skip
def test_explicit_tags_are_refused_with_their_line(tmp_path: Path, tagged: str) -> None:
    path = variant(tmp_path, "retry_delay: 1", f"retry_delay: {tagged}")
    line = rejected(invoke("validate", path))
    assert line.startswith(f"error: {path}:28: host.retry_delay: unsupported YAML tag !"), line
    line = rejected(invoke("validate", TWO, "--set", f"host.retry_delay={tagged}"))
    assert "unsupported YAML tag" in line


# --- 4. extends: to things that are not scenario files ------------------------------------


def special(tmp_path: Path, kind: str) -> str:
    target = tmp_path / "target"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "loop":
        target.symlink_to(target)
    elif kind == "directory":
        target.mkdir()
    elif kind == "nul":
        return "a\0b.yaml"
    else:
        return kind
    return str(target)


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("fifo", "it is a pipe (FIFO), not a regular file"),
        ("/dev/stdin", "not a regular file"),
        ("/dev/null", "it is a device, not a regular file"),
        ("loop", "Too many levels of symbolic links"),
        ("directory", "it is a directory, not a file"),
        ("nul", "the file name contains a NUL character"),
    ],
)
def test_extends_refuses_what_is_not_a_regular_file_without_reading_it(
    tmp_path: Path, kind: str, reason: str
) -> None:
    target = special(tmp_path, kind)
    path = tmp_path / "s.yaml"
    path.write_text(f"extends: {json.dumps(target)}\nname: x\n", encoding="utf-8")
    line = rejected(invoke("validate", path))  # a FIFO would block here if it were opened
    assert line.startswith(f"error: {path}:1: extends: "), line
    assert reason in line


@pytest.mark.parametrize("kind", ["fifo", "/dev/stdin", "loop"])
def test_the_scenario_argument_must_be_a_regular_file(tmp_path: Path, kind: str) -> None:
    target = special(tmp_path, kind)
    line = rejected(invoke("validate", target))
    assert line.startswith(f"error: {target}: cannot read scenario: "), line


@pytest.mark.parametrize(
    "content",
    ["root:x:0:0:root:/root:/bin/bash\n", "password: hunter2\n", "4194304\n", "import os\n"],
)
def test_a_file_that_is_not_a_scenario_is_not_echoed(tmp_path: Path, content: str) -> None:
    other = tmp_path / "other"
    other.write_text(content, encoding="utf-8")
    path = tmp_path / "s.yaml"
    path.write_text("extends: other\nname: x\n", encoding="utf-8")
    for file in (path, other):
        line = rejected(invoke("validate", file))
        assert line.startswith(f"error: {other}:1: not a scenario file: "), line
        assert content.strip().split(":")[-1] not in line
        assert content.split(":", maxsplit=1)[0].strip() not in line.removeprefix(f"error: {other}")


# --- 12. smaller -----------------------------------------------------------------------


class _Interrupting(importlib.abc.MetaPathFinder):
    """Ctrl-C while the command line's modules load."""

    def find_spec(self, name: str, *_: object) -> None:
        if name == "simulator.cli":
            raise KeyboardInterrupt


def test_ctrl_c_while_loading_exits_130_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "simulator.cli")
    monkeypatch.setattr(sys, "meta_path", [_Interrupting(), *sys.meta_path])
    with pytest.raises(SystemExit) as stop:
        entry.main()
    assert stop.value.code == 130
    assert capsys.readouterr().err == "interrupted: stopped by SIGINT while starting\n"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("name: Visitor A", 'name: "\\e[31mA"', "visitors.a.name"),
        ("name: Visitor A", 'name: "A\\0"', "visitors.a.name"),
        ("name: Visitor A", 'name: "A\\nB"', "visitors.a.name"),
        ("name: Visitor A", 'name: "A\\u202eB"', "visitors.a.name"),
        ("track: economic", 'track: economic\n    role: "\\x9b2J"', "visitors.a.role"),
        ("host:\n", 'host:\n  name: "\\x07"\n', "host.name"),
        ("name: two_visitors", 'name: two_visitors\ndescription: "a\\x1bb"', "description"),
    ],
)
def test_control_characters_are_refused_in_names_and_texts(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    line = rejected(invoke("validate", variant(tmp_path, old, new)))
    assert f": {field}: contains the control character U+" in line, line
    assert line.isprintable()


def test_descriptions_and_quotes_may_keep_newlines_and_tabs(tmp_path: Path) -> None:
    path = variant(tmp_path, "name: two_visitors", 'name: two_visitors\ndescription: "a\\n\\tb"')
    assert load_scenario(path).description == "a\n\tb"


def test_contradicting_constraints_are_located(tmp_path: Path) -> None:
    path = variant(
        tmp_path, "objective:", "constraints:\n  - before: [a, b]\n  - first: b\nobjective:"
    )
    line = rejected(invoke("validate", path))
    assert line == (
        f"error: {path}:44: constraints[1]: no ordering satisfies the constraints up to this "
        "one: nothing can come before 'b', which is first"
    )


def test_renaming_an_id_with_set_blames_the_option() -> None:
    line = rejected(invoke("validate", TWO, "--set", "visitors.a.id=z"))
    assert line.startswith("error: --set visitors.a.id=z: effects.precedence_costs[0].earlier: ")
    line = rejected(invoke("validate", TWO, "--set", "visitors.a.id=b"))
    assert line.startswith("error: --set visitors.a.id=b: visitors.b.id: visitor id 'b' is used")


def test_missing_glyphs_do_not_warn(tmp_path: Path) -> None:
    figure = plotting.new_figure()
    figure.suptitle("李强 🚀")
    plotting.save_png(figure, tmp_path / "f.png")  # the suite turns warnings into errors
    assert (tmp_path / "f.png").stat().st_size > 0
