"""Calibration by history matching: which settings of the uncertain assumptions could
have produced what was observed (DESIGN §9, §10).

A wave lays a scrambled Sobol design over a box of the assumptions (the declared
ranges at first), simulates at each setting N replications of one plan (the observed
visit order, completed with the other visitors in scenario order) on the common worlds
of the seed, and scores each setting θ by the implausibility of every target e (an
observed or censored event day, `targets`):

    I_e(θ) = |y_e − E[X_e | θ]| / sqrt(Var[X_e | θ] (1 + 1/N) + discrepancy²)

where the mean and variance are over the replications (the 1/N term is the Monte Carlo
error of the mean) and `discrepancy` is the standard deviation, in days, of what the
model cannot reproduce however it is set. A setting is non-implausible when the
largest I_e (or, with rule `second`, the second largest) is at most `cutoff` (3, after
Pukelsheim's 3σ rule). The next wave's box is the bounding box of the non-implausible
settings, widened by one design spacing on each side; waves stop when the box shrinks
by less than `MIN_SHRINK` of its volume, or after `waves`. The last wave's
non-implausible settings are the calibrated sample.

Across the sample this reports the posterior predictive calendar of the plan (each
visitor's request, acceptance and visit day) and ranks every ordering at up to
`ranking` of the calibrated settings, by regret, as `robustness` does across a range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from ..errors import SettingError, literal
from ..executors import Executor, SerialExecutor, WorkItem
from ..experiment import BlockTask, resolve_design, work_items
from ..experiment.task import draw_world
from ..scenario import Scenario, metric_names
from ..streams import stream
from ..tuning.inputs import Assumption, Base, Setting
from ..tuning.robustness import Robustness, rank_across
from ..types import FloatArray, Ordering, Progress
from .load import observed_scenario
from .observations import DAY_METRIC, Observations
from .targets import STAGES, Target, calibration_targets, censored_days, target_columns

RULES = ("max", "second")
"""Which implausibility decides: the largest over the targets, or the second largest."""
DEFAULT_SAMPLES = 64
MAX_SAMPLES = 4096
DEFAULT_WAVES = 3
MAX_WAVES = 10
DEFAULT_CUTOFF = 3.0
DEFAULT_DISCREPANCY = 2.0
"""Model discrepancy, as a standard deviation in days."""
DEFAULT_RANKING = 20
"""Calibrated settings at which every ordering is ranked (the first ones in design order)."""
MIN_SHRINK = 0.1
"""A wave whose box is less than this share smaller (by volume) than the last ends the waves."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

Box = tuple[tuple[float, float], ...]
"""Per assumption, the (low, high) a wave's design spans."""


@dataclass(frozen=True)
class Wave:
    """One wave: its box, its settings, every target's implausibility at each setting
    (settings, targets), the deciding measure, and which settings are non-implausible."""

    box: Box
    settings: tuple[Setting, ...]
    implausibility: FloatArray
    measure: FloatArray
    kept: tuple[int, ...]


@dataclass(frozen=True)
class CalendarRow:
    """A visitor's stage under the plan across the calibrated sample: the share of
    replications in which it happened within the horizon, and quantiles of its day
    where it did."""

    visitor: str
    stage: str
    observed: float | None
    share: float
    quantiles: tuple[float, ...]


@dataclass(frozen=True)
class Calibration:
    """The waves, the calibrated sample (settings and their measure), the predictive
    calendar of the plan across it, and the ranking of every ordering across it."""

    base: Base
    assumptions: tuple[Assumption, ...]
    observations: Observations
    targets: tuple[Target, ...]
    plan: Ordering
    waves: tuple[Wave, ...]
    sample: tuple[Setting, ...]
    calendar: tuple[CalendarRow, ...]
    ranking: Robustness
    replications: int
    seed: int
    cutoff: float
    rule: str
    discrepancy: float
    max_waves: int
    stopped: str  # why the waves stopped

    @property
    def prior(self) -> Box:
        """The declared ranges."""
        return tuple((a.low, a.high) for a in self.assumptions)

    @property
    def calibrated_box(self) -> Box:
        """The bounding box of the calibrated sample."""
        values = np.array([[v for _, v in s] for s in self.sample])
        return tuple(
            (float(lo), float(hi)) for lo, hi in zip(values.min(0), values.max(0), strict=True)
        )

    def __repr__(self) -> str:
        return (
            f"<Calibration {self.base.scenario.name}: {len(self.sample)} non-implausible "
            f"settings of {len(self.assumptions)} assumption(s) after {len(self.waves)} "
            f"wave(s), {self.replications:,} replications, seed {self.seed}>"
        )


@dataclass(frozen=True)
class PlanTask:
    """A work item's outcome records of the plan at one of several settings, followed by
    the world's gate openings: shape (replications, metrics + gates)."""

    tasks: tuple[BlockTask, ...]

    def __call__(self, item: WorkItem) -> FloatArray:
        block, start, stop, setting = item
        assert setting is not None
        task = self.tasks[setting[0]]
        records = task((block, start, stop, None))[0]
        gates = draw_world(task.scenario, task.seed, block).gate_open[start:stop]
        return np.concatenate([records, gates], axis=1)


