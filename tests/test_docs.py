"""The docs cannot drift: every command example runs, the README stays short, every page
is in the site's navigation.

Each `$ visitsim ...` example of README.md and docs/*.md runs through the command line
(tests/docs_examples.py) and must exit with the status it documents (2 where it shows an
error, else 0). Examples that simulate run with a small budget (20 replications, serial,
figures drawn blank), which checks that they still parse and run; the others (init,
validate, schema, a replay, every error) run exactly as written and must print the
lines shown. `bench/docs_examples.py` checks the simulated outputs at their budgets.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.figure
import pytest
import yaml
from pymdownx.slugs import slugify

from tests.docs_examples import (
    PAGES,
    ROOT,
    Example,
    all_blocks,
    missing,
    prepare,
    run,
    small,
)

BLOCKS = all_blocks()
README_LINES = 320
# A 1x1 PNG: the figures' drawing is tested elsewhere and takes seconds per run.
BLANK_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def _blank(_figure: matplotlib.figure.Figure, target: object, **_options: object) -> None:
    if hasattr(target, "write"):
        target.write(BLANK_PNG)  # type: ignore[union-attr]
    else:
        Path(str(target)).write_bytes(BLANK_PNG)


def test_the_docs_have_examples_of_every_command() -> None:
    commands = {example.argv[0] for block in BLOCKS for example in block}
    expected = {"init", "validate", "run", "compare", "sweep", "sensitivity", "robustness"}
    assert expected | {"report", "reproduce", "schema"} <= commands


@pytest.mark.parametrize("block", BLOCKS, ids=[f"{b[0].page}:{b[0].line}" for b in BLOCKS])
def test_every_command_example_runs(
    block: list[Example], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", _blank)
    prepare(tmp_path, block, "20")
    for example in block:
        status, output = run(example, small(example), tmp_path)
        assert status == example.status, f"{example}\n{output}"
        if not example.simulates:
            assert not missing(example, output), f"{example}\n{output}"


def test_the_readmes_links_into_the_docs_resolve() -> None:
    """mkdocs checks the pages' links; the README is not a page, so its links are
    checked here: the page exists and the anchor is one of its headings (GitHub's ids,
    which mkdocs.yml makes the site's too)."""
    slug = slugify(case="lower")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((docs/[^)#]+\.md)(?:#([^)]+))?\)", readme)
    assert links
    for page, anchor in links:
        path = ROOT / page
        assert path.is_file(), page
        headings = re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        ids = {slug(re.sub(r"[`*]", "", h), "-") for h in headings}
        assert not anchor or anchor in ids, f"{page}#{anchor}"
    for image in re.findall(r"!\[[^\]]*\]\((docs/[^)]+)\)", readme):
        assert (ROOT / image).is_file(), image


def test_the_readme_stays_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_LINES, f"README.md has {lines} lines; move detail into docs/"


class _Config(yaml.SafeLoader):
    """Reads mkdocs.yml, taking its Python tags (the heading-id function) as null."""


_Config.add_multi_constructor("tag:yaml.org,2002:python/", lambda *_args: None)


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Config)
    listed = set()
    for entry in config["nav"]:
        listed.update(entry.values())
    pages = {p.name for p in PAGES if p.parent.name == "docs"}
    assert pages == listed
