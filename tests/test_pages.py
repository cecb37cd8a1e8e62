"""report.html of compare, sweep, sensitivity and robustness: one page per command, in the
run report's template and style, self-contained, written from the final manifest."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import matplotlib.image
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.output import tuning_report

from .test_figures import PNG_SIGNATURE
from .test_report import Page, parse

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
COST = "effects.precedence_costs.0.cost"
FAST = ("--executor", "serial", "-n", "10")

COMMANDS: dict[str, tuple[str, ...]] = {
    "compare": ("--ordering", "a,b", "--ordering", "b,a", "--metric", "utility"),
    "sweep": ("--vary", f"{COST}=0:2:3", "-q"),
    "sensitivity": (
        "--param",
        f"{COST}=0:2",
        "--param",
        "shocks.postpone_days=0:60",
        "--samples",
        "2",
        "-q",
    ),
    "robustness": ("--param", f"{COST}=0:2", "--samples", "4", "-q"),
}
FIGURES = {
    "compare": ["ecdf_utility", "difference_utility"],
    "sweep": ["sweep"],
    "sensitivity": ["tornado"],
    "robustness": ["regret"],
}


def run_command(kind: str, out: Path) -> Path:
    """Run one tuning command on the two-visitor scenario; return its results folder."""
    args = [kind, str(SCENARIO), *COMMANDS[kind], *FAST, "--out", str(out), "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return Path(json.loads(result.stdout)["results"])


@pytest.fixture(scope="module", params=list(COMMANDS))
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_command(request.param, tmp_path_factory.mktemp(request.param))


def kind_of(folder: Path) -> str:
    return folder.name.split("-")[0]


def test_every_command_writes_a_page_listed_in_its_final_manifest(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert "report.html" in manifest["files"]
    assert "presentation_error" not in manifest
    page = parse(folder / "report.html")
    provenance = dict(row for row in page.tables["provenance"] if len(row) == 2)
    assert provenance["Status"] == "complete"  # written from the final manifest
    assert provenance["Ended"] == manifest["ended"]
    assert provenance["Seed"] == str(manifest["seed"])


def test_the_page_shares_the_run_reports_template_and_is_self_contained(folder: Path) -> None:
    text = (folder / "report.html").read_text()
    run_style = (
        Path(__file__).resolve().parent.parent / "simulator/output/templates/page.html.j2"
    ).read_text()
    style = run_style[run_style.index("<style>") : run_style.index("</style>")]
    assert style in text  # the one shared style, as is
    page = parse(folder / "report.html")
    assert list(page.sections) == ["question", "result", "figures", "provenance"]
    assert page.external == []
    assert "script" not in page.tags
    assert "link" not in page.tags
    for name in ("question", "result"):
        assert len(page.text(name)) > 60, name


def test_the_commands_figures_are_embedded(folder: Path) -> None:
    page = parse(folder / "report.html")
    expected = FIGURES[kind_of(folder)]
    assert len(page.images) == len(expected)
    for src, name in zip(page.images, expected, strict=True):
        data = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert data == (folder / "figures" / f"{name}.png").read_bytes()
        assert data.startswith(PNG_SIGNATURE)


def test_the_page_says_what_the_terminal_says(folder: Path, tmp_path: Path) -> None:
    """The lead sentences are the command's own (JSON statements or terminal sentences)."""
    kind = kind_of(folder)
    page = parse(folder / "report.html")
    result = page.text("result")
    if kind == "sweep":
        tipping = json.loads((folder / "tipping_points.json").read_text())["tipping_points"]
        assert tipping, "a sweep of a over 0..2 flips at 1"
        for point in tipping:
            assert " ".join(point["statement"].split()) in result
    else:
        table = CliRunner().invoke(
            main, [kind, str(SCENARIO), *COMMANDS[kind], *FAST, "--out", str(tmp_path)]
        )
        assert table.exit_code == 0, table.output
        printed = " ".join(table.stdout.split())
        findings = [
            " ".join(html.unescape(x).split())
            for x in re.findall(
                r'<p class="finding">(.*?)</p>', (folder / "report.html").read_text()
            )
        ]
        assert findings
        for finding in findings:
            # sensitivity's first clause names the ordering, in the page's notation
            assert (finding.split("; ", 1)[1] if kind == "sensitivity" else finding) in printed


def test_robustness_draws_regret_per_ordering_across_settings(tmp_path: Path) -> None:
    folder = run_command("robustness", tmp_path)
    document = json.loads((folder / "robustness.json").read_text())
    image = matplotlib.image.imread(folder / "figures" / "regret.png")
    assert image.shape[1] >= 8 * 150
    assert "figures/regret.png" in json.loads((folder / "manifest.json").read_text())["files"]
    page: Page = parse(folder / "report.html")
    rows = page.tables["robustness"][1:]
    assert [r[0] for r in rows] == [str(o["rank"]) for o in document["orderings"]]
    assert page.row_classes["robustness"][1] == "best"


def test_a_failing_page_keeps_the_results_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("no template")

    monkeypatch.setattr(tuning_report, "render_page", broken)
    folder = run_command("robustness", tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["presentation_error"] == "RuntimeError: no template"
    assert not (folder / "report.html").exists()
    assert (folder / "robustness.csv").is_file()


def test_comparing_two_variants_writes_a_page_of_rank_moves(tmp_path: Path) -> None:
    args = ["compare", str(SCENARIO), str(SCENARIO), *FAST, "--out", str(tmp_path)]
    result = CliRunner().invoke(main, [*args, "--set", f"{COST}=2", "--format", "json"])
    assert result.exit_code == 0, result.output
    folder = Path(json.loads(result.stdout)["results"])
    page = parse(folder / "report.html")
    assert list(page.sections) == ["question", "result", "provenance"]
    rows = page.tables["variants"]
    assert rows[0][:3] == ["#A", "#B", "ordering"]
    assert {r[2] for r in rows[1:]} == {"a→b", "b→a"}
    assert "shared orderings" in page.text("result")
