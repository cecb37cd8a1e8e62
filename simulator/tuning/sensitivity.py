"""Global sensitivity of the recommendation to the assumptions: Morris and Sobol.

The outputs are functions of the assumptions, each evaluated by simulating every
ordering on the same replications (the same seed) at that setting:

* `margin`: the *selected* ordering's mean utility minus the best other ordering's.
  The selected ordering is the one `visitsim run` recommends for the scenario as given
  (its fixed design at the scenario's replications, with the same seed), or one the
  analyst names; a negative margin means some other ordering has overtaken it.
* `mean:<ordering>`: the mean utility of each of the top orderings of the scenario as
  given.

Methods:

* **Morris** elementary effects (screening): `samples` random one-at-a-time
  trajectories on a 4-level grid of the unit box (Morris 1991; step 2/3 of the range).
  An elementary effect is the change of the output per full range of the assumption.
  mu* (mean absolute effect) ranks influence; sigma (sd of the effects) flags
  non-linearity or interaction; mu (signed mean) gives the direction.
* **Sobol** indices (variance-based): a Saltelli design of `samples` (a power of 2)
  scrambled Sobol points in A and B plus the d mixed matrices, n (d + 2) settings, and
  scipy's estimators (`scipy.stats.sobol_indices`, Saltelli 2010 / Jansen). S1 is the
  share of the output's variance due to the assumption alone, ST including its
  interactions. Percentile-bootstrap intervals resample the n base rows.

Both treat each assumption as uniform over [LOW, HIGH]. A one-at-a-time *swing* (the
output with one assumption at LOW, then at HIGH, the others as in the scenario)
draws the tornado figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.stats import qmc

from ..errors import SettingError
from ..executors import Executor
from ..experiment import resolve_design
from ..streams import stream
from ..types import FloatArray, IntArray, Ordering, OrderingLike, Progress
from .evaluate import evaluate_settings, recommended_ordering
from .inputs import Assumption, Base, Setting, parse_ordering

METHODS = ("morris", "sobol")
LEVELS = 4
STEP = LEVELS / (2 * (LEVELS - 1))
BOOTSTRAP = 200
DEFAULT_SAMPLES = {"morris": 10, "sobol": 16}
MAX_SAMPLES = 10_000
"""Most Morris trajectories or Sobol base points: each is one or more settings, every
one a full simulation, and all their results are kept."""
MAX_TOP = 100
"""Most top orderings analysed besides the chosen one."""


@dataclass(frozen=True)
class Indices:
    """One output's indices for each assumption (arrays over assumptions).

    Morris fills mu, mu_star, sigma; Sobol fills first, total and their intervals.
    `swing_low`/`swing_high` are the output with the assumption at LOW/HIGH.
    """

    output: str
    base: float
    swing_low: FloatArray
    swing_high: FloatArray
    mu: FloatArray | None = None
    mu_star: FloatArray | None = None
    sigma: FloatArray | None = None
    first: FloatArray | None = None
    total: FloatArray | None = None
    first_ci: FloatArray | None = None  # (assumptions, 2)
    total_ci: FloatArray | None = None

    @property
    def influence(self) -> FloatArray:
        """What ranks the assumptions: mu* (Morris) or the total index (Sobol)."""
        value = self.mu_star if self.mu_star is not None else self.total
        assert value is not None
        return value

    def ranked(self) -> list[int]:
        """Assumption indices, most influential first (NaN last)."""
        influence = np.nan_to_num(self.influence, nan=-math.inf)
        return sorted(range(influence.size), key=lambda i: (-influence[i], i))


@dataclass(frozen=True)
class Sensitivity:
    """The result: the tracked orderings, and indices for each output.

    `selection_replications` is None when the selected ordering was given, else the
    replications at which `visitsim run` recommends it (with `seed`).
    """

    base: Base
    method: str
    assumptions: tuple[Assumption, ...]
    orderings: Sequence[Ordering]
    selected: int
    selection_replications: int | None
    runner_up: int
    top: tuple[int, ...]
    outputs: tuple[Indices, ...]
    samples: int
    settings: int
    replications: int
    seed: int

    def __repr__(self) -> str:
        return (
            f"<Sensitivity {self.base.scenario.name}: {self.method} over "
            f"{len(self.assumptions)} assumption(s), {self.settings} settings of "
            f"{self.replications:,} replications, seed {self.seed}; selected "
            f"{'→'.join(self.orderings[self.selected])}>"
        )


def morris_design(d: int, trajectories: int, seed: int) -> tuple[FloatArray, IntArray]:
    """Morris trajectories in the unit box: points (r, d + 1, d), and the moved
    coordinate at each step (r, d)."""
    rng = stream(seed, "tuning:morris")
    levels = np.arange(LEVELS) / (LEVELS - 1)
    points = np.empty((trajectories, d + 1, d))
    moved = np.empty((trajectories, d), dtype=np.int64)
    for t in range(trajectories):
        x = rng.choice(levels, size=d)
        points[t, 0] = x
        order = rng.permutation(d)
        moved[t] = order
        for step, i in enumerate(order):
            x = x.copy()
            x[i] = x[i] + STEP if x[i] + STEP <= 1 + 1e-12 else x[i] - STEP
            points[t, step + 1] = x
    return points, moved


def saltelli_design(d: int, n: int, seed: int) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A, B (n, d) and AB (d, n, d): AB[i] is A with column i taken from B."""
    sample = qmc.Sobol(2 * d, scramble=True, rng=stream(seed, "tuning:sobol")).random(n)
    a, b = sample[:, :d], sample[:, d:]
    ab = np.repeat(a[None], d, axis=0)
    for i in range(d):
        ab[i, :, i] = b[:, i]
    return a, b, ab


