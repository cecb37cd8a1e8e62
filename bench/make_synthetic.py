"""Write the synthetic scale-test scenarios `scenarios/synthetic/synthetic_{5,6,8,9}.yaml`.

Visitors, tracks, agendas, gates and effects are varied by simple formulas so that the
family has the shape of a real scenario at 120, 720, 40,320 and 362,880 orderings. Every number
is an assumption for testing scale, not a claim about any real situation.
Run: `.venv/bin/python bench/make_synthetic.py`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

OUT = Path(__file__).resolve().parent.parent / "scenarios" / "synthetic"
TRACKS = [
    "economic",
    "security",
    "climate",
    "trade",
    "health",
    "economic",
    "security",
    "culture",
    "trade",
]
NAMES = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Gray", "Harper", "Indigo"]


def visitor(i: int) -> dict[str, Any]:
    """Visitor i: preparation, earliest day, invitation and agenda vary with i."""
    low = 4 + (i * 3) % 7
    return {
        "id": f"v{i + 1}",
        "name": f"{NAMES[i]} Vance",
        "role": f"Synthetic official {i + 1}",
        "track": TRACKS[i],
        "invited": i % 4 == 3,
        "earliest_day": float((i * 5) % 15),
        "preparation": {
            "dist": "triangular",
            "low": low,
            "mode": low + 5 + i % 3,
            "high": low + 14 + 2 * (i % 4),
        },
        "visit_days": 2 + i % 2,
        "agenda": [
            {
                "id": f"item{j + 1}",
                "value": round(1.0 + ((i * 7 + j * 3) % 5) * 0.5, 2),
                "success": round(0.25 + ((i * 3 + j * 5) % 6) * 0.08, 2),
                "climate_weight": round(0.6 + ((i + j) % 3) * 0.3, 2),
            }
            for j in range(1 + i % 3)
        ],
    }


def scenario(n: int) -> dict[str, Any]:
    """The family member with n visitors."""
    vs = [visitor(i) for i in range(n)]
    used = sorted({v["track"] for v in vs})
    return {
        "name": f"synthetic_{n}",
        "description": f"A synthetic family member with {n} visitors for scale tests: tracks, "
        "agendas, gates and effects varied by formula, not drawn from any real situation.",
        "start": "2024-01-08",
        "horizon_days": 40 * n,
        "visitors": vs,
        "gates": [
            {
                "id": "summit",
                "kind": "window",
                "start_day": 10,
                "end_day": 14,
                "tracks": [t for t in ["economic", "security"] if t in used],
            },
            {
                "id": "budget",
                "kind": "until",
                "opens": {"dist": "triangular", "low": 5, "mode": 15, "high": 40},
                "deadline": 20,
                "crisis": {
                    "probability": 0.15,
                    "extension": {"dist": "uniform", "low": 5, "high": 25},
                },
                "tracks": ["economic"],
            },
        ],
        "host": {
            "acceptance": 0.6,
            "climate_weight": 1.5,
            "track_bonus": {t: round(0.1 * (k % 3), 2) for k, t in enumerate(used)},
            "invitation_bonus": 1.0,
            "preference": {"first_track": "economic", "bonus": 0.5, "penalty": 0.5},
            "response_delay": {"dist": "uniform", "low": 1, "high": 6},
            "retry_delay": {"dist": "triangular", "low": 5, "mode": 10, "high": 20},
            "max_attempts": 3,
        },
        "climate": {
            "initial": {"dist": "uniform", "low": -0.4, "high": 0.1},
            "visit_gain": {t: round(0.08 + 0.03 * (k % 3), 2) for k, t in enumerate(used)},
            "item_gain": 0.04,
        },
        "shocks": {
            "rate_per_day": 0.01,
            "severity": {"dist": "beta", "a": 2, "b": 4},
            "climate_hit": 0.3,
            "postpone_days": 20,
            "cancel_threshold": 0.75,
        },
        "effects": {
            "agenda_boosts": [
                {"visitor": vs[1]["id"], "item": "item1", "after_track": "economic", "logit": 0.4},
                {
                    "visitor": vs[2]["id"],
                    "item": "item1",
                    "after_visitor": vs[1]["id"],
                    "logit": 0.3,
                },
                {
                    "visitor": vs[n - 1]["id"],
                    "item": "item1",
                    "after_visitor": vs[0]["id"],
                    "logit": 0.5,
                },
            ],
            "precedence_costs": [
                {"earlier": vs[2]["id"], "later": vs[1]["id"], "cost": 1.0},
                {"earlier": vs[n - 1]["id"], "later": vs[0]["id"], "cost": 0.5},
                {"earlier": vs[3]["id"], "later": vs[1]["id"], "cost": 0.4},
            ],
            "discount_per_day": 0.003,
        },
        "policy": {"mode": "sequential", "min_gap_days": 3},
        "objective": {
            "agenda_value": 1.0,
            "visits_completed": 0.3,
            "days_to_first_visit": -0.01,
            "final_climate": 1.5,
            "precedence_cost": -1.0,
        },
        "experiment": {"replications": 200, "seed": 42},
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for n in (5, 6, 8, 9):
        header = (
            "# yaml-language-server: $schema=../scenario.schema.json\n"
            f"# Synthetic scale-test scenario: {n} visitors, {math.factorial(n):,} orderings.\n"
            "# Generated by bench/make_synthetic.py; every number is an assumption for testing\n"
            "# scale, not a claim about any real situation.\n"
        )
        text = yaml.safe_dump(scenario(n), sort_keys=False, width=100)
        (OUT / f"synthetic_{n}.yaml").write_text(header + text)


if __name__ == "__main__":
    main()
