"""Shared builders: small scenarios written as dicts, validated by the real schema."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from hypothesis import settings

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
