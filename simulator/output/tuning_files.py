"""Output directories and files of compare, sweep, sensitivity and robustness.

Each command writes `<out>/<scenario-name>/<kind>-<UTC time>-s<seed>/` with a manifest
(status `running`, then `complete`, `failed` with the error, or `interrupted`; the
command line, seed, settings and package versions), the resolved scenario, and its
tables: CSV for spreadsheets and one JSON document, the same one `--format json`
prints. Floats are written with `repr` and NaN as an empty cell or null, so the same
inputs give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from ..scenario import Scenario, scenario_hash, scenario_to_yaml
from ..stats.compare import QUANTILES, Difference, PairedComparison, VariantComparison
from ..tuning.compare import OrderingComparison, Variant
from ..tuning.inputs import Assumption
from ..tuning.robustness import Robustness
from ..tuning.sensitivity import Sensitivity
from ..tuning.sweep import Sweep, TippingPoint
from ..types import Ordering
from . import files
from .rundir import RunDirectory, package_versions
from .tables import ordering_arrows, ordering_text

Document = dict[str, Any]


def num(x: float | None) -> float | None:
    """A float for JSON: None for NaN or a missing value."""
    return None if x is None or math.isnan(x) else float(x)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
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


# --- the directory ----------------------------------------------------------------------


def start_directory(
    out: Path,
    kind: str,
    scenario: Scenario,
    settings: dict[str, Any],
    command: list[str],
    others: dict[str, Scenario] | None = None,
) -> RunDirectory:
    """Create `<out>/<scenario>/<kind>-<time>-s<seed>/` with the resolved scenario(s) and
    a `running` manifest. `others` adds `<key>.resolved.yaml` files (variants)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    path = files.new_folder(out / scenario.name, f"{kind}-{stamp}-s{settings.get('seed')}")
    written = ["manifest.json", "scenario.resolved.yaml"]
    files.write_text(path / "scenario.resolved.yaml", scenario_to_yaml(scenario))
    for key, other in (others or {}).items():
        files.write_text(path / f"{key}.resolved.yaml", scenario_to_yaml(other))
        written.append(f"{key}.resolved.yaml")
    manifest = {
        "status": "running",
        "kind": kind,
        "scenario": {"name": scenario.name, "hash": scenario_hash(scenario)},
        **settings,
        "versions": package_versions(),
        "command": command,
        "started": _now(),
        "ended": None,
        "files": written,
    }
    directory = RunDirectory(path, manifest)
    directory.save()
    return directory


@contextmanager
def recorded(directory: RunDirectory) -> Iterator[RunDirectory]:
    """Finish the manifest however the block ends: complete, failed or interrupted."""
    try:
        yield directory
    except KeyboardInterrupt:
        directory.finish("interrupted")
        raise
    except Exception as error:
        directory.finish("failed", f"{type(error).__name__}: {error}")
        raise
    directory.finish("complete")


def write(directory: RunDirectory, name: str, content: str | Document) -> None:
    """Write one file (text, or a JSON document) and list it in the manifest."""
    path = directory.path / name
    if isinstance(content, str):
        files.write_text(path, content)
    else:
        files.write_json(path, content)
    directory.manifest["files"].append(name)


# --- compare: two orderings -------------------------------------------------------------


def _difference(d: Difference) -> Document:
    return {"mean": num(d.mean), "ci_low": num(d.ci_low), "ci_high": num(d.ci_high), "n": d.n}


def _q(q: float) -> str:
    return f"q{round(q * 100):02d}"


def paired_document(c: PairedComparison) -> Document:
    """One metric's comparison as plain data."""
    return {
        "metric": c.metric,
        "better": "lower" if c.lower_is_better else "higher",
        "replications": c.replications,
        "n_a": c.n_a,
        "n_b": c.n_b,
        "mean_a": num(c.mean_a),
        "mean_b": num(c.mean_b),
        "identical": c.identical,
        "difference": _difference(c.difference),
        "p_a_better": num(c.p_a_better),
        "p_b_better": num(c.p_b_better),
        "wilcoxon": {"statistic": c.wilcoxon.statistic, "p_value": c.wilcoxon.p_value},
        "ks": None if c.ks is None else {"statistic": c.ks.statistic, "p_value": c.ks.p_value},
        "rank_biserial": c.rank_biserial,
        "cohen_dz": c.cohen_dz,
        "quantiles": {
            _q(q): {"a": num(a), "b": num(b), "difference": num(d)}
            for q, a, b, d in zip(
                QUANTILES, c.quantiles_a, c.quantiles_b, c.quantiles_difference, strict=True
            )
        },
        "dominance": {
            "verdict": c.dominance.verdict,
            "crossings": list(c.dominance.crossings),
        },
    }


