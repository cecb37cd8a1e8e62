"""report.html: structure, embedded figures, the answer, and `visitsim report RUN_DIR`."""

from __future__ import annotations

import base64
import json
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.api import run_scenario
from simulator.cli import main
from simulator.experiment import AdaptiveSettings
from simulator.output.assumptions import describe_distribution
from simulator.output.figures import FIGURES, write_figures
from simulator.output.report import write_report
from simulator.output.runfiles import RunFiles
from simulator.scenario import Visitor

from .test_figures import PNG_SIGNATURE, gated_scenario

SECTIONS = (
    "question",
    "recommendation",
    "calendar",
    "ranking",
    "figures",
    "assumptions",
    "provenance",
)


@dataclass
class Page(HTMLParser):
    """What the tests look at in a page: sections' text, tables' rows, images, links."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    tables: dict[str, list[list[str]]] = field(default_factory=dict)
    row_classes: dict[str, list[str | None]] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    _section: str | None = None
    _table: str | None = None
    _cell: list[str] | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self._section = a.get("id") or ""
            self.sections[self._section] = []
        elif tag == "table":
            self._table = a.get("class") or ""
            self.tables[self._table] = []
            self.row_classes[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
            self.row_classes[self._table].append(a.get("class"))
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "img":
            self.images.append(a.get("src") or "")
        for name in ("src", "href"):
            value = a.get(name) or ""
            if value and not value.startswith(("data:", "#")):
                self.external.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table is not None and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._section is not None:
            self.sections[self._section].append(data)
        if self._cell is not None:
            self._cell.append(data)

    def text(self, section: str) -> str:
        return " ".join(" ".join(self.sections[section]).split())


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs")
    directory = run_scenario(gated_scenario(), replications=40, seed=5, out=out).directory
    run = RunFiles.read(directory)
    write_figures(run)
    write_report(run)
    return directory


@pytest.fixture(scope="module")
def page(run_dir: Path) -> Page:
    return parse(run_dir / "report.html")


def test_every_section_is_present_and_not_empty(page: Page) -> None:
    assert list(page.sections) == list(SECTIONS)
    for name in SECTIONS:
        assert len(page.text(name)) > 40, name


def test_the_page_is_self_contained(page: Page) -> None:
    assert page.external == []
    assert "script" not in page.tags
    assert "link" not in page.tags


def test_every_figure_is_embedded_as_a_png(page: Page) -> None:
    assert len(page.images) == len(FIGURES)
    for src in page.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        data = base64.b64decode(src.removeprefix(prefix), validate=True)
        assert data.startswith(PNG_SIGNATURE)
        assert len(data) > 1000
    for spec in FIGURES:
        assert spec.title in page.text("figures")


def test_the_ranking_table_lists_every_ordering_best_first(page: Page, run_dir: Path) -> None:
    ranking = (run_dir / "ranking.csv").read_text().splitlines()[1:]
    rows = page.tables["ranking"]
    header, body = rows[0], rows[1:]
    assert header[:4] == ["rank", "ordering", "mean", "95% CI"]
    assert [r[0] for r in body] == [str(i + 1) for i in range(len(ranking))]
    assert page.row_classes["ranking"][1] == "best"
    assert all(cell for row in body for cell in row[:6])
    first = ranking[0].split('"')[1].split(",")
    assert body[0][1] == " → ".join(v.upper() for v in first)  # display names A, B, C


def test_the_recommendation_names_the_best_ordering_and_how_sure(page: Page, run_dir: Path) -> None:
    best = json.loads((run_dir / "summary.json").read_text())["best"]
    text = page.text("recommendation")
    assert "Best by mean utility: " + " → ".join(v.upper() for v in best) in text
    assert "P(best) = " in text
    assert "40 replications" in text
    assert "Multiple comparisons with the best" in text


def test_the_assumptions_carry_the_scenario_quotes(page: Page) -> None:
    text = page.text("assumptions")
    assert "the teams are tied up until the deal" in text
    assert "b should go first" in text
    gates = {row[0]: row for row in page.tables["gates"][1:]}
    assert set(gates) == {"summit", "deal"}
    assert "crisis with probability 0.2" in gates["deal"][2]
    assert "Median opening" in gates["deal"][2]
    assert len(page.tables["visitors"]) == 1 + 3
    numbers = dict(row for row in page.tables["numbers"] if len(row) == 2)
    assert numbers["Objective (utility)"] == (
        "1 × agenda_value + 0.1 × visits_completed − 1 × precedence_cost"
    )


def test_provenance_records_seed_versions_and_command(page: Page, run_dir: Path) -> None:
    rows = dict(row for row in page.tables["provenance"] if len(row) == 2)
    assert rows["Seed"] == "5"
    assert rows["Status"] == "complete"
    assert rows["Run folder"] == run_dir.name
    assert rows["Design"] == "fixed: 40 per ordering"
    versions = dict(row for row in page.tables["versions"] if len(row) == 2)
    assert versions["visitsim"]
    assert versions["numpy"]


def test_an_adaptive_report_states_the_guarantee(tmp_path: Path) -> None:
    settings = AdaptiveSettings(delta=0.5, n0=10, batch=10, max_replications=60)
    done = run_scenario(gated_scenario(), adaptive=settings, seed=3, out=tmp_path)
    assert parse(done.directory / "report.html").images, "the run draws its figures"
    shutil.rmtree(done.directory / "figures")
    page = parse(write_report(RunFiles.read(done.directory)))
    text = page.text("recommendation")
    assert text.startswith("Recommendation Selected: ")
    assert done.design["guarantee"] in text
    assert "spent" in text
    header = page.tables["ranking"][0]
    assert header[-2:] == ["replications", "out"]
    assert page.images == []  # no figures drawn yet: the page says how to draw them
    assert "visitsim report" in page.text("figures")


def test_visitsim_report_rebuilds_figures_and_page(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / run_dir.name
    shutil.copytree(run_dir, copy)
    shutil.rmtree(copy / "figures")
    (copy / "report.html").unlink()
    result = CliRunner().invoke(main, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == str(copy / "report.html")
    for spec in FIGURES:
        assert (copy / "figures" / spec.name).read_bytes().startswith(PNG_SIGNATURE)
    assert (copy / "report.html").read_text() != ""
    # Same files in, same page out (the run directory's path aside).
    again = (run_dir / "report.html").read_text().replace(str(run_dir), str(copy))
    assert (copy / "report.html").read_text() == again


def test_the_page_a_run_writes_is_final_and_rebuilt_byte_for_byte(tmp_path: Path) -> None:
    """The page `run` writes shows the final manifest (complete, with its end time), so
    `visitsim report` on the same files gives the same bytes."""
    done = run_scenario(gated_scenario(), replications=20, seed=7, out=tmp_path)
    written = (done.directory / "report.html").read_bytes()
    figures = {spec.name: (done.directory / "figures" / spec.name).read_bytes() for spec in FIGURES}
    manifest = json.loads((done.directory / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert {"report.html", *(f"figures/{name}" for name in figures)} <= set(manifest["files"])
    rows = dict(row for row in parse(done.directory / "report.html").tables["provenance"])
    assert rows["Status"] == "complete"
    assert rows["Ended"] == manifest["ended"] != ""
    result = CliRunner().invoke(main, ["report", str(done.directory)])
    assert result.exit_code == 0, result.output
    assert (done.directory / "report.html").read_bytes() == written
    for name, data in figures.items():
        assert (done.directory / "figures" / name).read_bytes() == data, name


def test_orderings_tied_in_every_world_both_stay_in_contention(tmp_path: Path) -> None:
    """At precedence cost 1.0 both orderings of two_visitors have identical outcomes in
    every world: MCB rules neither out, in the terminal and on the page."""
    scenario = Path(__file__).resolve().parent / "scenarios" / "two_visitors.yaml"
    tie = "effects.precedence_costs.0.cost=1.0"
    args = ["run", str(scenario), "--set", tie, "-n", "20", "--out", str(tmp_path), "--quiet"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "0 of 2 orderings are ruled out as best; still in contention: a→b, b→a." in " ".join(
        result.stdout.split()
    )
    (page,) = tmp_path.glob("two_visitors/*/report.html")
    assert "0 of 2 orderings are ruled out as best; 2 remain in contention." in parse(page).text(
        "recommendation"
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "nowhere", "no such results directory"),
        (lambda d: d, "not a results directory (no manifest.json)"),
    ],
)
def test_visitsim_report_on_a_bad_directory_exits_2(
    tmp_path: Path, make: object, message: str
) -> None:
    target = make(tmp_path)  # type: ignore[operator]
    result = CliRunner().invoke(main, ["report", str(target)])
    assert result.exit_code == 2
    assert result.stderr == f"error: {target}: {message}" + (
        "; give a run's folder, e.g. results/<scenario>/<run-id>\n" if target == tmp_path else "\n"
    )
    assert "Traceback" not in result.output


def test_distributions_are_described_in_words() -> None:
    visitor = Visitor.model_validate(
        {
            "id": "v",
            "name": "V",
            "track": "t",
            "preparation": {"dist": "triangular", "low": 7, "mode": 14, "high": 30},
            "visit_days": 2,
        }
    )
    assert describe_distribution(visitor.preparation) == (
        "triangular 7 / 14 / 30 (low / mode / high); mean 17"
    )
    assert describe_distribution(visitor.visit_days) == "2"