def observed_plan(observations: Observations, scenario: Scenario) -> Ordering:
    """The observed visit order, then the visitors not yet seen visiting, in scenario order."""
    seen = observations.visited()
    return (*seen, *(v.id for v in scenario.visitors if v.id not in seen))


def sobol_settings(
    assumptions: tuple[Assumption, ...], box: Box, samples: int, seed: int, wave: int
) -> tuple[Setting, ...]:
    """`samples` settings of a scrambled Sobol design over `box` (the first points of a
    power-of-two design, which keeps its balance), from the named stream of the wave."""
    sobol = qmc.Sobol(len(assumptions), rng=stream(seed, f"calibrate:design:{wave}"))
    unit = sobol.random(1 << max(0, math.ceil(math.log2(samples))))[:samples]
    return tuple(
        tuple(
            (a.path, a.value(lo + u * (hi - lo)))
            for a, (lo, hi), u in zip(assumptions, box, row, strict=True)
        )
        for row in unit
    )


def implausibility(observed: FloatArray, days: FloatArray, discrepancy: float) -> FloatArray:
    """I_e for each target: `observed` (targets,), simulated `days` (replications,
    targets). A target no replication varies on and the observation equals is 0."""
    n = days.shape[0]
    spread = days.var(axis=0, ddof=1) * (1 + 1 / n) + discrepancy**2
    gap = np.abs(observed - days.mean(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = gap / np.sqrt(spread)
    return np.where(gap == 0, 0.0, np.where(spread > 0, scaled, np.inf))


def decide(implausibility: FloatArray, rule: str) -> FloatArray:
    """The deciding measure of each setting: the largest or second-largest I_e."""
    ranked = np.sort(implausibility, axis=1)
    column = -2 if rule == "second" and ranked.shape[1] > 1 else -1
    return np.asarray(ranked[:, column])


def refocus(box: Box, settings: tuple[Setting, ...], kept: tuple[int, ...]) -> Box:
    """The bounding box of the kept settings, one design spacing wider on each side,
    within `box`."""
    values = np.array([[v for _, v in settings[k]] for k in kept])
    spacing = len(settings) ** (-1 / len(box))
    out = []
    for (lo, hi), column in zip(box, values.T, strict=True):
        pad = (hi - lo) * spacing
        out.append((max(lo, float(column.min()) - pad), min(hi, float(column.max()) + pad)))
    return tuple(out)


def volume(box: Box) -> float:
    """The product of a box's widths."""
    return math.prod(hi - lo for lo, hi in box)


def check_calibration(
    base: Base,
    params: list[Assumption],
    *,
    samples: int,
    waves: int,
    cutoff: float,
    rule: str,
    discrepancy: float,
    ranking: int,
) -> tuple[Assumption, ...]:
    """Checked assumptions (as `robustness` checks them), and the method's settings,
    before any simulation."""
    bounds = (
        ("samples", samples, 2, MAX_SAMPLES, "settings per wave"),
        ("waves", waves, 1, MAX_WAVES, "waves"),
        ("ranking", ranking, 1, MAX_SAMPLES, "calibrated settings ranked"),
    )
    for name, value, low, high, what in bounds:
        if not low <= value <= high:
            raise SettingError(
                f"{{{name}}} ({what}) must be between {low} and {high:,} (got {value})",
                setting=name,
            )
    if not (math.isfinite(cutoff) and cutoff > 0):
        raise SettingError(f"{{cutoff}} must be a positive number (got {cutoff})", setting="cutoff")
    if not (math.isfinite(discrepancy) and discrepancy >= 0):
        raise SettingError(
            f"{{discrepancy}} (days) must be zero or more (got {discrepancy})",
            setting="discrepancy",
        )
    if rule not in RULES:
        raise SettingError(
            f"{{rule}} must be one of {', '.join(RULES)} (got {rule!r})", setting="rule"
        )
    if not params:
        raise SettingError(
            "give at least one {params} PATH=LOW:HIGH (the scenario declares no uncertain "
            "assumptions)",
            setting="params",
        )
    checked = base.check(params, "params")
    base.check_box(checked, "params")
    return checked


def _simulate(
    base: Base,
    settings: tuple[Setting, ...],
    plan: Ordering,
    replications: int,
    seed: int,
    executor: Executor,
    progress: Progress | None,
    status: str,
) -> FloatArray:
    """The plan's rows at every setting: shape (settings, replications, columns)."""
    task = PlanTask(tuple(BlockTask(base.at(s, "params"), (plan,), seed) for s in settings))
    per = len(work_items(0, replications, None))
    items = [item for s in range(len(settings)) for item in work_items(0, replications, (s,))]
    parts: list[FloatArray] = []
    with executor.session(task) as run:
        for count, part in enumerate(run(items), start=1):
            parts.append(part)
            if progress is not None and count % per == 0:
                progress(count // per, len(settings), status)
    rows = np.concatenate(parts, axis=0)
    return rows.reshape(len(settings), replications, rows.shape[1])


def _calendar(
    rows: FloatArray, scenario: Scenario, observations: Observations
) -> tuple[CalendarRow, ...]:
    names = metric_names(scenario)
    out = []
    for v in scenario.visitors:
        events = observations.visitor_events(v.id)
        for stage in STAGES:
            days = rows[:, names.index(f"{DAY_METRIC[stage]}.{v.id}")]
            done = days[~np.isnan(days)]
            seen = [e.day for e in events if e.kind == stage]
            quantiles = (
                tuple(float(q) for q in np.quantile(done, QUANTILES))
                if done.size
                else (math.nan,) * len(QUANTILES)
            )
            out.append(
                CalendarRow(
                    v.id,
                    stage,
                    min(seen) if seen else None,
                    done.size / days.size,
                    quantiles,
                )
            )
    return tuple(out)


def run_calibration(
    base: Base,
    params: list[Assumption],
    observations: Observations,
    *,
    samples: int = DEFAULT_SAMPLES,
    waves: int = DEFAULT_WAVES,
    cutoff: float = DEFAULT_CUTOFF,
    rule: str = "max",
    discrepancy: float = DEFAULT_DISCREPANCY,
    ranking: int = DEFAULT_RANKING,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Calibration:
    """History matching of the assumptions to the observations, in waves, then the
    predictive calendar and the ranking of every ordering across the calibrated sample.

    Raises InputError before any simulation when the assumptions or the observations
    are unusable, and SettingError when no setting of the first wave is consistent.
    """
    n, seed, _ = resolve_design(base.scenario, replications, seed)
    assumptions = check_calibration(
        base,
        params,
        samples=samples,
        waves=waves,
        cutoff=cutoff,
        rule=rule,
        discrepancy=discrepancy,
        ranking=ranking,
    )
    scenario = base.scenario
    targets = calibration_targets(observations, scenario)
    columns = target_columns(targets, scenario)
    observed = np.array([t.observed for t in targets])
    plan = observed_plan(observations, scenario)
    runner = executor or SerialExecutor()
    box: Box = tuple((a.low, a.high) for a in assumptions)
    done: list[Wave] = []
    kept_rows: FloatArray = np.empty((0, 0, 0))
    stopped = f"the wave limit ({waves})"
    for w in range(1, waves + 1):
        settings = sobol_settings(assumptions, box, samples, seed, w)
        base.check_settings(settings, "params")
        rows = _simulate(base, settings, plan, n, seed, runner, progress, f"wave {w}")
        days = censored_days(rows, columns, observations.until)
        scores = np.array([implausibility(observed, d, discrepancy) for d in days])
        measure = decide(scores, rule)
        kept = tuple(int(k) for k in np.flatnonzero(measure <= cutoff))
        if not kept:
            if not done:
                best = int(np.argmin(measure))
                at = literal(", ".join(f"{p} = {v:g}" for p, v in settings[best]))
                raise SettingError(
                    f"no setting of the {samples} sampled is consistent with the "
                    f"observations: the smallest implausibility is {measure[best]:.3g} "
                    f"(at {at}), above {{cutoff}} {cutoff:g}; widen the ranges, add "
                    "assumptions, or allow more {discrepancy}",
                    setting="cutoff",
                )
            stopped = f"wave {w}, which kept no setting (the sample is wave {w - 1}'s)"
            break
        done.append(Wave(box, settings, scores, measure, kept))
        kept_rows = rows[list(kept)]
        if w == waves:
            break
        narrower = refocus(box, settings, kept)
        if volume(narrower) > (1 - MIN_SHRINK) * volume(box):
            stopped = f"wave {w}, as the box stopped shrinking"
            break
        box = narrower
    last = done[-1]
    sample = tuple(last.settings[k] for k in last.kept)
    calendar = _calendar(kept_rows.reshape(-1, kept_rows.shape[2]), scenario, observations)
    # rank from the end of the record on: the visits made are every plan's first
    known = observed_scenario(scenario, observations, observations.until).observed
    assert known is not None
    ranked = rank_across(
        base.known(known),
        assumptions,
        sample[:ranking],
        replications=n,
        seed=seed,
        executor=runner,
        progress=None
        if progress is None
        else lambda count, total, _s: progress(count, total, "ranking"),
    )
    return Calibration(
        base=base,
        assumptions=assumptions,
        observations=observations,
        targets=targets,
        plan=plan,
        waves=tuple(done),
        sample=sample,
        calendar=calendar,
        ranking=ranked,
        replications=n,
        seed=seed,
        cutoff=cutoff,
        rule=rule,
        discrepancy=discrepancy,
        max_waves=waves,
        stopped=stopped,
    )
