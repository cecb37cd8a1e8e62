"""Every command's output piped at 80 columns: nothing over 80 columns, no trailing
spaces, nothing cut off (rich's "…"), the legends and ↓ markers present, and orderings
written one way, a→b→c.

`long_names.yaml` has orderings too long for the ranking table's column and a swept
path longer than its column's header, so the tables must wrap rather than truncate.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from rich.console import Console
from rich.table import Table

from simulator.cli import main
from simulator.output.terminal import Pieces, Printer, _rstrip, wrap

HERE = Path(__file__).resolve().parent
LONG = HERE / "scenarios" / "long_names.yaml"
FLAGSHIP = HERE.parent / "scenarios" / "us_china_2023.yaml"
IDS = ("foreign_minister", "trade_representative", "climate_envoy")
ORDERING = "→".join(IDS)
FAST = ("--executor", "serial", "-q", "--seed", "3")
SWEPT = "visitors.trade_representative.earliest_day"
PARAM = "host.preference.penalty=0:1"

COMMANDS: dict[str, list[str | Path]] = {
    "run": ["run", LONG, "-n", "20", *FAST],
    "compare": [
        "compare",
        LONG,
        "--ordering",
        ",".join(IDS),
        "--ordering",
        ",".join(reversed(IDS)),
        "--metric",
        "utility",
        "--metric",
        "day.climate_envoy",
        "-n",
        "20",
        "--executor",
        "serial",
    ],
    "variants": ["compare", LONG, LONG, "-n", "10", "--executor", "serial"],
    "sweep": ["sweep", LONG, "--vary", f"{SWEPT}=0:10:2", "-n", "10", *FAST],
    "sensitivity": ["sensitivity", LONG, "--param", PARAM, "--samples", "2", "-n", "10", *FAST],
    "robustness": ["robustness", LONG, "--param", PARAM, "--samples", "2", "-n", "10", *FAST],
    "replay": ["run", FLAGSHIP, "--trace"],
    "validate": ["validate", LONG],
}


def invoke(args: list[str | Path], columns: int = 80) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], env={"COLUMNS": str(columns)})


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each command's stdout, written into a fresh results folder."""
    out = tmp_path_factory.mktemp("width")
    printed = {}
    for name, args in COMMANDS.items():
        writes = name not in ("replay", "validate")
        result = invoke([*args, "--out", out] if writes else args)
        assert result.exit_code == 0, (name, result.output)
        printed[name] = result.stdout
    return printed


def laid_out(text: str) -> list[str]:
    """The lines of `text` that must fit the width (a results path is whole on its line)."""
    return [line for line in text.splitlines() if not line.startswith("Results: ")]


def joined(text: str) -> str:
    """`text` as one line: wrapped lines rejoined, an ordering broken after an arrow too."""
    return re.sub(r"→ ", "→", " ".join(text.split()))


@pytest.mark.parametrize("name", list(COMMANDS))
def test_piped_output_fits_80_columns_uncut(outputs: dict[str, str], name: str) -> None:
    text = outputs[name]
    lines = laid_out(text)
    assert max(len(line) for line in lines) <= 80, text
    assert all(line == line.rstrip() for line in text.splitlines()), text
    assert "…" not in text
    written_with_commas = re.compile(rf"\b({'|'.join(IDS)}),({'|'.join(IDS)})\b")
    assert not written_with_commas.search(text), text


def test_run_has_its_legend_and_whole_orderings(outputs: dict[str, str]) -> None:
    text = outputs["run"]
    table, after = text.split("\n\n", 2)[1:]
    assert after.startswith(
        "P(best): chance of the highest mean utility. SUCRA: from 1 (always ranked first)"
    )
    assert "MCB: Hsu's multiple comparisons with the best." in joined(after)
    # The ordering column is too narrow for a whole ordering: it breaks after an arrow.
    assert re.search(r"→ +\d", table)
    ids = "|".join(IDS)
    assert re.search(rf"Best by mean utility: ({ids})→({ids})→({ids}) \(P", joined(after))


def test_compare_keeps_the_lower_is_better_marker(outputs: dict[str, str]) -> None:
    text = outputs["compare"]
    rows = [line for line in text.splitlines() if line.lstrip().startswith("day.climate_envoy")]
    assert len(rows) >= 2  # the means table and the tests table
    assert all("↓" in row for row in rows[:2])
    assert "↓: lower is better." in text
    assert f"A: {ORDERING}" in text


def test_sweep_header_wraps_instead_of_truncating(outputs: dict[str, str]) -> None:
    header = outputs["sweep"].split("─")[0].split("\n\n")[1]
    assert "".join(line.split()[0] for line in header.splitlines() if line.strip()) == SWEPT


def test_replay_trace_wraps_long_events_under_themselves(outputs: dict[str, str]) -> None:
    lines = outputs["replay"].splitlines()
    assert lines[0] == (
        "us_china_2023: replication 0 of blinken→yellen→raimondo→kerry (seed 20230517)"
    )
    events = lines[lines.index("") + 2 : lines.index("the visitors side by side:") - 1]
    continued = [line for line in events if line.startswith(" " * 20)]
    assert continued  # the flagship has events longer than a line
    column = events[0].index("plan")
    assert all(line[:column].strip() == "" and line[column] != " " for line in continued)


def test_a_narrow_terminal_still_shows_everything(tmp_path: Path) -> None:
    result = invoke([*COMMANDS["run"], "--out", tmp_path], columns=50)
    assert result.exit_code == 0, result.output
    lines = laid_out(result.stdout)
    assert max(len(line) for line in lines) <= 50, result.stdout
    assert "…" not in result.stdout
    # Each visitor id is whole on some line of the table: orderings break at arrows only.
    table = result.stdout.split("─")[-1]
    assert all(re.search(rf"(^|→|\s){name}(→|\s|$)", table, re.M) for name in IDS)


def test_wrap_breaks_after_arrows_and_never_cuts_a_word() -> None:
    text = "the best ordering becomes foreign_minister→trade_representative→climate_envoy"
    lines = wrap(text, 40, "  ")
    assert lines == [
        "the best ordering becomes",
        "  foreign_minister→trade_representative→",
        "  climate_envoy",
    ]
    assert wrap("x" * 50, 10) == ["x" * 50]


def test_pieces_break_only_after_their_separator() -> None:
    table = Table(box=None)
    table.add_column("ordering")
    table.add_row(Pieces(ORDERING))
    console = Console(width=30, record=True)
    with console.capture() as captured:
        console.print(table)
    lines = [line.strip() for line in captured.get().splitlines() if line.strip()]
    assert lines == ["ordering", "foreign_minister→", "trade_representative→", "climate_envoy"]


def test_trailing_spaces_go_but_style_codes_stay() -> None:
    assert _rstrip("a  \x1b[1m \x1b[0m") == "a\x1b[1m\x1b[0m"
    assert _rstrip("a b") == "a b"


def test_printer_keeps_the_results_line_whole(capsys: pytest.CaptureFixture[str]) -> None:
    path = "/" + "x" * 100
    printer = Printer()
    printer.print("word " * 30)
    printer.lines([f"Results: {path}"])
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == f"Results: {path}"
    assert all(len(line) <= printer.width for line in out[:-1])
