"""The files of calibrate, and the sentence that sums it up.

calibration.json (the method, its settings, the prior box, each wave's counts, the
targets, the calibrated sample, the predictive calendar and the ranking: the document
`--format json` prints), calibrated.csv (the sample), calibration_points.csv (every
setting of every wave and its implausibility), calendar.csv (the plan's predictive
calendar) and calibrated_ranking.csv (every ordering across the sample). Floats are
written with `repr` and NaN as an empty cell or null, so the same inputs give
byte-identical files on any executor.
"""

from __future__ import annotations

from ..evidence.calibrate import QUANTILES, Calibration
from .rundir import RunDirectory
from .tables import Document, csv_text, num, ordering_arrows
from .tuning_files import robustness_rows

METHOD = "history matching"


def _box(c: Calibration, box: tuple[tuple[float, float], ...]) -> dict[str, list[float]]:
    return {a.path: [lo, hi] for a, (lo, hi) in zip(c.assumptions, box, strict=True)}


def calibration_document(c: Calibration) -> Document:
    """Everything the run found, as one JSON document."""
    last = c.waves[-1]
    return {
        "kind": "calibrate",
        "scenario": c.base.scenario.name,
        "seed": c.seed,
        "replications": c.replications,
        "method": {
            "name": METHOD,
            "design": "scrambled Sobol sequence per wave",
            "implausibility": "|y - E[X]| / sqrt(Var[X] (1 + 1/N) + discrepancy^2)",
            "rule": c.rule,
            "cutoff": c.cutoff,
            "discrepancy_days": c.discrepancy,
            "samples_per_wave": len(c.waves[0].settings),
            "max_waves": c.max_waves,
            "ranked_settings": len(c.ranking.settings),
            "stopped": c.stopped,
        },
        "observations": {
            "source": c.observations.source,
            "until": c.observations.until,
            "plan": list(c.plan),
        },
        "targets": [
            {"event": t.kind, "subject": t.subject, "day": t.observed, "happened": t.happened}
            for t in c.targets
        ],
        "prior": [
            {"path": a.path, "low": a.low, "high": a.high, "integer": a.integer}
            for a in c.assumptions
        ],
        "calibrated_box": _box(c, c.calibrated_box),
        "waves": [
            {
                "wave": i + 1,
                "box": _box(c, w.box),
                "settings": len(w.settings),
                "non_implausible": len(w.kept),
            }
            for i, w in enumerate(c.waves)
        ],
        "sample": [
            {"values": dict(last.settings[k]), "implausibility": float(last.measure[k])}
            for k in last.kept
        ],
        "calendar": [
            {
                "visitor": r.visitor,
                "event": r.stage,
                "observed": r.observed,
                "share": r.share,
                "quantiles": {
                    f"q{round(q * 100):02d}": num(x)
                    for q, x in zip(QUANTILES, r.quantiles, strict=True)
                },
            }
            for r in c.calendar
        ],
        "ranking": {
            "settings": len(c.ranking.settings),
            "orderings": [
                row | {"ordering": row["ordering"].split(",")} for row in robustness_rows(c.ranking)
            ],
        },
        "statement": calibration_sentence(c),
    }


def _points_csv(c: Calibration) -> str:
    header = ["wave", "point", *(a.path for a in c.assumptions)]
    header += ["implausibility", "non_implausible", *(t.name for t in c.targets)]
    rows = [
        [
            i + 1,
            k,
            *(v for _, v in setting),
            float(w.measure[k]),
            int(k in w.kept),
            *map(float, w.implausibility[k]),
        ]
        for i, w in enumerate(c.waves)
        for k, setting in enumerate(w.settings)
    ]
    return csv_text(header, rows)


def write_calibration(directory: RunDirectory, c: Calibration) -> Document:
    """The run's files; returns calibration.json's document."""
    document = calibration_document(c)
    directory.write_file("calibration.json", document)
    last = c.waves[-1]
    directory.write_file(
        "calibrated.csv",
        csv_text(
            ["point", *(a.path for a in c.assumptions), "implausibility"],
            [[k, *(v for _, v in last.settings[k]), float(last.measure[k])] for k in last.kept],
        ),
    )
    directory.write_file("calibration_points.csv", _points_csv(c))
    quantiles = [f"q{round(q * 100):02d}" for q in QUANTILES]
    directory.write_file(
        "calendar.csv",
        csv_text(
            ["visitor", "event", "observed", "share", *quantiles],
            [
                [
                    r.visitor,
                    r.stage,
                    float("nan") if r.observed is None else r.observed,
                    r.share,
                    *r.quantiles,
                ]
                for r in c.calendar
            ],
        ),
    )
    rows = robustness_rows(c.ranking)
    directory.write_file(
        "calibrated_ranking.csv", csv_text(list(rows[0]), [list(x.values()) for x in rows])
    )
    return document


def narrowing(c: Calibration) -> list[str]:
    """Per assumption: its prior range, and the range of the calibrated sample."""
    return [
        f"{a.path}: {a.low:g} to {a.high:g} → {lo:.4g} to {hi:.4g} "
        f"({(hi - lo) / (a.high - a.low):.0%} of the range)"
        for a, (lo, hi) in zip(c.assumptions, c.calibrated_box, strict=True)
    ]


def calibration_sentence(c: Calibration) -> str:
    """How many settings remain consistent, and which ordering does best across them."""
    last = c.waves[-1]
    first = c.ranking.order[0]
    measure = "second-largest" if c.rule == "second" else "largest"
    return (
        f"{len(c.sample)} of {len(last.settings)} settings of wave {len(c.waves)} are "
        f"consistent with the observations up to day {c.observations.until:g} ({measure} "
        f"implausibility at most {c.cutoff:g}; the waves stopped at {c.stopped}). Across "
        f"{len(c.ranking.settings)} of them, re-planned from day {c.observations.until:g} "
        f"(the visits made come first), the lowest mean regret is "
        f"{ordering_arrows(c.ranking.orderings[first])}, best in "
        f"{c.ranking.share_best[first]:.0%} of them."
    )
