"""Sweeps of one or two assumptions, and the tipping points where the best ordering flips.

At every point of the grid all candidate orderings run on the same replications
(the same seed), so the response curves are smooth and two neighbouring points differ
only by the assumption. Where the best ordering differs between neighbouring grid
points, the flip is located by bisection along that axis (the other held fixed) until
the bracket is no wider than the tolerance. A flip is reported as "above X the best
ordering becomes Y", with the paired difference of the two orderings at both ends of
the bracket, and a range of values consistent with the flip: from the nearest
evaluated point below at which the old best ordering still leads the new one
significantly to the nearest above at which the new one leads significantly
(pointwise confidence intervals); at the evaluated points between, neither does.

Bisection assumes one change inside a grid cell; a pair of flips inside one cell
(A → B → A) is not seen, so use a grid fine enough for the question.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import SettingError
from ..executors import Executor
from ..experiment import rank_orderings, resolve_design
from ..stats.compare import Difference
from ..stats.ranking import Ranking
from ..types import Ordering, Progress
from .evaluate import Evaluation, evaluate_settings
from .inputs import Assumption, Base

MAX_FLIPS = 20
"""Flips located per grid cell at most (near-ties can alternate many times)."""

"""Called with (points done, points planned if known, status)."""


@dataclass(frozen=True)
class SweepPoint:
    """One setting of the varied assumptions: the ranking and the best ordering's lead."""

    values: tuple[float, ...]
    grid: bool
    evaluation: Evaluation
    ranking: Ranking
    margin: Difference

    @property
    def best(self) -> int:
        return self.evaluation.best

    @property
    def runner_up(self) -> int:
        return self.evaluation.runner_up


Bracket = tuple[SweepPoint, SweepPoint, int]
"""Two points on a line along an axis (lower, upper) and the axis."""


@dataclass(frozen=True)
class TippingPoint:
    """Along `axis` (others at `values`), `before` is best up to `below`, `after` from
    `above` on. `lead_below` is before - after at `below`, `lead_above` after - before
    at `above`. The flip lies in [`plausible_low`, `plausible_high`]: the nearest
    evaluated value at or below `below` at which `before` leads `after` significantly,
    and the nearest at or above `above` at which `after` leads `before` significantly
    (None: no such value in the swept range)."""

    axis: int
    values: tuple[float, ...]
    below: float
    above: float
    before: int
    after: int
    lead_below: Difference
    lead_above: Difference
    plausible_low: float | None
    plausible_high: float | None

    @property
    def at(self) -> float:
        """The flip's estimate: the middle of the final bracket."""
        return (self.below + self.above) / 2


@dataclass(frozen=True)
class Sweep:
    """A finished sweep: points sorted by their values, and the tipping points."""

    base: Base
    axes: tuple[Assumption, ...]
    tolerances: tuple[float, ...]
    orderings: Sequence[Ordering]
    points: tuple[SweepPoint, ...]
    tipping_points: tuple[TippingPoint, ...]
    replications: int
    seed: int
    confidence: float

    def __repr__(self) -> str:
        axes = " x ".join(a.text for a in self.axes)
        return (
            f"<Sweep {self.base.scenario.name}: {axes}, {len(self.points)} points of "
            f"{self.replications:,} replications, seed {self.seed}; "
            f"{len(self.tipping_points)} tipping point(s)>"
        )


def default_tolerance(axis: Assumption) -> float:
    """An eighth of the grid step (three bisections per flip); 1 for a whole-number field."""
    assert axis.points is not None
    return 1.0 if axis.integer else (axis.high - axis.low) / (axis.points - 1) / 8


