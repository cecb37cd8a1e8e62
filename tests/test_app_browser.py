"""The what-if page (`visitsim app`) in a real browser: it starts on a free local port,
ranks, moves across a tipping point the sweep knows, saves a variant that validates,
shows every control's nearest tipping points unasked and the calendar as a figure, and
fits a laptop's and a phone's screen. Headless Chromium from Debian's packages,
driven by Selenium; skipped, with the reason, where they are not installed."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from simulator.api.whatif import WhatIf, nearest_flips
from simulator.app.serve import free_port
from simulator.scenario import load_scenario

from .conftest import BROWSER_TESTS
from .test_browser import LAYOUT, WIDTHS

ROOT = Path(__file__).resolve().parent.parent
FLAGSHIP = ROOT / "scenarios" / "us_china_2023.yaml"
WAIVER = "host.preference.waiver.probability"
N, SEED = "20", "3"

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`visitsim app` on a free port: its address and its results folder."""
    out = tmp_path_factory.mktemp("app-results")
    port = free_port()
    command = [sys.executable, "-m", "simulator", "app", str(FLAGSHIP), "--no-browser"]
    command += ["--port", str(port), "--out", str(out), "-n", N, "--seed", SEED]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT
    )
    address = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(address, timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "the page did not come up"
                time.sleep(0.2)
        yield address, out
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _best(driver: webdriver.Chrome, other_than: str | None = None) -> str:
    """The best ordering the page shows, once it differs from `other_than`."""

    def shown(d: webdriver.Chrome) -> str | bool:
        found = d.find_elements(By.ID, "best")
        text = found[0].text if found else ""
        return text if text and text != other_than else False

    result: str = WebDriverWait(driver, 90).until(shown)
    return result


def _flips(driver: webdriver.Chrome, controls: int) -> list[str] | bool:
    """Every control's tipping-point text, once none is still computing."""
    texts = []
    for i in range(controls):
        found = driver.find_elements(By.ID, f"flips{i}")
        text = found[0].text if found else ""
        if not text or "computing" in text:
            return False
        texts.append(text)
    return texts


def _figures_loaded(driver: webdriver.Chrome) -> bool:
    """Whether the page's figures (the calendar's and the differences') are drawn."""
    return bool(
        driver.execute_script(
            "const images = Array.from(document.images);"
            "return images.length >= 2 && images.every(i => i.complete && i.naturalWidth > 0)"
        )
    )


def test_moving_an_assumption_across_a_tipping_point_changes_the_best(
    page: tuple[str, Path], browser: webdriver.Chrome
) -> None:
    address, out = page
    session = WhatIf(FLAGSHIP, replications=int(N), seed=int(SEED))
    flips = session.flips(WAIVER, points=3)
    low, high = flips.points[0], flips.points[-1]
    assert low.best != high.best, "the sweep should show a flip over this range"
    browser.set_window_size(1280, 1600)
    browser.get(address)
    first = _best(browser)
    assert first == "→".join(flips.orderings[high.best])  # the file's value is the high end
    browser.execute_script(
        f"$('#a0').data('ionRangeSlider').update({{from: {low.values[0]}}});"
        "$('#a0').trigger('change');"
    )
    moved = _best(browser, other_than=first)
    assert moved == "→".join(flips.orderings[low.best])

    browser.execute_script("Shiny.setInputValue('replications', 1)")
    error = WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "error"))
    assert "replications must be" in error[0].text  # the engine's message; the page stays up
    browser.execute_script(f"Shiny.setInputValue('replications', {N})")
    assert _best(browser) == moved

    browser.find_element(By.ID, "save").click()
    saved = WebDriverWait(browser, 60).until(lambda d: d.find_elements(By.ID, "variant"))
    variant = Path(saved[0].text)
    assert variant.is_relative_to(out)
    scenario = load_scenario(variant)
    assert scenario.host.preference.waiver is not None
    assert scenario.host.preference.waiver.probability == pytest.approx(low.values[0])


def test_every_control_shows_its_nearest_tipping_points_unasked_and_the_calendar_is_drawn(
    page: tuple[str, Path], browser: webdriver.Chrome
) -> None:
    address, _ = page
    session = WhatIf(FLAGSHIP, replications=int(N), seed=int(SEED))
    browser.set_window_size(1280, 1600)
    browser.get(address)
    _best(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "button[id^='flip']")  # nothing to press
    texts = WebDriverWait(browser, 300).until(partial(_flips, controls=len(session.controls)))
    for control, text in zip(session.controls, texts, strict=True):
        assert text.startswith(("flips to ", "no flip in ")), (control.path, text)
    # the first control's text is the engine's own search at the file's values
    best_at = partial(session.best_at, replications=int(N), seed=int(SEED))
    found = nearest_flips(session.controls[0], session.setting(), best_at)
    assert found.below is not None  # the waiver's file value is its range's top
    assert f"flips to {'→'.join(found.below.to)} at {found.below.at:.3g} (current 1)" in texts[0]
    WebDriverWait(browser, 60).until(_figures_loaded)
    figure = browser.find_element(By.CSS_SELECTOR, "#calendar_figure img")
    assert "calendar" in (figure.get_attribute("alt") or "")
    assert figure.size["width"] > 600
    assert "Calendar of " in browser.find_element(By.ID, "calendar").text  # the dates as text


@pytest.mark.parametrize("width", WIDTHS)
def test_the_page_fits_the_screen(
    page: tuple[str, Path], browser: webdriver.Chrome, width: int, tmp_path: Path
) -> None:
    address, _ = page
    browser.set_window_size(width, 1400)
    browser.get(address)
    _best(browser)
    controls = len(WhatIf(FLAGSHIP).controls)
    WebDriverWait(browser, 300).until(partial(_flips, controls=controls))
    WebDriverWait(browser, 60).until(_figures_loaded)
    layout = browser.execute_script(LAYOUT)
    browser.save_screenshot(str(tmp_path / f"app-{width}.png"))
    assert layout["scrollWidth"] <= layout["width"], layout["outside"][:5]
