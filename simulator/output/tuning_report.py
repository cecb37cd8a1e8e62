"""report.html of compare, sweep, sensitivity and robustness: the page a run has, with
each command's own sections.

Every page has the same template (`templates/tuning.html.j2`, which extends the shared
`page.html.j2`) and style as a run's report: the question, the answer in a sentence, the
tables behind it, the figures (embedded) and the provenance from the final manifest.
This module holds what the pages share (their parts, the cells' number formats, the
question and figures sections) and writes them; each command's sections are built in
its own module (`compare_report`, `sweep_report`, `sensitivity_report`,
`robustness_report`) from the command's result and the JSON document it wrote, with
the same sentences the terminal prints, so the page and the terminal never disagree.
A page is written once the command's manifest is final; if drawing it fails, the
result files stay and the manifest records why (`presentation_error`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..scenario import Scenario
from ..stats.compare import Difference
from . import files
from .page import embed_figure, provenance, render_page
from .rundir import RunDirectory
from .tables import Document

ROWS = 50
"""Orderings listed in a page's tables at most; the CSV files have them all."""


@dataclass(frozen=True)
class Table:
    """A table of a page: a CSS class, a header, text cells; `numeric` columns align
    right; `best` highlights the first row."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()
    best: bool = False
    title: str = ""
    note: str = ""


@dataclass(frozen=True)
class Section:
    """A section of a page: a lead sentence (the answer), paragraphs, tables, figures."""

    id: str
    title: str
    lead: Sequence[str] = ()
    paragraphs: Sequence[str] = ()
    tables: Sequence[Table] = ()
    figures: Sequence[dict[str, str]] = ()
    no_figures: str = ""


@dataclass(frozen=True)
class Page:
    """A command's page: its heading, a line under it, and its sections."""

    heading: str
    meta: str
    sections: Sequence[Section]


def sig(x: float | None, digits: int = 3) -> str:
    """A number to `digits` significant digits; a dash if it is missing."""
    return "–" if x is None or math.isnan(x) else f"{x:.{digits}g}"


def fixed(x: float | None, digits: int = 3) -> str:
    """A number to `digits` decimals; a dash if it is missing."""
    return "–" if x is None or math.isnan(x) else f"{x:.{digits}f}"


def interval(d: Difference | Document) -> str:
    """A mean difference and its confidence interval."""
    mean, low, high = (
        (d.mean, d.ci_low, d.ci_high)
        if isinstance(d, Difference)
        else (d["mean"], d["ci_low"], d["ci_high"])
    )
    return f"{fixed(mean)} [{fixed(low)}, {fixed(high)}]"


def share(x: float | None) -> str:
    """A share as a whole percentage; a dash if it is missing."""
    return "–" if x is None else f"{x:.0%}"


def question(scenario: Scenario, text: str) -> Section:
    """The page's first section: the question the command answers, and the scenario's
    own description."""
    paragraphs = [text]
    if scenario.description:
        paragraphs.append(f"The scenario: {scenario.description}")
    return Section("question", "The question", paragraphs=paragraphs)


def figures_section(directory: RunDirectory, specs: Sequence[tuple[str, str, str]]) -> Section:
    """The figures (file, title, caption) the command drew, embedded."""
    drawn = (embed_figure(directory.path, *spec) for spec in specs)
    return Section(
        "figures",
        "Figures",
        figures=[figure for figure in drawn if figure is not None],
        no_figures="The command drew no figures.",
    )


def size_text(document: Document) -> str:
    """Replications and seed, as the page's line under its heading says them."""
    return f"{document['replications']:,} replications, seed {document['seed']}"


def write_page(directory: RunDirectory, build: Callable[[], Page]) -> None:
    """Write report.html into a finished command's folder and list it in the manifest.

    Called once the manifest is final, so the page's provenance is the manifest's. A page
    presents results but is not one: if building it fails, the manifest records why.
    """
    manifest = directory.manifest
    try:
        page = build()
        kind = str(manifest.get("kind", ""))
        per = {"compare": "", "score": "", "sweep": " per point"}.get(kind, " per setting")
        settings = f"{manifest.get('replications', 0):,} replications{per}"
        html = render_page(
            "tuning.html.j2",
            command=kind,
            page=page,
            provenance=provenance(
                directory.path,
                manifest,
                str(manifest.get("scenario", {}).get("name", "")),
                settings,
                label="Results folder",
            ),
        )
        files.write_text(directory.path / "report.html", html)
    except Exception as error:  # a page must never cost the results
        manifest["presentation_error"] = f"{type(error).__name__}: {error}"
    else:
        manifest["files"].append("report.html")
    directory.save()
