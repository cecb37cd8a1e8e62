"""Ranking and selection: Rinott's constant and the Kim–Nelson procedure KN.

`kn_select` is KN (Kim & Nelson 2001, ACM TOMACS 11(3)), a fully sequential
indifference-zone procedure: with probability at least 1 − α it selects the system
with the largest expected value whenever that value exceeds all others by at least δ.
It screens out clearly inferior systems after every replication and uses common
random numbers: the first-stage variances are those of the pairwise differences
X_i − X_l, which positive correlation shrinks, and so do the sample sizes.

Batches. A simulation returns blocks of replications, not one at a time. The
guarantee belongs to the fully sequential procedure, so batching must not change a
single decision: after a batch covering replications r0..r1−1 of the surviving
systems arrives, the screening rule is applied at every r in (r0, r1] in order, with
the cumulative means at that r and the survivor set I(r − 1) left by the previous
step — exactly the computation the procedure makes one replication at a time. The
data of the replications r' > r cannot influence the decision at r, so selected
system, elimination stages and final stage are identical for every batch size
(batch only changes how many replications are *simulated*). A system eliminated at
r inside a batch has already been simulated to r1: `Selection.replications` counts
those as spent, `Selection.procedure_replications` is what the procedure used.

The first batch is exactly the first stage, replications 0..n0−1 of every system (no
rounding up: that would simulate every system, including the doomed, beyond n0).
Later batches end at the next multiple of `batch` (so with `batch` equal to a world
block size they stay block-aligned), at the latest stage the procedure can reach
(max N_il + 1 over surviving pairs), or at the budget, whichever comes first.

Stopping. The procedure stops when one system survives. When r > N_il =
floor(h² S²_il / δ²) for every surviving pair, all W_il(r) are 0, and systems that
still survive together have exactly equal means (e.g. two orderings that give the
same utility in every world): it stops with all of them as survivors and selects
the lowest index. Any selection among survivors takes the largest mean, ties to the
lowest index. A `max_replications` budget can stop it earlier, unguaranteed.

Memory and time are O(k²) per stage (pairwise variances and thresholds), fine for
k up to a few hundred; a procedure for very large k is separate future work.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TypeAlias

import numpy as np
from scipy import optimize, special, stats

from ..types import BatchProgress, FloatArray, IntArray

Sampler: TypeAlias = Callable[[IntArray, int, int], FloatArray]
"""`sampler(systems, start, stop)`: observations of replications start..stop−1 of
`systems`, shape (len(systems), stop − start); replication r of every system is
simulated in the same world r (common random numbers)."""

_GRID_POINTS = 256  # quadrature nodes per chi-square integral (converged to ~1e-10)
_GRID_TAIL = 1e-18  # chi-square mass left out at each end of the grid


def _check_design(k: int, n0: int, alpha: float) -> None:
    """Raise ValueError unless k ≥ 2, n0 ≥ 2 and 0 < α < 1 − 1/k."""
    if k < 2:
        raise ValueError(f"selection needs at least 2 systems, got k = {k}")
    if n0 < 2:
        raise ValueError(f"the first stage needs n0 >= 2 replications, got n0 = {n0}")
    if not 0 < alpha < 1 - 1 / k:
        raise ValueError(
            f"alpha must satisfy 0 < alpha < 1 - 1/k = {1 - 1 / k:.4g} for k = {k} systems"
            f" (a random pick is right with probability 1/k), got alpha = {alpha}"
        )


def _check_delta(delta: float) -> None:
    """Raise ValueError unless the indifference zone δ is positive and finite."""
    if not (math.isfinite(delta) and delta > 0):
        raise ValueError(f"the indifference zone delta must be positive and finite, got {delta}")


@cache
def _chi2_grid(nu: int) -> tuple[FloatArray, FloatArray]:
    """Nodes x and weights w with Σ w g(x) ≈ E g(X), X ~ χ²(ν).

    Trapezoid rule in t = log x over the central 1 − 2e-18 of the mass: the integrand
    is analytic in t and decays at both ends, so the rule converges geometrically,
    for ν = 1 (density unbounded at 0) as well as for large ν.
    """
    low, high = stats.chi2.ppf(_GRID_TAIL, nu), stats.chi2.isf(_GRID_TAIL, nu)
    t = np.linspace(np.log(low), np.log(high), _GRID_POINTS)
    w = np.exp(stats.chi2.logpdf(np.exp(t), nu) + t)
    return np.exp(t), w / w.sum()


@cache
def rinott_h(k: int, n0: int, alpha: float) -> float:
    """Rinott's constant h for k systems, first-stage size n0 and confidence 1 − α.

    The root in h of ∫ [∫ Φ(h / √(ν(1/x + 1/y))) f_ν(x) dx]^(k−1) f_ν(y) dy = 1 − α,
    ν = n0 − 1, f_ν the χ²(ν) density, by quadrature on `_chi2_grid` (agrees with
    adaptive nested quadrature to ~1e-12) and Brent's method. The inner integral is
    computed as 1 − E Φ(−·) and raised to the power via log1p, so that large k keeps
    its accuracy. Raises ValueError on k < 2, n0 < 2 or α outside (0, 1 − 1/k).
    """
    _check_design(k, n0, alpha)
    nu = n0 - 1
    x, w = _chi2_grid(nu)
    scale = 1 / np.sqrt(nu * (1 / x[:, None] + 1 / x[None, :]))

    def shortfall(h: float) -> float:
        miss = w @ special.ndtr(-h * scale)  # P(one rival not beaten), per y
        return float(w @ np.exp((k - 1) * np.log1p(-miss))) - (1 - alpha)

    high = 4.0
    while shortfall(high) < 0:
        high *= 2
    return float(optimize.brentq(shortfall, 0.0, high, xtol=1e-10))


def rinott_sample_sizes(
    first_stage_sd: FloatArray, n0: int, delta: float, alpha: float
) -> IntArray:
    """Replications Rinott's two-stage procedure would need per system.

    N_i = max(n0, ⌈(h S_i / δ)²⌉) with h = rinott_h(k, n0, α), k = len(first_stage_sd):
    the fixed design that gives the same (δ, α) guarantee, to show what a sequential
    procedure saved.
    """
    _check_delta(delta)
    sd = np.asarray(first_stage_sd, dtype=float)
    h = rinott_h(len(sd), n0, alpha)
    return np.maximum(n0, np.ceil((h * sd / delta) ** 2)).astype(np.int64)


def kn_constants(k: int, n0: int, alpha: float) -> tuple[float, float]:
    """KN's (η, h²): η = ½[(2α/(k−1))^(−2/(n0−1)) − 1], h² = 2η(n0 − 1)."""
    _check_design(k, n0, alpha)
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
    return eta, 2 * eta * (n0 - 1)