def comparison_document(done: OrderingComparison) -> Document:
    """What `compare SCENARIO --ordering A --ordering B` found."""
    a, b = done.orderings
    return {
        "kind": "compare",
        "scenario": done.result.scenario.name,
        "seed": done.result.seed,
        "replications": done.result.replications,
        "confidence": done.comparisons[0].confidence,
        "a": list(a),
        "b": list(b),
        "metrics": [paired_document(c) for c in done.comparisons],
    }


def comparison_csv(done: OrderingComparison) -> str:
    """comparison.csv: one row per metric."""
    header = [
        "metric",
        "better",
        "mean_a",
        "mean_b",
        "mean_difference",
        "ci_low",
        "ci_high",
        "pairs",
        "p_a_better",
        "p_b_better",
        "wilcoxon_p",
        "ks_statistic",
        "ks_p",
        "rank_biserial",
        "cohen_dz",
        "dominance",
        "ecdf_crossings",
    ]
    rows = [
        [
            c.metric,
            "lower" if c.lower_is_better else "higher",
            c.mean_a,
            c.mean_b,
            c.difference.mean,
            c.difference.ci_low,
            c.difference.ci_high,
            c.difference.n,
            c.p_a_better,
            c.p_b_better,
            c.wilcoxon.p_value,
            None if c.ks is None else c.ks.statistic,
            None if c.ks is None else c.ks.p_value,
            c.rank_biserial,
            c.cohen_dz,
            c.dominance.verdict,
            len(c.dominance.crossings),
        ]
        for c in done.comparisons
    ]
    return _csv(header, rows)


def quantiles_csv(done: OrderingComparison) -> str:
    """quantiles.csv: per metric and quantile, A, B and the paired difference A - B."""
    rows = [
        [c.metric, q, a, b, d]
        for c in done.comparisons
        for q, a, b, d in zip(
            QUANTILES, c.quantiles_a, c.quantiles_b, c.quantiles_difference, strict=True
        )
    ]
    return _csv(["metric", "quantile", "a", "b", "difference"], rows)


def write_comparison(directory: RunDirectory, done: OrderingComparison) -> Document:
    """comparison.json, comparison.csv, quantiles.csv; returns the JSON document."""
    document = comparison_document(done)
    write(directory, "comparison.json", document)
    write(directory, "comparison.csv", comparison_csv(done))
    write(directory, "quantiles.csv", quantiles_csv(done))
    return document


# --- compare: two variants --------------------------------------------------------------


def _variant(v: Variant) -> Document:
    return {
        "source": str(v.source),
        "kind": v.kind,
        "scenario": v.result.scenario.name,
        "seed": v.result.seed,
        "replications": v.result.replications,
    }


def variants_document(a: Variant, b: Variant, done: VariantComparison, moves: int = 5) -> Document:
    """What `compare A B` found: best in each, Kendall's tau, rank moves, differences."""

    def row(k: int) -> Document:
        return {
            "ordering": list(done.orderings[k]),
            "rank_a": int(done.rank_a[k]),
            "rank_b": int(done.rank_b[k]),
            "move": int(done.rank_b[k] - done.rank_a[k]),
        }

    order = sorted(range(len(done.orderings)), key=lambda k: done.rank_a[k])
    return {
        "kind": "compare-variants",
        "a": _variant(a),
        "b": _variant(b),
        "paired": done.paired,
        "confidence": done.confidence,
        "shared_orderings": len(done.orderings),
        "best_a": list(done.best_a),
        "best_b": list(done.best_b),
        "kendall_tau": num(done.kendall_tau),
        "kendall_p": num(done.kendall_p),
        "largest_moves": [row(k) for k in done.moves[:moves]],
        "orderings": [
            row(k)
            | {
                "metrics": {
                    m.metric: {
                        "mean_a": num(float(m.mean_a[k])),
                        "mean_b": num(float(m.mean_b[k])),
                        "difference": _difference(m.differences[k]),
                    }
                    for m in done.metrics
                }
            }
            for k in order
        ],
    }


def variants_csv(done: VariantComparison) -> str:
    """variants.csv: per shared ordering (by rank in A) and metric, A - B with its CI."""
    order = sorted(range(len(done.orderings)), key=lambda k: done.rank_a[k])
    rows = [
        [
            ordering_text(done.orderings[k]),
            int(done.rank_a[k]),
            int(done.rank_b[k]),
            m.metric,
            float(m.mean_a[k]),
            float(m.mean_b[k]),
            m.differences[k].mean,
            m.differences[k].ci_low,
            m.differences[k].ci_high,
            m.differences[k].n,
        ]
        for k in order
        for m in done.metrics
    ]
    header = ["ordering", "rank_a", "rank_b", "metric", "mean_a", "mean_b", "difference_a_minus_b"]
    return _csv([*header, "ci_low", "ci_high", "n"], rows)


