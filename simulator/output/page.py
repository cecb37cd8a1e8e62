"""What every command's report.html shares: the template, figure embedding, provenance.

`templates/page.html.j2` holds the head, the style (one for every command, readable on a
phone: wide tables scroll inside their own box, figures shrink to the screen), the
header and the provenance section; each command's template extends it with its own
sections (`report.html.j2` for `run`, `compare.html.j2`, `sweep.html.j2`, ...). Figures
are embedded as base64 data URIs, so the page is one file that renders offline.
"""

from __future__ import annotations

import base64
import shlex
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

Provenance = dict[str, list[tuple[str, str]]]


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("simulator.output", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_page(template: str, **context: Any) -> str:
    """A command's page: its template (extending page.html.j2) rendered, as HTML text."""
    return _environment().get_template(template).render(**context)


def embed_figure(folder: Path, name: str, title: str, caption: str) -> dict[str, str] | None:
    """A figure file of a results folder as a page figure (None if it was not drawn)."""
    path = folder / name
    if not path.is_file():
        return None
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {
        "id": Path(name).stem,
        "title": title,
        "caption": caption,
        "src": f"data:image/png;base64,{data}",
    }


def provenance(
    folder: Path, manifest: dict[str, Any], scenario: str, design: str, label: str = "Run folder"
) -> Provenance:
    """The provenance table of a results folder, from its manifest: where, how it ended,
    which scenario and seed, the design in words, the executor, times and command."""
    command = manifest.get("command") or []
    rows = [
        (label, folder.name),
        ("Status", str(manifest.get("status", "unknown"))),
        ("Scenario", f"{scenario} (hash {manifest.get('scenario', {}).get('hash', '?')})"),
        ("Seed", str(manifest.get("seed", ""))),
        ("Design", design),
        ("Executor", f"{manifest.get('executor', '')} ({_workers(manifest.get('workers'))})"),
        ("Started", str(manifest.get("started", ""))),
        ("Ended", str(manifest.get("ended") or "")),
        ("Command", shlex.join(str(c) for c in command)),
    ]
    return {"rows": rows, "versions": sorted((manifest.get("versions") or {}).items())}


def _workers(n: object) -> str:
    """`1 worker`, `2 workers`."""
    return f"{n} worker" if n == 1 else f"{n} workers"