@dataclass(frozen=True)
class Selection:
    """Outcome of KN; arrays are indexed by system."""

    selected: int
    survivors: tuple[int, ...]  # alive at the end: one, unless tied or stopped by the budget
    eliminated_at: IntArray  # stage r at which each system was eliminated, −1 if never
    replications: IntArray  # replications simulated (≥ those the procedure used)
    stages: int  # final stage r
    h2: float
    eta: float
    guaranteed: bool  # False when the budget stopped the procedure
    delta: float
    alpha: float
    n0: int

    @property
    def procedure_replications(self) -> IntArray:
        """Replications the procedure used: the elimination stage, or the final stage."""
        return np.where(self.eliminated_at >= 0, self.eliminated_at, self.stages)


def _observe(sampler: Sampler, systems: IntArray, start: int, stop: int) -> FloatArray:
    """Call the sampler; check the shape of what it returns and that it is finite."""
    block = np.asarray(sampler(systems, start, stop), dtype=float)
    if block.shape != (len(systems), stop - start):
        raise ValueError(
            f"sampler returned shape {block.shape} for {len(systems)} systems and"
            f" replications {start}..{stop - 1}; expected {(len(systems), stop - start)}"
        )
    if not np.isfinite(block).all():
        raise ValueError(f"sampler returned non-finite observations in {start}..{stop - 1}")
    return block


