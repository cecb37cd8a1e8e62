"""Result tables as text: ranking.csv, summary.json, replications.csv.gz.

Floats are written with `repr` (shortest round-trip form), so identical results give
byte-identical files. NaN (e.g. the visit day of a visit that never happened) becomes
an empty CSV cell or JSON null.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import numpy as np

from ..distributions import FloatArray
from ..experiment import ExperimentResult
from ..stats.ranking import Ranking
from ..types import Ordering

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)


def ordering_text(ordering: Ordering) -> str:
    """An ordering as written in files and accepted on the command line."""
    return ",".join(ordering)


def _num(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _cell(x: float) -> str:
    return "" if math.isnan(x) else repr(float(x))


def ranking_rows(ranking: Ranking) -> list[dict[str, Any]]:
    """One row per ordering, best first, with the ranking's statistics."""
    return [
        {
            "rank": position + 1,
            "ordering": ordering_text(ranking.orderings[k]),
            "replications": int(ranking.replications[k]),
            "mean_utility": float(ranking.mean[k]),
            "ci_low": float(ranking.ci_low[k]),
            "ci_high": float(ranking.ci_high[k]),
            "p_best": float(ranking.p_best[k]),
        }
        for position, k in enumerate(ranking.order)
    ]


def ranking_csv(ranking: Ranking) -> str:
    """ranking.csv: one row per candidate ordering, best first."""
    rows = ranking_rows(ranking)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: repr(v) if isinstance(v, float) else v for k, v in row.items()})
    return out.getvalue()


def _describe(values: FloatArray) -> dict[str, float | int | None]:
    """Mean, sd and quantiles of the non-NaN values (None where there are none)."""
    finite = values[~np.isnan(values)]
    stats: dict[str, float | int | None] = {"n": int(finite.size)}
    if finite.size == 0:
        stats |= {"mean": None, "sd": None} | {f"q{round(q * 100):02d}": None for q in QUANTILES}
        return stats
    stats["mean"] = float(finite.mean())
    stats["sd"] = _num(float(finite.std(ddof=1))) if finite.size > 1 else None
    for q, value in zip(QUANTILES, np.quantile(finite, QUANTILES), strict=True):
        stats[f"q{round(q * 100):02d}"] = float(value)
    return stats


def summary_document(result: ExperimentResult, ranking: Ranking) -> dict[str, Any]:
    """summary.json: per ordering (best first), per metric: n, mean, sd, quantiles."""
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "replications": result.replications,
        "confidence": ranking.confidence,
        "best": list(ranking.best),
        "orderings": [
            {
                "ordering": list(result.orderings[k]),
                "rank": position + 1,
                "p_best": float(ranking.p_best[k]),
                "metrics": {
                    name: _describe(result.records[k, :, m])
                    for m, name in enumerate(result.metrics)
                },
            }
            for position, k in enumerate(ranking.order)
        ],
    }


def replications_csv(result: ExperimentResult) -> str:
    """replications.csv: every replication's outcome record, ordering by ordering."""
    out = io.StringIO()
    out.write(",".join(["ordering", "replication", *result.metrics]) + "\n")
    for k, ordering in enumerate(result.orderings):
        label = '"' + ordering_text(ordering) + '"'
        for r in range(result.replications):
            cells = ",".join(_cell(x) for x in result.records[k, r])
            out.write(f"{label},{r},{cells}\n")
    return out.getvalue()
