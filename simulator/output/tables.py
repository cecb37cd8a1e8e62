"""Result tables as text: ranking.csv, summary.json, replications.csv.gz.

Floats are written with `repr` (shortest round-trip form), so identical results give
byte-identical files. NaN (e.g. the visit day of a visit that never happened) becomes
an empty CSV cell or JSON null.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..evidence.condition import conditioning
from ..scenario import Orderings, Scenario
from ..types import FloatArray, Ordering

if TYPE_CHECKING:  # annotations only: the terminal's tables need not load the statistics
    from ..experiment import ExperimentResult
    from ..stats.ranking import Ranking

QUANTILES = (0.05, 0.25, 0.50, 0.75, 0.95)
SUMMARY_LIMIT = 1000
"""summary.json describes this many best-ranked orderings (ranking.csv lists every one),
which keeps it readable with hundreds of thousands."""


def ordering_text(ordering: Ordering) -> str:
    """An ordering as written in files and accepted on the command line."""
    return ",".join(ordering)


ARROW = "→"


def ordering_arrows(ordering: Sequence[str]) -> str:
    """An ordering as output shows it, in tables and sentences: a→b→c."""
    return ARROW.join(ordering)


Document = dict[str, Any]
"""A JSON document, as a results file holds it and `--format json` prints it."""


def num(x: float | None) -> float | None:
    """A float for JSON: None for NaN or a missing value."""
    return None if x is None or math.isnan(x) else float(x)


def _cell(x: float) -> str:
    return "" if math.isnan(x) else repr(float(x))


RANKING_EXTRAS = (
    "p_best",
    "sucra",
    "mcb_low",
    "mcb_high",
    "diff_best",
    "diff_best_low",
    "diff_best_high",
)
"""Ranking statistics a design may not compute (NaN in the ranking, None in a row)."""


MEASURED = ("mean_utility", "ci_low", "ci_high")
"""Ranking columns of floats that every design computes (NaN where it could not)."""


def _ranking_columns(
    ranking: Ranking, eliminated_at: Sequence[int | None] | None, first: int, stop: int
) -> dict[str, list[Any]]:
    """The ranking's rows `first`..`stop`-1 (best first) as columns of plain values:
    one numpy gather and one `tolist` per statistic, not a conversion per cell."""
    picked = np.asarray(ranking.order[first:stop], dtype=np.intp)
    ks: list[int] = picked.tolist()
    orderings = ranking.orderings
    return {
        "rank": list(range(first + 1, first + 1 + len(ks))),
        "ordering": orderings.joined(ks, ",")
        if isinstance(orderings, Orderings)
        else [ordering_text(orderings[k]) for k in ks],
        "replications": ranking.replications[picked].astype(np.int64).tolist(),
        "mean_utility": ranking.mean[picked].tolist(),
        "ci_low": ranking.ci_low[picked].tolist(),
        "ci_high": ranking.ci_high[picked].tolist(),
        **{
            name: [None if math.isnan(v) else v for v in getattr(ranking, name)[picked].tolist()]
            for name in RANKING_EXTRAS
        },
        "eliminated_at": [None] * len(ks)
        if eliminated_at is None
        else [eliminated_at[k] for k in ks],
    }


def ranking_rows(
    ranking: Ranking,
    eliminated_at: Sequence[int | None] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The first `limit` (default all) orderings, best first, one row each with the
    ranking's statistics (diff_best: the paired mean difference to the best ordering,
    with its interval; None where the design did not compute a statistic).

    `eliminated_at` (adaptive design) is the replication count at which the selection
    procedure dropped each ordering, None for those it kept.
    """
    stop = len(ranking.order) if limit is None else min(limit, len(ranking.order))
    columns = _ranking_columns(ranking, eliminated_at, 0, stop)
    rows = zip(*columns.values(), strict=True)
    return [dict(zip(columns, values, strict=True)) for values in rows]


