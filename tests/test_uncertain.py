"""The scenario's `uncertain:` block: declared once, checked at load with file:line
messages, inherited through `extends:`, and used by sweep, sensitivity and robustness
whenever no --vary/--param is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from scipy import stats

from simulator import api
from simulator.cli import main
from simulator.errors import InputError
from simulator.scenario import load_scenario
from simulator.tuning import Assumption, declared_assumptions

HERE = Path(__file__).resolve().parent
BASE_TEXT = (HERE / "scenarios" / "two_visitors.yaml").read_text(encoding="utf-8")
SCENARIOS = HERE.parent / "scenarios"
COST_AB = "effects.precedence_costs.0.cost"

DECLARED = f"""uncertain:
  - path: {COST_AB}
    range: [0, 2]
    reason: "assumption: what a before b costs"
    points: 5
  - path: host.acceptance
    dist: {{dist: triangular, low: 0.5, mode: 0.8, high: 0.95}}
    reason: "assumption: how keen the host is"
"""


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def write(folder: Path, block: str, name: str = "s.yaml", text: str = BASE_TEXT) -> Path:
    path = folder / name
    path.write_text(text + block, encoding="utf-8")
    return path


START = BASE_TEXT.count("\n") + 1
"""The line on which a block appended to the base text starts."""


# --- the declaration ---------------------------------------------------------------------


def test_the_declaration_gives_assumption_records(tmp_path: Path) -> None:
    block = DECLARED + (
        "  - path: host.max_attempts\n"
        "    range: [2, 6]\n"
        "    reason: assumption\n"
        "    points: 3\n"
        "  - path: host.retry_delay\n"
        "    dist: {dist: normal, mean: 5, sd: 1}\n"
        "    reason: assumption\n"
    )
    scenario = load_scenario(write(tmp_path, block))
    cost, acceptance, attempts, delay = declared_assumptions(scenario)
    assert cost == Assumption(COST_AB, 0.0, 2.0, 5, False, "assumption: what a before b costs")
    # A bounded distribution gives its support.
    assert (acceptance.low, acceptance.high, acceptance.points) == (0.5, 0.95, 9)
    # A whole-number field is marked, and its grid is whole numbers.
    assert attempts.integer
    assert attempts.grid() == (2.0, 4.0, 6.0)
    # An unbounded distribution gives its 5% and 95% quantiles.
    assert delay.low == pytest.approx(stats.norm.ppf(0.05, 5, 1))
    assert delay.high == pytest.approx(stats.norm.ppf(0.95, 5, 1))
    assert all(a.declared for a in (cost, acceptance, attempts, delay))


def test_a_scenario_without_the_block_declares_nothing() -> None:
    assert declared_assumptions(load_scenario(HERE / "scenarios" / "two_visitors.yaml")) == ()


def test_the_flagship_declares_its_open_questions_and_every_variant_keeps_them() -> None:
    declared = declared_assumptions(load_scenario(SCENARIOS / "us_china_2023.yaml"))
    assert 3 <= len(declared) <= 5
    assert declared[0].path == "host.preference.waiver.probability"
    for a in declared:
        assert a.reason is not None
        assert a.reason.startswith('"') or "assumption:" in a.reason
    for variant in SCENARIOS.glob("*.yaml"):
        assert declared_assumptions(load_scenario(variant)) == declared, variant


# --- bad entries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "offset", "message"),
    [
        (
            "  - path: host.acceptence\n    range: [0, 1]\n    reason: r\n",
            1,
            "uncertain[0].path: no field 'host.acceptence' in the scenario; "
            "did you mean 'acceptance'?",
        ),
        (
            "  - path: visitors.z.preparation\n    range: [1, 3]\n    reason: r\n",
            1,
            "uncertain[0].path: no item 'z'; available: ids a, b or indices 0 to 1",
        ),
        (
            "  - path: host.retry_delay\n    range: [1, 3]\n    reason: r\n"
            "  - path: host\n    range: [0, 1]\n    reason: r\n",
            4,
            "uncertain[1].path: not a numeric field (host is a mapping)",
        ),
        (
            "  - path: name\n    range: [0, 1]\n    reason: r\n",
            1,
            "uncertain[0].path: not a numeric field (name is text)",
        ),
        (
            "  - path: experiment.seed\n    range: [1, 3]\n    reason: r\n",
            1,
            "uncertain[0].path: experiment settings are not assumptions",
        ),
        (
            "  - path: uncertain.0.points\n    range: [2, 4]\n    reason: r\n",
            1,
            "uncertain[0].path: the uncertain assumptions' own entries are not assumptions",
        ),
        (
            "  - path: climate.initial\n    range: [-0.5, 0]\n    reason: r\n",
            1,
            "uncertain[0].path: climate.initial is a uniform distribution, not a number; "
            "allowed: one of its parameters, such as climate.initial.high",
        ),
        (
            "  - path: host.acceptance\n    range: [0.9, 0.5]\n    reason: r\n",
            2,
            "uncertain[0].range: needs low < high (got [0.9, 0.5])",
        ),
        (
            "  - path: host.acceptance\n    range: [0.5, 0.5]\n    reason: r\n",
            2,
            "uncertain[0].range: needs low < high (got [0.5, 0.5])",
        ),
        (
            "  - path: host.acceptance\n    range: [0.5, 1.5]\n    reason: r\n",
            2,
            "uncertain[0].range: at the high end (host.acceptance = 1.5) the scenario is "
            "invalid: host.acceptance: out of range (got 1.5); allowed: <= 1",
        ),
        (
            "  - path: host.acceptance\n    range: [0.5, 0.9]\n    reason: r\n"
            "  - path: host.acceptance\n    range: [0.6, 0.7]\n    reason: r\n",
            4,
            "uncertain[1].path: declared twice (also uncertain[0])",
        ),
        (
            "  - path: host.acceptance\n    range: [0.5, 0.9]\n",
            1,
            "uncertain[0].reason: missing required field",
        ),
        (
            "  - path: host.acceptance\n    range: [0.5, 0.9]\n    reason: r\n    colour: red\n",
            4,
            "uncertain[0].colour: unknown key 'colour'; allowed: path, range, dist, reason, points",
        ),
        (
            "  - path: host.acceptance\n    reason: r\n",
            1,
            "uncertain[0]: give either range: [low, high] or dist: (a distribution), not neither",
        ),
        (
            "  - path: host.acceptance\n"
            "    dist: {dist: lognormal, median: 1, sigma: 1000}\n    reason: r\n",
            2,
            "uncertain[0].dist: its 5%-95% range [0, inf] is not a finite range",
        ),
        (
            "  - path: host.acceptance\n    dist: 0.7\n    reason: r\n",
            2,
            "uncertain[0].dist: a fixed value (0.7) is not uncertain",
        ),
    ],
)
def test_bad_entries_are_reported_at_their_line(
    tmp_path: Path, entry: str, offset: int, message: str
) -> None:
    path = write(tmp_path, "uncertain:\n" + entry)
    result = invoke("validate", path)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"error: {path}:{START + offset}: {message}" in result.stderr, result.stderr


def test_a_corner_of_the_ranges_that_makes_the_scenario_invalid_is_reported(
    tmp_path: Path,
) -> None:
    # Each end is valid with the other bound as written (uniform on [-0.5, 0]), but
    # low = -0.2 with high = -0.3 is not.
    block = (
        "uncertain:\n"
        "  - path: climate.initial.low\n    range: [-0.9, -0.2]\n    reason: r\n"
        "  - path: climate.initial.high\n    range: [-0.3, 0.5]\n    reason: r\n"
    )
    path = write(tmp_path, block)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:{START}: uncertain: at the corner of the ranges")
    assert "climate.initial.low = -0.2, climate.initial.high = -0.3" in text


def test_an_override_can_change_an_entry_and_is_blamed_for_it(tmp_path: Path) -> None:
    path = write(tmp_path, DECLARED)
    loaded = load_scenario(path, ["uncertain.0.range=[0.5, 1.5]"])
    assert declared_assumptions(loaded)[0].low == 0.5
    result = invoke("validate", path, "--set", "uncertain.1.range=[0.1, 0.9]")
    assert result.exit_code == 2
    assert "give either range: [low, high] or dist: (a distribution), not both" in result.stderr


# --- inheritance through extends: --------------------------------------------------------


def test_a_variant_inherits_the_block_and_errors_point_at_the_file_that_wrote_it(
    tmp_path: Path,
) -> None:
    base = write(tmp_path, DECLARED, "base.yaml")
    variant = tmp_path / "variant.yaml"
    variant.write_text("extends: base.yaml\nname: variant\n", encoding="utf-8")
    assert declared_assumptions(load_scenario(variant)) == declared_assumptions(load_scenario(base))
    # A variant that removes what an inherited entry names: the error is at the entry,
    # in the file that wrote it.
    variant.write_text(
        "extends: base.yaml\nname: variant\neffects:\n  precedence_costs: []\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=rf"{base}:{START + 1}: uncertain\[0\]"):
        load_scenario(variant)


def test_a_variant_block_replaces_the_inherited_one(tmp_path: Path) -> None:
    write(tmp_path, DECLARED, "base.yaml")
    variant = write(
        tmp_path,
        "uncertain:\n  - path: host.retry_delay\n    range: [1, 3]\n    reason: other\n",
        "variant.yaml",
        "extends: base.yaml\nname: variant\n",
    )
    [only] = declared_assumptions(load_scenario(variant))
    assert (only.path, only.reason) == ("host.retry_delay", "other")
    empty = write(tmp_path, "uncertain: []\n", "empty.yaml", "extends: base.yaml\nname: e\n")
    assert declared_assumptions(load_scenario(empty)) == ()


# --- the tuning commands use the declaration by default ----------------------------------

SMALL = ("-n", "5", "--executor", "serial", "-q", "--format", "json")


def run_json(*args: str | Path) -> dict[str, object]:
    result = invoke(*args, *SMALL)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_sweep_varies_the_first_declared_assumption_unless_told(tmp_path: Path) -> None:
    path = write(tmp_path, DECLARED)
    declared = run_json("sweep", path, "--out", tmp_path / "r")
    assert declared["assumptions_from"] == {
        "source": "scenario",
        "text": "declared in the scenario",
    }
    [axis] = declared["axes"]  # type: ignore[misc]
    assert (axis["path"], axis["start"], axis["stop"], axis["points"]) == (COST_AB, 0, 2, 5)
    assert axis["reason"] == "assumption: what a before b costs"
    given = run_json("sweep", path, "--vary", "host.acceptance=0.5:0.9:2", "--out", tmp_path / "r")
    assert given["assumptions_from"] == {"source": "given", "text": "given with --vary"}
    assert [a["path"] for a in given["axes"]] == ["host.acceptance"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", ["sensitivity", "robustness"])
def test_sampling_commands_vary_every_declared_assumption_unless_told(
    tmp_path: Path, command: str
) -> None:
    path = write(tmp_path, DECLARED)
    extra = ("--samples", "2", *(("--ordering", "a,b") if command == "sensitivity" else ()))
    declared = run_json(command, path, *extra, "--out", tmp_path / "r")
    assert declared["assumptions_from"]["source"] == "scenario"  # type: ignore[index]
    parameters = declared["parameters"]
    assert [(p["path"], p["low"], p["high"]) for p in parameters] == [  # type: ignore[attr-defined]
        (COST_AB, 0, 2),
        ("host.acceptance", 0.5, 0.95),
    ]
    given = run_json(command, path, *extra, "--param", "host.acceptance=0.6:0.7", "--out", tmp_path)
    assert given["assumptions_from"] == {"source": "given", "text": "given with --param"}
    assert [(p["path"], p["reason"]) for p in given["parameters"]] == [  # type: ignore[attr-defined]
        ("host.acceptance", None)
    ]


def test_the_printed_output_says_where_the_assumptions_came_from(tmp_path: Path) -> None:
    path = write(tmp_path, DECLARED)
    args = ("-n", "5", "--executor", "serial", "-q", "--out", tmp_path / "r")
    result = CliRunner(env={"COLUMNS": "80"}).invoke(
        main, [str(a) for a in ("robustness", path, "--samples", "2", *args)]
    )
    assert result.exit_code == 0, result.output
    assert "Assumptions declared in the scenario:" in result.stdout
    assert "  host.acceptance from 0.5 to 0.95: assumption: how keen the host is" in result.stdout
    result = invoke("sweep", path, "--vary", f"{COST_AB}=0:1:2", *args)
    assert "Assumptions given with --vary:" in result.stdout


@pytest.mark.parametrize(
    ("command", "option"),
    [("sweep", "--vary PATH=START:STOP:N"), ("robustness", "--param PATH=LOW:HIGH")],
)
def test_without_a_declaration_or_an_option_the_error_says_how_to_declare(
    tmp_path: Path, command: str, option: str
) -> None:
    result = invoke(command, HERE / "scenarios" / "two_visitors.yaml", "--out", tmp_path)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: give {option}, or declare the scenario's uncertain")
    assert "`uncertain:` block" in result.stderr
    assert not tmp_path.exists() or not list(tmp_path.iterdir())


def test_the_python_api_uses_the_declaration_too(tmp_path: Path) -> None:
    done = api.sweep(write(tmp_path, DECLARED), replications=5, out=tmp_path / "r")
    assert [a.path for a in done.result.axes] == [COST_AB]
    assert done.document["assumptions_from"]["source"] == "scenario"
    manifest = json.loads((done.directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["assumptions_from"] == "scenario"
    assert manifest["vary"] == [f"{COST_AB}=0:2:5"]


def test_validate_lists_the_declared_assumptions() -> None:
    flagship = SCENARIOS / "us_china_2023.yaml"
    result = CliRunner(env={"COLUMNS": "80"}).invoke(main, ["validate", str(flagship)])
    assert result.exit_code == 0, result.output
    assert "  uncertain: host.preference.waiver.probability, host.preference.penalty," in (
        result.stdout
    )
    document = json.loads(invoke("validate", flagship, "--format", "json").stdout)
    assert document["uncertain"][0] == "host.preference.waiver.probability"
    assert len(document["uncertain"]) == 5