def _sobol(f_a: FloatArray, f_b: FloatArray, f_ab: FloatArray) -> tuple[FloatArray, FloatArray]:
    """First and total indices (outputs, d) by scipy (0 for an output that is constant)."""
    result = stats.sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=f_a.shape[1])
    return np.asarray(result.first_order), np.asarray(result.total_order)


def _morris_indices(effects: FloatArray) -> dict[str, FloatArray]:
    """mu, mu* and sigma per assumption from effects (trajectories, d), NaN = none."""
    present = ~np.isnan(effects)
    count = present.sum(axis=0)
    values = np.where(present, effects, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = values.sum(axis=0) / count
        mu_star = np.abs(values).sum(axis=0) / count
        spread = np.where(present, (effects - mu) ** 2, 0.0).sum(axis=0)
        sigma = np.sqrt(spread / (count - 1))
    return {"mu": mu, "mu_star": mu_star, "sigma": np.where(count > 1, sigma, np.nan)}


def check_sensitivity(
    base: Base, params: list[Assumption], method: str, samples: int | None, top: int = 1
) -> tuple[tuple[Assumption, ...], int]:
    """Checked assumptions and sample size, before any simulation."""
    if not 1 <= top <= MAX_TOP:
        raise SettingError(f"{{top}} must be between 1 and {MAX_TOP} (got {top})", setting="top")
    if method not in METHODS:
        raise SettingError(
            f"{{method}} must be one of {', '.join(METHODS)} (got {method!r})", setting="method"
        )
    if not params:
        raise SettingError("give at least one {params} PATH=LOW:HIGH", setting="params")
    n = DEFAULT_SAMPLES[method] if samples is None else samples
    if method == "morris" and not 2 <= n <= MAX_SAMPLES:
        raise SettingError(
            f"{{samples}} (Morris trajectories) must be between 2 and {MAX_SAMPLES:,} (got {n})",
            setting="samples",
        )
    if method == "sobol" and (not 2 <= n <= MAX_SAMPLES or n & (n - 1)):
        raise SettingError(
            "{samples} (Sobol base points) must be a power of 2 between 2 and "
            f"{MAX_SAMPLES:,} (got {n})",
            setting="samples",
        )
    checked = base.check(params, "params")
    base.check_box(checked, "params")
    return checked, n


def run_sensitivity(
    base: Base,
    params: list[Assumption],
    *,
    method: str = "morris",
    samples: int | None = None,
    top: int = 3,
    ordering: OrderingLike | None = None,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> Sensitivity:
    """Indices of the selected ordering's margin and the top orderings' mean utilities.

    `ordering` is the one whose margin is analysed (`"a,b,c"`, `"a→b→c"` or visitor
    ids; default: the one `visitsim run` recommends for the scenario as given, with
    this seed: see `recommended_ordering`). The scenario as given, the one-at-a-time
    swings and the whole design run as one batch of settings.
    """
    analysed = None if ordering is None else parse_ordering(ordering, base.scenario, "ordering")
    n_reps, seed, orderings = resolve_design(base.scenario, replications, seed)
    checked, n = check_sensitivity(base, params, method, samples, top)
    if ordering is None:
        picking = "(finding the ordering visitsim run recommends: {}/{} replications)"
        selected, picked_at, _ = recommended_ordering(
            base.scenario,
            seed=seed,
            executor=executor,
            progress=None
            if progress is None
            else lambda done, total, _: progress(0, None, picking.format(done, total)),
        )
    else:
        selected, picked_at = orderings.index(analysed), None
    d = len(checked)
    if method == "morris":
        points, moved = morris_design(d, n, seed)
        units = points.reshape(-1, d)
    else:
        a, b, ab = saltelli_design(d, n, seed)
        units = np.concatenate([a, b, *ab])
    swings: list[Setting] = [
        ((p.path, p.low if high == 0 else p.high),) for p in checked for high in (0, 1)
    ]
    design: list[Setting] = [
        tuple((p.path, p.scale(u)) for p, u in zip(checked, row, strict=True)) for row in units
    ]
    settings = [(), *swings, *design]
    total = len(settings)
    evaluations = evaluate_settings(
        [base.at(setting, "params") for setting in settings],
        replications=n_reps,
        seed=seed,
        executor=executor,
        done=None if progress is None else lambda count: progress(count, total, ""),
    )
    start = evaluations[0]
    tops = start.order[: min(top, len(orderings))]
    values = np.array(
        [[e.margin(selected), *(e.mean[k] for k in tops)] for e in evaluations]
    ).T  # (outputs, settings)
    names = ("margin", *(f"mean:{','.join(orderings[k])}" for k in tops))
    swing = values[:, 1 : 1 + 2 * d]
    out = values[:, 1 + 2 * d :]

    def indices(o: int, **found: FloatArray) -> Indices:
        return Indices(
            output=names[o],
            base=float(values[o, 0]),
            swing_low=swing[o, 0::2],
            swing_high=swing[o, 1::2],
            **found,
        )

    if method == "morris":
        effects = _effects(checked, points, moved, out.reshape(len(names), n, d + 1))
        outputs = tuple(indices(o, **_morris_indices(effects[o])) for o in range(len(names)))
    else:
        f_a, f_b = out[:, :n], out[:, n : 2 * n]
        f_ab = out[:, 2 * n :].reshape(len(names), d, n).transpose(1, 0, 2)
        outputs = tuple(
            indices(o, **found) for o, found in enumerate(_sobol_indices(f_a, f_b, f_ab, seed))
        )
    return Sensitivity(
        base=base,
        method=method,
        assumptions=checked,
        orderings=orderings,
        selected=selected,
        selection_replications=picked_at,
        runner_up=start.rival(selected),
        top=tops,
        outputs=outputs,
        samples=n,
        settings=total,
        replications=n_reps,
        seed=seed,
    )


def _effects(
    assumptions: tuple[Assumption, ...], points: FloatArray, moved: IntArray, values: FloatArray
) -> FloatArray:
    """Elementary effects (outputs, trajectories, d) per full range of each assumption,
    from the outputs along each trajectory (outputs, trajectories, d + 1)."""
    outputs, trajectories, _ = values.shape
    d = len(assumptions)
    effects = np.full((outputs, trajectories, d), np.nan)
    for t in range(trajectories):
        for step, i in enumerate(moved[t]):
            a = assumptions[i]
            lo, hi = points[t, step, i], points[t, step + 1, i]
            change = (a.scale(hi) - a.scale(lo)) / (a.high - a.low)
            if change != 0:  # rounding a whole-number field can cancel a step
                effects[:, t, i] = (values[:, t, step + 1] - values[:, t, step]) / change
    return effects


def _sobol_indices(
    f_a: FloatArray, f_b: FloatArray, f_ab: FloatArray, seed: int
) -> list[dict[str, FloatArray]]:
    """Per output: S1, ST and their percentile-bootstrap 95% intervals."""
    n = f_a.shape[1]
    first, total = _sobol(f_a, f_b, f_ab)
    rng = stream(seed, "tuning:sobol-bootstrap")
    boot = [
        _sobol(f_a[:, idx], f_b[:, idx], f_ab[:, :, idx])
        for idx in rng.integers(0, n, size=(BOOTSTRAP, n))
    ]
    first_boot = np.stack([f for f, _ in boot])
    total_boot = np.stack([t for _, t in boot])
    first_ci = np.percentile(first_boot, [2.5, 97.5], axis=0)
    total_ci = np.percentile(total_boot, [2.5, 97.5], axis=0)
    return [
        {
            "first": first[o],
            "total": total[o],
            "first_ci": first_ci[:, o, :].T,
            "total_ci": total_ci[:, o, :].T,
        }
        for o in range(f_a.shape[0])
    ]
