"""Writing a validated scenario back as YAML, and its content hash."""

from __future__ import annotations

import hashlib

import yaml

from .schema import Scenario
from .yaml12 import Dumper


def scenario_to_yaml(scenario: Scenario) -> str:
    """The fully resolved scenario (all defaults filled in) as deterministic YAML.

    An empty `uncertain:` block is left out, so a scenario that declares no uncertain
    assumptions writes (and hashes) as it did before the block existed.
    """
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    if not data["uncertain"]:
        del data["uncertain"]
    return yaml.dump(data, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 (hex) of `scenario_to_yaml`.

    Mapping keys keep their written order (a sum's order can change its last bits), so
    the same objective written in another order hashes differently, on purpose.
    """
    return hashlib.sha256(scenario_to_yaml(scenario).encode("utf-8")).hexdigest()