def _difference_variances(first: FloatArray) -> FloatArray:
    """S²_il: sample variance (ddof 1) of X_i − X_l over the first stage, shape (k, k).

    Row by row rather than from the covariance matrix, so that systems with identical
    observations get exactly 0.
    """
    return np.stack([np.var(row - first, axis=1, ddof=1) for row in first])


def _check_kn(
    k: int, n0: int, delta: float, alpha: float, batch: int, max_replications: int | None
) -> None:
    """Raise ValueError on invalid arguments of `kn_select`."""
    _check_design(k, n0, alpha)
    _check_delta(delta)
    if batch < 1:
        raise ValueError(f"batch must be at least 1 replication, got {batch}")
    if max_replications is not None and max_replications < n0:
        raise ValueError(f"max_replications must be at least n0 = {n0}, got {max_replications}")


def kn_select(
    sampler: Sampler,
    k: int,
    *,
    n0: int,
    delta: float,
    alpha: float,
    batch: int,
    max_replications: int | None = None,
    on_batch: BatchProgress | None = None,
) -> tuple[Selection, list[FloatArray]]:
    """Select the system with the largest mean by KN with common random numbers.

    Returns the selection and, per system, its simulated observations (replications
    0..n_i − 1). Raises ValueError on invalid design arguments (k ≥ 2, n0 ≥ 2,
    δ > 0, 0 < α < 1 − 1/k, batch ≥ 1, max_replications ≥ n0) or a sampler that
    returns the wrong shape or non-finite values.
    """
    _check_kn(k, n0, delta, alpha, batch, max_replications)
    eta, h2 = kn_constants(k, n0, alpha)
    alive: IntArray = np.arange(k)
    first = _observe(sampler, alive, 0, n0)
    reach = h2 * _difference_variances(first) / delta**2  # W_il(r) > 0 iff r < reach_il
    observations: list[list[FloatArray]] = [[row] for row in first]
    simulated = np.full(k, n0, dtype=np.int64)
    eliminated_at = np.full(k, -1, dtype=np.int64)
    sums = np.zeros(k)
    block, start = first, 0
    while True:
        stop = start + block.shape[1]
        cumulative = sums[:, None] + np.cumsum(block, axis=1)
        live = np.ones(len(alive), dtype=bool)
        pair_reach = reach[np.ix_(alive, alive)]
        outcome: tuple[int, bool] | None = None  # (stage, guaranteed) once stopped
        for r in range(max(start + 1, n0), stop + 1):
            means = cumulative[live, r - start - 1] / r
            slack = np.maximum(0.0, delta / (2 * r) * (pair_reach - r))
            out = (means[None, :] - means[:, None] > slack).any(axis=1)
            if out.any():
                gone = np.flatnonzero(live)[out]
                eliminated_at[alive[gone]] = r
                live[gone] = False
                pair_reach = reach[np.ix_(alive[live], alive[live])]
            if live.sum() == 1 or r > np.floor(pair_reach).max():
                outcome = (r, True)
            elif r == max_replications:
                outcome = (r, False)
            if outcome is not None:
                break
        if on_batch is not None:
            on_batch(int(simulated.sum()), int(live.sum()))
        if outcome is not None:
            stage, guaranteed = outcome
            final_sums = cumulative[live, stage - start - 1]
            survivors = alive[live]
            break
        sums, alive, start = cumulative[live, -1], alive[live], stop
        stop = min((start // batch + 1) * batch, int(np.floor(pair_reach).max()) + 1)
        if max_replications is not None:
            stop = min(stop, max_replications)
        block = _observe(sampler, alive, start, stop)
        for system, row in zip(alive, block, strict=True):
            observations[system].append(row)
        simulated[alive] += stop - start
    selection = Selection(
        selected=int(survivors[np.argmax(final_sums)]),
        survivors=tuple(int(s) for s in survivors),
        eliminated_at=eliminated_at,
        replications=simulated,
        stages=stage,
        h2=h2,
        eta=eta,
        guaranteed=guaranteed,
        delta=delta,
        alpha=alpha,
        n0=n0,
    )
    return selection, [np.concatenate(parts) for parts in observations]
