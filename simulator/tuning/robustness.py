"""Robustness under deep uncertainty: which ordering holds up when nobody agrees.

When the contested assumptions (the host's preference, the incident rate, ...) cannot
be pinned down, an analyst wants an ordering that does well across all plausible
settings rather than the best under one. This module samples `samples` settings of
the assumptions by Latin hypercube over their ranges (`scipy.stats.qmc`), simulates
every ordering at each setting on the same replications (the same seed), and reports
per ordering:

* the mean of its mean utility across settings, and its worst setting;
* its regret in each setting: the best ordering's mean utility there minus its own
  (0 when it is the best) — summarised by the mean, the 90th percentile and the
  maximum (the minimax-regret criterion);
* the share of settings in which it is the best (ties share the credit).

Regret uses estimated means, so an ordering that is never truly worse still shows a
small regret where noise favours a rival; more replications shrink it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from ..errors import SettingError
from ..executors import Executor
from ..experiment import resolve_design
from ..scenario import candidate_orderings
from ..streams import stream
from ..types import FloatArray, Ordering, Progress
from .evaluate import evaluate_settings
from .inputs import Assumption, Base, Setting

DEFAULT_SAMPLES = 20
MAX_SAMPLES = 10_000
"""Most settings: each is a full ranking of every ordering, and all their results are kept."""
REGRET_QUANTILE = 0.9


@dataclass(frozen=True)
class Robustness:
    """Mean utility of every ordering (columns) in every sampled setting (rows), and the
    per-ordering summaries; `order` lists orderings by mean regret, then mean utility."""

    base: Base
    assumptions: tuple[Assumption, ...]
    orderings: Sequence[Ordering]
    settings: tuple[Setting, ...]
    means: FloatArray  # (settings, orderings)
    regret: FloatArray  # (settings, orderings)
    mean_utility: FloatArray
    worst: FloatArray
    regret_mean: FloatArray
    regret_p90: FloatArray
    regret_max: FloatArray
    share_best: FloatArray
    order: tuple[int, ...]
    replications: int
    seed: int

    def __repr__(self) -> str:
        first = self.order[0]
        return (
            f"<Robustness {self.base.scenario.name}: {len(self.settings)} settings of "
            f"{len(self.assumptions)} assumption(s), {self.replications:,} replications, "
            f"seed {self.seed}; lowest mean regret {'→'.join(self.orderings[first])} "
            f"({self.regret_mean[first]:.4g})>"
        )


def latin_hypercube(assumptions: tuple[Assumption, ...], samples: int, seed: int) -> list[Setting]:
    """`samples` settings, one per row of a Latin hypercube over the ranges."""
    unit = qmc.LatinHypercube(len(assumptions), rng=stream(seed, "tuning:robustness")).random(
        samples
    )
    return [
        tuple((a.path, a.scale(u)) for a, u in zip(assumptions, row, strict=True)) for row in unit
    ]


def summarise(means: FloatArray) -> dict[str, FloatArray]:
    """Per-ordering summaries of a (settings, orderings) matrix of mean utilities."""
    top = means.max(axis=1, keepdims=True)
    regret = top - means
    best = means == top
    return {
        "regret": regret,
        "mean_utility": means.mean(axis=0),
        "worst": means.min(axis=0),
        "regret_mean": regret.mean(axis=0),
        "regret_p90": np.quantile(regret, REGRET_QUANTILE, axis=0),
        "regret_max": regret.max(axis=0),
        "share_best": (best / best.sum(axis=1, keepdims=True)).mean(axis=0),
    }


def check_robustness(
    base: Base, params: list[Assumption], samples: int | None
) -> tuple[tuple[Assumption, ...], int]:
    """Checked assumptions and number of settings, before any simulation."""
    m = DEFAULT_SAMPLES if samples is None else samples
    if not 2 <= m <= MAX_SAMPLES:
        raise SettingError(
            f"{{samples}} (settings) must be between 2 and {MAX_SAMPLES:,} (got {m})",
            setting="samples",
        )
    if not params:
        raise SettingError("give at least one {params} PATH=LOW:HIGH", setting="params")
    checked = base.check(params, "params")
    base.check_box(checked, "params")
    return checked, m


def run_robustness(
    base: Base,
    params: list[Assumption],
    *,
    samples: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Robustness:
    """Every ordering at each Latin-hypercube setting; regret and worst-case summaries."""
    n_reps, seed, _ = resolve_design(base.scenario, replications, seed)
    checked, m = check_robustness(base, params, samples)
    settings = latin_hypercube(checked, m, seed)
    base.check_settings(settings, "params")
    return rank_across(
        base,
        checked,
        settings,
        replications=n_reps,
        seed=seed,
        executor=executor,
        progress=progress,
    )


def rank_across(
    base: Base,
    assumptions: tuple[Assumption, ...],
    settings: Sequence[Setting],
    *,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Robustness:
    """Every ordering at each of the given (checked) settings, on the worlds of `seed`:
    regret and worst-case summaries across them, whoever chose the settings."""
    orderings = candidate_orderings(base.scenario)
    m = len(settings)
    evaluations = evaluate_settings(
        [base.at(setting, "params") for setting in settings],
        replications=replications,
        seed=seed,
        executor=executor,
        done=None if progress is None else lambda count: progress(count, m, ""),
    )
    means = np.array([e.mean for e in evaluations])
    summary = summarise(means)
    order = sorted(
        range(len(orderings)),
        key=lambda k: (summary["regret_mean"][k], -summary["mean_utility"][k], k),
    )
    return Robustness(
        base=base,
        assumptions=assumptions,
        orderings=orderings,
        settings=tuple(settings),
        means=means,
        order=tuple(order),
        replications=replications,
        seed=seed,
        **summary,
    )
