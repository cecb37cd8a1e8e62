"""The files of sweep, sensitivity and robustness, and their sentences.

Each command's results directory (`RunDirectory`, kind `sweep`, …) holds its tables: CSV
for spreadsheets and one JSON document, the same one `--format json` prints. Floats are
written with `repr` and NaN as an empty cell or null, so the same inputs give
byte-identical files.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..tuning.inputs import Assumption
from ..tuning.robustness import Robustness
from ..tuning.sensitivity import Sensitivity
from ..tuning.sweep import Sweep, TippingPoint
from ..types import Ordering
from .compare_files import difference_document
from .rundir import RunDirectory
from .tables import Document, csv_text, num, ordering_arrows, ordering_text

# --- where the assumptions came from -----------------------------------------------------


def assumption_source(assumptions: Sequence[Assumption]) -> str:
    """`scenario` when the assumptions are those the scenario declares uncertain, else
    `given` (with the run's settings)."""
    return "scenario" if assumptions and all(a.declared for a in assumptions) else "given"


def source_text(assumptions: Sequence[Assumption], option: str) -> str:
    """Where the assumptions came from, in words: `option` names how they are given."""
    if assumption_source(assumptions) == "scenario":
        return "declared in the scenario"
    return f"given with {option}"


def _source(assumptions: Sequence[Assumption], option: str) -> Document:
    return {
        "source": assumption_source(assumptions),
        "text": source_text(assumptions, option),
    }


def _parameter(a: Assumption) -> Document:
    return {"path": a.path, "low": a.low, "high": a.high, "reason": a.reason}


# --- sweep --------------------------------------------------------------------------------


def _label(orderings: Sequence[Ordering], k: int) -> str:
    return ordering_text(orderings[k])


def _fixed(sweep: Sweep, t: TippingPoint) -> dict[Assumption, float]:
    """The other axes' values along a tipping point's line (2-D sweeps)."""
    pairs = zip(sweep.axes, t.values, strict=True)
    return {a: v for i, (a, v) in enumerate(pairs) if i != t.axis}


def tipping_sentence(sweep: Sweep, t: TippingPoint) -> str:
    """ "Above X the best ordering becomes Y", with how sure that is: where each of the two
    orderings leads the other significantly, and the range between, where neither does."""
    path = sweep.axes[t.axis].path
    others = [f"{a.path} = {v:g}" for a, v in _fixed(sweep, t).items()]
    where = f" (with {', '.join(others)})" if others else ""
    after = ordering_arrows(sweep.orderings[t.after])
    before = ordering_arrows(sweep.orderings[t.before])
    lead = t.lead_above
    percent = round(sweep.confidence * 100)
    text = (
        f"Above {path} ≈ {t.at:.4g}{where} (between {t.below:.4g} and {t.above:.4g}) the best "
        f"ordering becomes {after} (was {before}); at {t.above:.4g} it leads {before} by "
        f"{lead.mean:.3g} ({percent}% CI {lead.ci_low:.3g} to {lead.ci_high:.3g})."
    )
    if t.plausible_low == t.below and t.plausible_high == t.above:
        return text + (
            f" {before} leads significantly at {t.below:.4g} and {after} at {t.above:.4g}: "
            "the flip is inside the bracket."
        )
    if t.plausible_low is None:
        still = f"{before} leads significantly at no evaluated value up to {t.below:.4g}"
        low = "the start of the swept range or below"
    else:
        still = f"{before} still leads significantly at {t.plausible_low:.4g}"
        low = f"{t.plausible_low:.4g}"
    if t.plausible_high is None:
        then = f"{after} leads significantly at no evaluated value from {t.above:.4g}"
        high = "the end of the swept range or above"
    else:
        then = f"{after} leads significantly at {t.plausible_high:.4g}"
        high = f"{t.plausible_high:.4g}"
    return text + (
        f" {still} and {then}; between those values neither leads significantly, so the "
        f"flip could lie anywhere from {low} to {high}."
    )


def _tipping(sweep: Sweep, t: TippingPoint) -> Document:
    return {
        "parameter": sweep.axes[t.axis].path,
        "fixed": {a.path: v for a, v in _fixed(sweep, t).items()},
        "at": t.at,
        "below": t.below,
        "above": t.above,
        "before": list(sweep.orderings[t.before]),
        "after": list(sweep.orderings[t.after]),
        "lead_before_at_below": difference_document(t.lead_below),
        "lead_after_at_above": difference_document(t.lead_above),
        "before_leads_significantly_at": t.plausible_low,
        "after_leads_significantly_at": t.plausible_high,
        "statement": tipping_sentence(sweep, t),
    }


def sweep_document(sweep: Sweep) -> Document:
    """The sweep in brief: axes, the best ordering at each point, the tipping points."""
    return {
        "kind": "sweep",
        "scenario": sweep.base.scenario.name,
        "seed": sweep.seed,
        "replications": sweep.replications,
        "confidence": sweep.confidence,
        "assumptions_from": _source(sweep.axes, "--vary"),
        "axes": [
            {
                "path": a.path,
                "start": a.low,
                "stop": a.high,
                "points": a.points,
                "integer": a.integer,
                "tolerance": tol,
                "reason": a.reason,
            }
            for a, tol in zip(sweep.axes, sweep.tolerances, strict=True)
        ],
        "points": [
            {
                "values": dict(zip((a.path for a in sweep.axes), p.values, strict=True)),
                "grid": p.grid,
                "best": list(sweep.orderings[p.best]),
                "runner_up": list(sweep.orderings[p.runner_up]),
                "best_mean": float(p.evaluation.mean[p.best]),
                "margin": difference_document(p.margin),
            }
            for p in sweep.points
        ],
        "tipping_points": [_tipping(sweep, t) for t in sweep.tipping_points],
    }


def sweep_csv(sweep: Sweep) -> str:
    """sweep.csv: per point (grid or refinement) and ordering, best first."""
    header = ["point", "kind", *(a.path for a in sweep.axes), "rank", "ordering"]
    header += ["mean_utility", "ci_low", "ci_high", "p_best"]
    rows = [
        [
            i,
            "grid" if p.grid else "refine",
            *p.values,
            position + 1,
            _label(sweep.orderings, k),
            float(p.ranking.mean[k]),
            float(p.ranking.ci_low[k]),
            float(p.ranking.ci_high[k]),
            float(p.ranking.p_best[k]),
        ]
        for i, p in enumerate(sweep.points)
        for position, k in enumerate(p.ranking.order)
    ]
    return csv_text(header, rows)


def sweep_points_csv(sweep: Sweep) -> str:
    """sweep_points.csv: per point, the best ordering and its lead over the runner-up."""
    header = ["point", "kind", *(a.path for a in sweep.axes), "best", "runner_up"]
    header += ["margin", "margin_ci_low", "margin_ci_high"]
    rows = [
        [
            i,
            "grid" if p.grid else "refine",
            *p.values,
            _label(sweep.orderings, p.best),
            _label(sweep.orderings, p.runner_up),
            p.margin.mean,
            p.margin.ci_low,
            p.margin.ci_high,
        ]
        for i, p in enumerate(sweep.points)
    ]
    return csv_text(header, rows)


_TIPPING_KEYS = ("assumptions_from", "axes", "tipping_points")


def write_sweep(directory: RunDirectory, sweep: Sweep) -> Document:
    """sweep.csv, sweep_points.csv, tipping_points.json; returns the sweep document."""
    document = sweep_document(sweep)
    directory.write_file("sweep.csv", sweep_csv(sweep))
    directory.write_file("sweep_points.csv", sweep_points_csv(sweep))
    directory.write_file(
        "tipping_points.json",
        {k: document[k] for k in ("scenario", "seed", "replications", *_TIPPING_KEYS)},
    )
    return document


# --- sensitivity --------------------------------------------------------------------------


def _indices_rows(s: Sensitivity) -> list[Document]:
    rows = []
    for out in s.outputs:
        for position, i in enumerate(out.ranked()):
            row: Document = {
                "output": out.output,
                "rank": position + 1,
                "parameter": s.assumptions[i].path,
                "low": s.assumptions[i].low,
                "high": s.assumptions[i].high,
            }
            if s.method == "morris":
                assert out.mu is not None
                assert out.mu_star is not None
                assert out.sigma is not None
                row |= {
                    "mu_star": num(out.mu_star[i]),
                    "mu": num(out.mu[i]),
                    "sigma": num(out.sigma[i]),
                }
            else:
                assert out.first is not None
                assert out.total is not None
                assert out.first_ci is not None
                assert out.total_ci is not None
                row |= {
                    "total": num(out.total[i]),
                    "total_ci_low": num(out.total_ci[i, 0]),
                    "total_ci_high": num(out.total_ci[i, 1]),
                    "first": num(out.first[i]),
                    "first_ci_low": num(out.first_ci[i, 0]),
                    "first_ci_high": num(out.first_ci[i, 1]),
                }
            row |= {
                "at_low": num(out.swing_low[i]),
                "at_high": num(out.swing_high[i]),
                "base": out.base,
            }
            rows.append(row)
    return rows


def selection_text(s: Sensitivity) -> str:
    """Why the selected ordering is the one analysed."""
    if s.selection_replications is None:
        return "given by the user (the ordering setting)"
    return (
        f"the ordering `visitsim run` recommends at {s.selection_replications:,} "
        f"replications, seed {s.seed}"
    )


def sensitivity_document(s: Sensitivity) -> Document:
    """Indices of every output for every assumption, most influential first."""
    return {
        "kind": "sensitivity",
        "scenario": s.base.scenario.name,
        "method": s.method,
        "samples": s.samples,
        "settings_simulated": s.settings,
        "seed": s.seed,
        "replications": s.replications,
        "selected": list(s.orderings[s.selected]),
        "selected_by": {
            "rule": "given" if s.selection_replications is None else "run",
            "replications": s.selection_replications,
            "seed": None if s.selection_replications is None else s.seed,
            "text": selection_text(s),
        },
        "runner_up": list(s.orderings[s.runner_up]),
        "top": [list(s.orderings[k]) for k in s.top],
        "assumptions_from": _source(s.assumptions, "--param"),
        "parameters": [_parameter(a) for a in s.assumptions],
        "indices": _indices_rows(s),
    }


def write_sensitivity(directory: RunDirectory, s: Sensitivity) -> Document:
    """sensitivity.csv and sensitivity.json; returns the document."""
    document = sensitivity_document(s)
    rows = document["indices"]
    directory.write_file(
        "sensitivity.csv", csv_text(list(rows[0]), [list(r.values()) for r in rows])
    )
    directory.write_file("sensitivity.json", document)
    return document


# --- robustness ---------------------------------------------------------------------------


def robustness_rows(r: Robustness) -> list[Document]:
    """Per ordering, most robust (lowest mean regret) first."""
    return [
        {
            "rank": position + 1,
            "ordering": _label(r.orderings, k),
            "mean_utility": float(r.mean_utility[k]),
            "worst": float(r.worst[k]),
            "regret_mean": float(r.regret_mean[k]),
            "regret_p90": float(r.regret_p90[k]),
            "regret_max": float(r.regret_max[k]),
            "share_best": float(r.share_best[k]),
        }
        for position, k in enumerate(r.order)
    ]


def robustness_document(r: Robustness) -> Document:
    """The robustness table and the sampled settings with their best ordering."""
    return {
        "kind": "robustness",
        "scenario": r.base.scenario.name,
        "samples": len(r.settings),
        "seed": r.seed,
        "replications": r.replications,
        "assumptions_from": _source(r.assumptions, "--param"),
        "parameters": [_parameter(a) for a in r.assumptions],
        "orderings": [row | {"ordering": row["ordering"].split(",")} for row in robustness_rows(r)],
        "settings": [
            {
                "values": dict(setting),
                "best": list(r.orderings[int(np.argmax(r.means[i]))]),
                "best_mean": float(r.means[i].max()),
            }
            for i, setting in enumerate(r.settings)
        ],
    }


def write_robustness(directory: RunDirectory, r: Robustness) -> Document:
    """robustness.csv, robustness_settings.csv (settings x orderings), robustness.json."""
    rows = robustness_rows(r)
    directory.write_file(
        "robustness.csv", csv_text(list(rows[0]), [list(x.values()) for x in rows])
    )
    header = ["setting", *(a.path for a in r.assumptions)]
    header += [_label(r.orderings, k) for k in range(len(r.orderings))]
    matrix = [
        [i, *(v for _, v in setting), *map(float, r.means[i])]
        for i, setting in enumerate(r.settings)
    ]
    directory.write_file("robustness_settings.csv", csv_text(header, matrix))
    document = robustness_document(r)
    directory.write_file("robustness.json", document)
    return document


def robustness_sentence(r: Robustness) -> str:
    """The most robust ordering by mean regret, and the minimax-regret choice."""
    first = r.order[0]
    minimax = min(range(len(r.orderings)), key=lambda k: (r.regret_max[k], k))
    text = (
        f"Lowest mean regret across {len(r.settings)} settings: "
        f"{ordering_arrows(r.orderings[first])} (mean regret {r.regret_mean[first]:.3g}, best in "
        f"{r.share_best[first]:.0%} of settings)."
    )
    if minimax != first:
        text += (
            f" Lowest worst-case regret: {ordering_arrows(r.orderings[minimax])} "
            f"({r.regret_max[minimax]:.3g})."
        )
    return text
