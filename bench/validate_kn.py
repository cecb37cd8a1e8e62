"""Validation of the KN selection procedure on normal alternatives with known means.

For each configuration (slippage / monotone means, k = 10 and 25, independent or
equicorrelated as common random numbers make them) runs many seeded
macro-replications of `kn_select` and prints the empirical probability of correct
selection with its standard error, the average total sample size KN used (and
simulated, with batches), and Rinott's expected total for the same (δ, α, n0).
Asserts nothing; the statistical tests live in tests/test_selection.py.
Run: `.venv/bin/python bench/validate_kn.py [--macro 4000]` (a few minutes).
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from scipy import stats

from simulator.stats.selection import kn_select, rinott_h
from simulator.stats.synthetic import Normals, configuration


def rinott_expected_total(k: int, n0: int, delta: float, alpha: float) -> float:
    """k E[max(n0, ⌈h² S² / δ²⌉)] for unit variance, S² ~ χ²_ν / ν, ν = n0 − 1.

    E max(n0, ⌈cX⌉) = n0 + Σ_{n ≥ n0} P(cX > n) with c = h² / (ν δ²).
    """
    nu = n0 - 1
    c = rinott_h(k, n0, alpha) ** 2 / (nu * delta**2)
    n = np.arange(n0, math.ceil(c * stats.chi2.isf(1e-16, nu)) + 1)
    return k * (n0 + float(stats.chi2.sf(n / c, nu).sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--macro", type=int, default=4000, help="macro-replications")
    parser.add_argument("--delta", type=float, default=0.5)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--n0", type=int, default=10)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--rho", type=float, default=0.5, help="correlation of the CRN rows")
    args = parser.parse_args()
    delta, alpha, n0, macro = args.delta, args.alpha, args.n0, args.macro
    print(
        f"KN validation: unit variances, 1 - alpha = {1 - alpha}, n0 = {n0}, delta = {delta},"
        f" batch = {args.batch}, {macro} macro-replications per row; the best system is last."
    )
    header = (
        f"{'configuration':<13} {'rho':>4} {'k':>3} {'delta':>5} {'alpha':>5} {'n0':>3}"
        f" {'macro':>6} {'PCS':>6} {'(se)':>7} {'KN total':>9} {'simulated':>9}"
        f" {'Rinott E[total]':>15} {'seconds':>7}"
    )
    print(header)
    print("-" * len(header))
    for name in ("slippage", "monotone"):
        for k in (10, 25):
            means = configuration(name, k, delta)
            rinott = rinott_expected_total(k, n0, delta, alpha)
            for rho in (0.0, args.rho):
                started = time.perf_counter()
                correct = used = simulated = 0
                for seed in range(macro):
                    selection, _ = kn_select(
                        Normals(means, rho, seed),
                        k,
                        n0=n0,
                        delta=delta,
                        alpha=alpha,
                        batch=args.batch,
                    )
                    correct += selection.selected == k - 1
                    used += int(selection.procedure_replications.sum())
                    simulated += int(selection.replications.sum())
                pcs = correct / macro
                se = math.sqrt(pcs * (1 - pcs) / macro)
                print(
                    f"{name:<13} {rho:>4.2f} {k:>3} {delta:>5.2f} {alpha:>5.3f} {n0:>3}"
                    f" {macro:>6} {pcs:>6.4f} {f'({se:.4f})':>7} {used / macro:>9.1f}"
                    f" {simulated / macro:>9.1f} {rinott:>15.1f}"
                    f" {time.perf_counter() - started:>7.1f}"
                )


if __name__ == "__main__":
    main()
