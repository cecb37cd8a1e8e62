"""Shared builders: small scenarios written as dicts, validated by the real schema."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from simulator.scenario import Scenario

# `make test` replays the same examples on every run, so a result never depends on luck;
# `make fuzz` explores new ones (and keeps what fails in .hypothesis/ to replay).
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

BASE: dict[str, Any] = {
    "name": "tiny",
    "start": "2023-05-17",
    "horizon_days": 200,
    "visitors": [
        {
            "id": "a",
            "name": "A",
            "track": "economic",
            "preparation": {"dist": "uniform", "low": 5, "high": 15},
            "agenda": [{"id": "x", "value": 2.0, "success": 0.5}],
        },
        {
            "id": "b",
            "name": "B",
            "track": "security",
            "preparation": {"dist": "triangular", "low": 3, "mode": 8, "high": 20},
            "agenda": [{"id": "y", "value": 3.0, "success": 0.4}],
        },
        {
            "id": "c",
            "name": "C",
            "track": "climate",
            "preparation": 6,
            "visit_days": 3,
            "agenda": [{"id": "z", "value": 1.0, "success": 0.6}],
        },
    ],
    "objective": {"agenda_value": 1.0, "visits_completed": 0.1},
}


def deep_update(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A copy of `base` with `changes` merged in (nested dicts merge, the rest replaces)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def make_scenario(**changes: Any) -> Scenario:
    """The tiny base scenario with top-level sections changed (dicts merge)."""
    return Scenario.model_validate(deep_update(BASE, changes))


@pytest.fixture
def tiny() -> Scenario:
    return make_scenario()


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()),
        reason=f"needs {CHROMIUM} and {CHROMEDRIVER} (Debian packages chromium and "
        "chromium-driver; .ci/run installs them)",
    ),
]
"""The marks of a module of tests that drive headless Chromium (its `pytestmark`)."""
"""Debian's chromium and chromium-driver (`.ci/run` installs them): the browser tests'."""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    """One headless Chromium session for every page and width."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
