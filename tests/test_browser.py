"""report.html in a real browser: nothing overflows a phone's or a laptop's screen, and
every figure loads. Headless Chromium from Debian's `chromium` and `chromium-driver`
packages (which `.ci/run` installs), driven by Selenium with both paths given, so
nothing is downloaded; skipped, with the reason, where they are not installed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver

from simulator.api import run_scenario

from .conftest import BROWSER_TESTS
from .test_figures import gated_scenario
from .test_pages import run_command

WIDTHS = (1280, 420)
"""A laptop and a phone, in CSS pixels."""

pytestmark = BROWSER_TESTS

LAYOUT = """
const width = window.innerWidth;
const outside = [];
for (const element of document.body.querySelectorAll('*')) {
  if (element.closest('.scroll')) continue;  // a wide table scrolls in its own box
  const right = element.getBoundingClientRect().right;
  if (right > width + 0.5) outside.push(`${element.tagName}.${element.className} ${right}`);
}
return {
  width: width,
  scrollWidth: document.documentElement.scrollWidth,
  outside: outside,
  images: Array.from(document.images).map(i => ({
    loaded: i.complete && i.naturalWidth > 0, shown: i.getBoundingClientRect().width
  })),
};
"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """run's report (a small run) and a tuning command's page (robustness)."""
    out = tmp_path_factory.mktemp("pages")
    run = run_scenario(gated_scenario(), replications=20, seed=5, out=out).directory
    return {
        "run": run / "report.html",
        "robustness": run_command("robustness", out) / "report.html",
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["run", "robustness"])
def test_the_page_fits_the_screen_and_every_figure_loads(
    browser: webdriver.Chrome, pages: dict[str, Path], name: str, width: int
) -> None:
    browser.set_window_size(width, 900)
    browser.get(pages[name].as_uri())
    layout: dict[str, Any] = browser.execute_script(LAYOUT)
    assert layout["width"] == width
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    assert layout["outside"] == [], "elements past the right edge, outside a scroll box"
    assert layout["images"], "the page has its figures"
    for image in layout["images"]:
        assert image["loaded"], "a figure did not load"
        assert 0 < image["shown"] <= width