def write_variants(
    directory: RunDirectory, a: Variant, b: Variant, done: VariantComparison
) -> Document:
    """variants.json and variants.csv; returns the JSON document."""
    document = variants_document(a, b, done)
    write(directory, "variants.json", document)
    write(directory, "variants.csv", variants_csv(done))
    return document


# --- sweep --------------------------------------------------------------------------------


def _label(orderings: tuple[Ordering, ...], k: int) -> str:
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
        "lead_before_at_below": _difference(t.lead_below),
        "lead_after_at_above": _difference(t.lead_above),
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
        "axes": [
            {
                "path": a.path,
                "start": a.low,
                "stop": a.high,
                "points": a.points,
                "integer": a.integer,
                "tolerance": tol,
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
                "margin": _difference(p.margin),
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
    return _csv(header, rows)


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
    return _csv(header, rows)


def write_sweep(directory: RunDirectory, sweep: Sweep) -> Document:
    """sweep.csv, sweep_points.csv, tipping_points.json; returns the sweep document."""
    document = sweep_document(sweep)
    write(directory, "sweep.csv", sweep_csv(sweep))
    write(directory, "sweep_points.csv", sweep_points_csv(sweep))
    write(
        directory,
        "tipping_points.json",
        {k: document[k] for k in ("scenario", "seed", "replications", "axes", "tipping_points")},
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
        return "given by --ordering"
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
        "parameters": [{"path": a.path, "low": a.low, "high": a.high} for a in s.assumptions],
        "indices": _indices_rows(s),
    }


def write_sensitivity(directory: RunDirectory, s: Sensitivity) -> Document:
    """sensitivity.csv and sensitivity.json; returns the document."""
    document = sensitivity_document(s)
    rows = document["indices"]
    write(directory, "sensitivity.csv", _csv(list(rows[0]), [list(r.values()) for r in rows]))
    write(directory, "sensitivity.json", document)
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
        "parameters": [{"path": a.path, "low": a.low, "high": a.high} for a in r.assumptions],
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
    write(directory, "robustness.csv", _csv(list(rows[0]), [list(x.values()) for x in rows]))
    header = ["setting", *(a.path for a in r.assumptions)]
    header += [_label(r.orderings, k) for k in range(len(r.orderings))]
    matrix = [
        [i, *(v for _, v in setting), *map(float, r.means[i])]
        for i, setting in enumerate(r.settings)
    ]
    write(directory, "robustness_settings.csv", _csv(header, matrix))
    document = robustness_document(r)
    write(directory, "robustness.json", document)
    return document


# --- sentences for the terminal -------------------------------------------------------------


def comparison_sentence(c: PairedComparison) -> str:
    """One metric's comparison in words: the difference, who wins how often, dominance."""
    percent = round(c.confidence * 100)
    d = c.difference
    if math.isnan(d.mean):
        return f"{c.metric}: too few replications where both orderings have a value."
    if c.identical:
        return (
            f"{c.metric}: A and B are identical on this metric (the same value, up to "
            f"rounding, in all {d.n} paired replications)."
        )
    if d.mean == 0 and d.ci_low == d.ci_high:
        head = f"{c.metric}: no difference in any of the {d.n} paired replications"
    else:
        head = (
            f"{c.metric}: A - B = {d.mean:.4g} ({percent}% CI {d.ci_low:.4g} to {d.ci_high:.4g}, "
            f"{d.n} pairs; {'lower' if c.lower_is_better else 'higher'} is better)"
        )
    wins = f"A better in {c.p_a_better:.0%} of replications, B in {c.p_b_better:.0%}"
    verdicts = {
        "a": "A's distribution dominates B's (first order)",
        "b": "B's distribution dominates A's (first order)",
        "equal": "the distributions are identical",
        "none": f"no dominance: the ECDFs cross {len(c.dominance.crossings)} time(s)"
        + (f", first at {c.dominance.crossings[0]:.4g}" if c.dominance.crossings else ""),
    }
    return f"{head}; {wins}; {verdicts[c.dominance.verdict]}."


def variants_sentence(done: VariantComparison) -> str:
    """How the ranking moved, in one sentence."""
    same = done.best_a == done.best_b
    best = (
        f"the best ordering is {ordering_arrows(done.best_a)} in both"
        if same
        else f"the best ordering moves from {ordering_arrows(done.best_a)} (A) to "
        f"{ordering_arrows(done.best_b)} (B)"
    )
    tau = (
        "Kendall's tau is undefined (constant means)"
        if math.isnan(done.kendall_tau)
        else f"Kendall's tau between the rankings is {done.kendall_tau:.2f}"
    )
    kind = "paired (same seed)" if done.paired else "unpaired (different seeds)"
    return f"Across {len(done.orderings)} shared orderings, {best}; {tau}; differences {kind}."


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
