"""The JSON Schema for editors: generated from the pydantic models, shipped, and honest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from simulator.scenario import Scenario
from simulator.scenario.json_schema import scenario_json_schema, schema_text

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SHIPPED = SCENARIOS / "scenario.schema.json"
MODELINE = "# yaml-language-server: $schema=scenario.schema.json"


def strict_json(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def walk(node: Any) -> list[dict[str, Any]]:
    """Every JSON object inside `node`."""
    if isinstance(node, dict):
        return [node] + [d for v in node.values() for d in walk(v)]
    if isinstance(node, list):
        return [d for v in node for d in walk(v)]
    return []


def test_the_shipped_schema_is_the_generated_one() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == schema_text(), (
        "scenarios/scenario.schema.json is stale: regenerate it with "
        "`visitsim schema > scenarios/scenario.schema.json`"
    )


def test_visitsim_schema_prints_it() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert strict_json(result.stdout) == scenario_json_schema()


def test_every_shipped_scenario_points_its_editor_at_the_schema() -> None:
    scenarios = sorted(SCENARIOS.glob("*.yaml"))
    assert scenarios
    for path in scenarios:
        assert path.read_text(encoding="utf-8").splitlines()[0] == MODELINE, path.name


def test_the_schema_is_draft_07_that_editors_read() -> None:
    schema = strict_json(schema_text())
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    definitions = schema["definitions"]
    nodes = walk(schema)
    for node in nodes:
        assert not {"prefixItems", "discriminator", "$defs"} & set(node)
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.removeprefix("#/definitions/") in definitions, ref


def test_the_schema_follows_the_models() -> None:
    definitions = scenario_json_schema()["definitions"]
    keys = {f.alias or name for name, f in Scenario.model_fields.items()}
    assert set(definitions["Scenario"]["properties"]) == keys | {"extends"}
    assert set(definitions["Scenario"]["required"]) == {
        name for name, f in Scenario.model_fields.items() if f.is_required()
    }
    assert definitions["ScenarioVariant"]["required"] == ["extends"]
    assert "mean" in definitions["Normal"]["properties"]  # aliases, as written in files
    preparation = definitions["Visitor"]["properties"]["preparation"]
    assert preparation["oneOf"][0]["type"] == "number"  # `preparation: 6` is a fixed value


def load(path: Path) -> Any:
    """A scenario file as JSON data (dates as text, as editors see them)."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def test_shipped_scenarios_and_mistakes_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft7Validator(strict_json(schema_text()))
    for path in sorted(SCENARIOS.glob("*.yaml")):
        assert list(validator.iter_errors(load(path))) == [], path.name
    flagship = load(SCENARIOS / "us_china_2023.yaml")
    flagship["visitors"][0]["prepration"] = 3
    assert not validator.is_valid(flagship)
    flagship = load(SCENARIOS / "us_china_2023.yaml")
    flagship["visitors"][0]["preparation"] = {"dist": "triangle", "low": 1, "high": 2}
    assert not validator.is_valid(flagship)
    del flagship["start"]
    flagship["visitors"][0]["preparation"] = 6
    assert [e.message for e in validator.iter_errors(flagship)] == [
        "'start' is a required property"
    ]
    variant = {"extends": "base.yaml", "visitors": [{"id": "b", "preparation": {"mode": 7}}]}
    assert validator.is_valid(variant)
    assert not validator.is_valid({**variant, "host": {"acceptence": 0.5}})
