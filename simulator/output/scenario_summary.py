"""What the validation of a scenario reports: its visitors, gates and candidate orderings,
as a plain-data document and as a few lines of text."""

from __future__ import annotations

from typing import Any

from ..scenario import Scenario, UntilGate, WindowGate, candidate_orderings
from .terminal import wrap


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    """What `validate` reports for a valid scenario."""
    gates: list[dict[str, Any]] = []
    for gate in scenario.gates:
        if isinstance(gate, WindowGate):
            gates.append({"id": gate.id, "kind": "window", "days": [gate.start_day, gate.end_day]})
        elif isinstance(gate, UntilGate):
            gates.append({"id": gate.id, "kind": "until", "mean_opening": gate.opens.mean})
    return {
        "scenario": scenario.name,
        "start": scenario.start.isoformat(),
        "horizon_days": scenario.horizon_days,
        "visitors": [{"id": v.id, "name": v.name, "track": v.track} for v in scenario.visitors],
        "gates": gates,
        "candidates": len(candidate_orderings(scenario)),
        "policy": scenario.policy.mode,
        "uncertain": [u.path for u in scenario.uncertain],
    }


def scenario_summary_text(summary: dict[str, Any], width: int = 80) -> str:
    """The validation summary in a few lines of plain text, wrapped at `width`."""
    visitors = ", ".join(f"{v['id']} ({v['track']})" for v in summary["visitors"])
    gates = ", ".join(f"{g['id']} ({g['kind']})" for g in summary["gates"]) or "none"
    return "\n".join(
        [
            f"scenario {summary['scenario']} is valid",
            *wrap(
                f"  start {summary['start']}, horizon {summary['horizon_days']:g} days,"
                f" policy {summary['policy']}",
                width,
                "    ",
            ),
            *wrap(f"  visitors: {visitors}", width, "    "),
            *wrap(f"  gates: {gates}", width, "    "),
            f"  candidate orderings: {summary['candidates']}",
            *(
                wrap(f"  uncertain: {', '.join(summary['uncertain'])}", width, "    ")
                if summary["uncertain"]
                else []
            ),
        ]
    )