class _Sweeper:
    """Evaluates settings (each at most once) and locates flips."""

    def __init__(
        self,
        base: Base,
        axes: tuple[Assumption, ...],
        tolerances: tuple[float, ...],
        orderings: Sequence[Ordering],
        replications: int,
        seed: int,
        executor: Executor | None,
        confidence: float,
        progress: Progress | None,
    ) -> None:
        self.base, self.axes, self.tolerances = base, axes, tolerances
        self.orderings = orderings
        self.replications, self.seed, self.executor = replications, seed, executor
        self.confidence, self.progress = confidence, progress
        self.points: dict[tuple[float, ...], SweepPoint] = {}
        self.planned: int | None = None

    def setting(self, values: tuple[float, ...]) -> tuple[tuple[str, float], ...]:
        return tuple((a.path, v) for a, v in zip(self.axes, values, strict=True))

    def evaluate(self, batch: list[tuple[float, ...]], grid: bool) -> list[SweepPoint]:
        """The points at these values, simulating (in one batch) those not yet seen."""
        new = [v for v in dict.fromkeys(batch) if v not in self.points]
        scenarios = [self.base.at(self.setting(v), "varies") for v in new]
        seen = len(self.points)

        def done(count: int) -> None:
            if self.progress is not None:
                status = "grid" if grid else "locating tipping points"
                self.progress(seen + count, self.planned if grid else None, status)

        evaluations = evaluate_settings(
            scenarios,
            replications=self.replications,
            seed=self.seed,
            executor=self.executor,
            done=done,
        )
        for values, evaluation in zip(new, evaluations, strict=True):
            ranking = rank_orderings(
                self.orderings, evaluation.utility, seed=self.seed, confidence=self.confidence
            )
            margin = evaluation.difference(evaluation.best, evaluation.runner_up, self.confidence)
            self.points[values] = SweepPoint(values, grid, evaluation, ranking, margin)
        return [self.points[v] for v in batch]

    def refine(self, cells: list[Bracket]) -> list[Bracket]:
        """Brackets of every flip inside grid cells whose ends have different best
        orderings, by bisection along each cell's axis.

        All brackets are halved together, each round's midpoints simulated as one batch.
        A located flip whose upper point still differs from the cell's upper end starts
        a new search above it (several flips in one cell).
        """
        flips: list[Bracket] = []
        open_ = [(a, b, axis, b) for a, b, axis in cells]
        found = dict.fromkeys(range(len(cells)), 0)
        owner = list(range(len(cells)))
        while open_:
            splitting, mids = [], []
            for i, (a, b, axis, _end) in enumerate(open_):
                mid = self.axes[axis].value((a.values[axis] + b.values[axis]) / 2)
                wide = b.values[axis] - a.values[axis] > self.tolerances[axis]
                if wide and mid not in (a.values[axis], b.values[axis]):
                    splitting.append(i)
                    mids.append((*a.values[:axis], mid, *a.values[axis + 1 :]))
                    continue
                flips.append((a, b, axis))
                found[owner[i]] += 1
            evaluated = dict(zip(splitting, self.evaluate(mids, grid=False), strict=True))
            following, next_owner = [], []
            for i, (a, b, axis, end) in enumerate(open_):
                if i in evaluated:
                    p = evaluated[i]
                    following.append((p, b, axis, end) if p.best == a.best else (a, p, axis, end))
                    next_owner.append(owner[i])
                elif b.best != end.best and found[owner[i]] < MAX_FLIPS:
                    following.append((b, end, axis, end))
                    next_owner.append(owner[i])
            open_, owner = following, next_owner
        return sorted(flips, key=lambda f: (f[2], f[0].values))

    def tipping(self, a: SweepPoint, b: SweepPoint, axis: int) -> TippingPoint:
        before, after = a.best, b.best
        line = sorted(
            (p for p in self.points.values() if _same_line(p.values, a.values, axis)),
            key=lambda p: p.values[axis],
        )
        leads = {p.values: p.evaluation.difference(after, before, self.confidence) for p in line}
        x_a, x_b = a.values[axis], b.values[axis]
        low = [
            p.values[axis] for p in line if p.values[axis] <= x_a and leads[p.values].ci_high < 0
        ]
        high = [
            p.values[axis] for p in line if p.values[axis] >= x_b and leads[p.values].ci_low > 0
        ]
        lead_below = a.evaluation.difference(before, after, self.confidence)
        return TippingPoint(
            axis=axis,
            values=a.values,
            below=x_a,
            above=x_b,
            before=before,
            after=after,
            lead_below=lead_below,
            lead_above=leads[b.values],
            plausible_low=max(low) if low else None,
            plausible_high=min(high) if high else None,
        )