def _csv_rows(rows: Iterable[Iterable[Any]]) -> str:
    """CSV lines: floats written with `repr`, NaN and None empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(
            [
                ""
                if v is None or (isinstance(v, float) and math.isnan(v))
                else repr(float(v))
                if isinstance(v, (float, np.floating))
                else v
                for v in row
            ]
        )
    return out.getvalue()


def csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A CSV table: floats written with `repr` (exact, byte-stable), NaN and None empty."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(header)
    return out.getvalue() + _csv_rows(rows)


CSV_CHUNK_ROWS = 20_000
"""Rows of ranking.csv made and written at a time."""


def ranking_csv(
    ranking: Ranking, eliminated_at: Sequence[int | None] | None = None
) -> Iterator[str]:
    """ranking.csv, one row per candidate ordering, best first (the columns of
    `ranking_rows`), as consecutive pieces of text: a table of hundreds of thousands of
    orderings is written as it is made, never held whole.

    The same text as `csv_text` of those rows: the csv module writes floats with `repr`
    and None as an empty cell, so only the MEASURED columns need their NaN emptied.
    """
    for first in range(0, len(ranking.order), CSV_CHUNK_ROWS):
        columns = _ranking_columns(ranking, eliminated_at, first, first + CSV_CHUNK_ROWS)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if not first:
            writer.writerow(columns)
        cells = (
            ["" if math.isnan(v) else v for v in column] if name in MEASURED else column
            for name, column in columns.items()
        )
        writer.writerows(zip(*cells, strict=True))
        yield out.getvalue()


def rank_probabilities_csv(ranking: Ranking) -> str | None:
    """rank_probabilities.csv: P(ordering has rank j), orderings best first."""
    matrix = ranking.rank_probabilities
    if matrix is None:
        return None
    header = ["ordering", *(f"rank_{j + 1}" for j in range(matrix.shape[1]))]
    rows = [[ordering_text(ranking.orderings[k]), *map(float, matrix[k])] for k in ranking.order]
    return csv_text(header, rows)


def _describe(
    count: float, mean: float, sd: float, quantiles: FloatArray
) -> dict[str, float | int | None]:
    """n, mean and sd over all replications, and the `quantiles` (`_quantiles`)."""
    stats: dict[str, float | int | None] = {
        "n": int(count),
        "mean": float(mean) if count else None,
        "sd": num(float(sd)),
    }
    for q, value in zip(QUANTILES, quantiles, strict=True):
        stats[f"q{round(q * 100):02d}"] = num(float(value))
    return stats


def _quantiles(sample: FloatArray) -> FloatArray:
    """QUANTILES of each metric's non-NaN values in `sample` (replications x metrics),
    shape (quantiles, metrics); NaN where a metric has no value.

    `sample` is every replication when the run kept them all, else the first ones.
    Metrics without NaN are done in one call (the same numbers as one at a time).
    """
    out = np.full((len(QUANTILES), sample.shape[1]), math.nan)
    missing = np.isnan(sample).any(axis=0)
    if sample.shape[0] and not missing.all():
        out[:, ~missing] = np.quantile(sample[:, ~missing], QUANTILES, axis=0)
    for m in np.flatnonzero(missing):
        finite = sample[~np.isnan(sample[:, m]), m]
        if finite.size:
            out[:, m] = np.quantile(finite, QUANTILES)
    return out


def _conditioned_on(scenario: Scenario) -> dict[str, Any]:
    """`conditioned_on` (what a conditioned run started from), or nothing."""
    past = conditioning(scenario)
    return {} if past is None else {"conditioned_on": past.summary(scenario.start)}


def summary_document(
    result: ExperimentResult,
    ranking: Ranking,
    design: dict[str, Any],
    limit: int | None = None,
) -> dict[str, Any]:
    """summary.json: the design, then per ordering (best first, the `limit` best when
    there are more, with `orderings_total`; None: SUMMARY_LIMIT) its ranking statistics
    and, per outcome metric, n, mean, sd (all replications) and quantiles (from
    `quantiles_from` replications: all of them unless the run did not keep them)."""
    limit = SUMMARY_LIMIT if limit is None else limit
    rows = ranking_rows(ranking, design.get("eliminated_at"), limit)
    listed = list(ranking.order[:limit])
    moments = result.metric_moments()
    count, mean = moments.count[listed], moments.mean[listed]
    sd = moments.sd(listed)
    total = len(result.orderings)
    return {
        "scenario": result.scenario.name,
        "seed": result.seed,
        "confidence": ranking.confidence,
        "design": {k: v for k, v in design.items() if k != "eliminated_at"},
        **_conditioned_on(result.scenario),
        "best": list(ranking.best),
        "quantiles_from": min(result.kept, result.replications),
        **({"orderings_total": total} if total > len(listed) else {}),
        "orderings": [
            {
                **row,
                "ordering": list(result.orderings[k]),
                "rank_probabilities": None
                if ranking.rank_probabilities is None
                else [float(p) for p in ranking.rank_probabilities[k]],
                "metrics": _metrics(result, count[i], mean[i], sd[i], k),
            }
            for i, (row, k) in enumerate(zip(rows, listed, strict=True))
        ],
    }


def _metrics(
    result: ExperimentResult, count: FloatArray, mean: FloatArray, sd: FloatArray, k: int
) -> dict[str, dict[str, float | int | None]]:
    """Ordering `k`'s statistics of every metric, by name, from its `count`, `mean` and
    `sd` per metric and its kept replications."""
    quantiles = _quantiles(result.records[k, : result.counts[k]])
    return {
        name: _describe(count[m], mean[m], sd[m], quantiles[:, m])
        for m, name in enumerate(result.metrics)
    }


def replications_csv(result: ExperimentResult) -> str | None:
    """replications.csv: every replication's outcome record, ordering by ordering
    (None when the run did not keep them all)."""
    if not result.complete:
        return None
    out = io.StringIO()
    out.write(",".join(["ordering", "replication", *result.metrics]) + "\n")
    for k, ordering in enumerate(result.orderings):
        label = '"' + ordering_text(ordering) + '"'
        for r in range(result.counts[k]):
            cells = ",".join(_cell(x) for x in result.records[k, r])
            out.write(f"{label},{r},{cells}\n")
    return out.getvalue()