def _same_line(values: tuple[float, ...], other: tuple[float, ...], axis: int) -> bool:
    return all(v == o for i, (v, o) in enumerate(zip(values, other, strict=True)) if i != axis)


def check_sweep(
    base: Base, axes: list[Assumption], tolerances: tuple[float, ...]
) -> tuple[tuple[Assumption, ...], tuple[float, ...]]:
    """Check the axes and tolerances, and validate every grid point, before any run."""
    if not 1 <= len(axes) <= 2:
        raise SettingError(
            f"give one or two {{varies}} options (got {len(axes)})", setting="varies"
        )
    checked = base.check(axes, "varies")
    if len(tolerances) not in (0, 1, len(checked)):
        raise SettingError(
            "give {tolerances} once, or once per {varies} in the same order "
            f"(got {len(tolerances)})",
            setting="tolerances",
        )
    if any(not (t > 0 and math.isfinite(t)) for t in tolerances):
        raise SettingError(
            "{tolerances} must be a positive number "
            f"(got {', '.join(f'{t:g}' for t in tolerances)})",
            setting="tolerances",
        )
    if not tolerances:
        tols = tuple(default_tolerance(a) for a in checked)
    elif len(tolerances) == 1:
        tols = tolerances * len(checked)
    else:
        tols = tolerances
    grids = [a.grid() for a in checked]
    settings = [
        tuple((a.path, v) for a, v in zip(checked, values, strict=True))
        for values in itertools.product(*grids)
    ]
    base.check_settings(settings, "varies", " ".join(f"{{varies}} {a.text}" for a in checked))
    return checked, tols


def run_sweep(
    base: Base,
    axes: list[Assumption],
    *,
    replications: int | None = None,
    seed: int | None = None,
    tolerances: tuple[float, ...] = (),
    executor: Executor | None = None,
    confidence: float = 0.95,
    progress: Progress | None = None,
) -> Sweep:
    """Rank every ordering at each grid point, then locate the tipping points."""
    n, seed, orderings = resolve_design(base.scenario, replications, seed)
    checked, tols = check_sweep(base, axes, tolerances)
    sweeper = _Sweeper(base, checked, tols, orderings, n, seed, executor, confidence, progress)
    grids = [a.grid() for a in checked]
    grid_points = [tuple(values) for values in itertools.product(*grids)]
    sweeper.planned = len(grid_points)
    sweeper.evaluate(grid_points, grid=True)
    cells: list[Bracket] = []
    for axis, grid in enumerate(grids):
        others = [g if i != axis else (None,) for i, g in enumerate(grids)]
        for fixed in itertools.product(*others):
            for x0, x1 in itertools.pairwise(grid):
                lo = sweeper.points[tuple(x0 if v is None else v for v in fixed)]
                hi = sweeper.points[tuple(x1 if v is None else v for v in fixed)]
                if lo.best != hi.best:
                    cells.append((lo, hi, axis))
    flips = sweeper.refine(cells)
    points = tuple(sorted(sweeper.points.values(), key=lambda p: p.values))
    return Sweep(
        base=base,
        axes=checked,
        tolerances=tols,
        orderings=orderings,
        points=points,
        tipping_points=tuple(sweeper.tipping(*flip) for flip in flips),
        replications=n,
        seed=seed,
        confidence=confidence,
    )
