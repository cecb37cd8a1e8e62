"""A run's design checked before any work starts: its replications, seed, candidates,
and whether its outcome records fit in memory."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError, SettingError
from ..scenario import Scenario, candidate_orderings, metric_names
from ..stats.bootstrap import BOOTSTRAP_SAMPLES, RANK_MATRIX_LIMIT
from ..types import Ordering

MAX_REPLICATIONS = 10_000_000
"""Most replications per ordering a run may ask for (as `experiment.replications`)."""

MAX_RECORD_BYTES = 4 << 30
"""Most memory the outcome records of a run may take (orderings x replications x metrics)."""

KEEP_CELLS = 8 << 20
"""Largest outcome table (orderings x replications x metrics) a fixed design keeps by
default: 8,388,608 numbers, 64 MiB. Below it every replication is kept and written
to replications.csv.gz; above it statistics are streamed and only the first
replications that fit are kept, for the quantiles."""

BASE_BYTES = 256 << 20
"""Memory of the interpreter, the libraries and the scenario before any run (a
2-visitor run peaks at 170 MB), with a margin."""


def keeps_every_replication(
    orderings: int, replications: int, metrics: int, keep: bool | None
) -> bool:
    """`keep` if given, else whether the whole outcome table fits in KEEP_CELLS."""
    if keep is not None:
        return keep
    return orderings * replications * metrics <= KEEP_CELLS


def replications_that_fit(orderings: int, metrics: int) -> int:
    """How many replications' outcome records of every ordering fit in KEEP_CELLS."""
    return KEEP_CELLS // (orderings * metrics)


def kept_replications(orderings: int, replications: int, metrics: int, keep: bool | None) -> int:
    """How many replications (from index 0) a fixed design holds in memory: all when
    it keeps every one (`keeps_every_replication`), else as many as fit in KEEP_CELLS."""
    if keeps_every_replication(orderings, replications, metrics, keep):
        return replications
    return max(2, min(replications, replications_that_fit(orderings, metrics)))


def resolve_design(
    scenario: Scenario,
    replications: int | None,
    seed: int | None,
    *,
    fixed: bool = True,
    keep: bool | None = True,
) -> tuple[int, int, Sequence[Ordering]]:
    """Replications, seed and candidates of a run, checked before any work starts.

    For a fixed design (N replications of every candidate) this also checks that the
    outcome records it keeps (see `kept_replications`) fit in memory; for an adaptive
    one, that its per-ordering state does (`check_selection_memory`).
    """
    n = scenario.experiment.replications if replications is None else replications
    seed = scenario.experiment.seed if seed is None else seed
    if not 2 <= n <= MAX_REPLICATIONS:
        raise SettingError(
            f"{{replications}} must be between 2 and {MAX_REPLICATIONS:,} (got {n})",
            setting="replications",
        )
    if not 0 <= seed < 2**63:
        raise SettingError(f"{{seed}} must be between 0 and 2**63 - 1 (got {seed})", setting="seed")
    orderings = candidate_orderings(scenario)
    if not orderings:
        raise InputError(f"scenario {scenario.name!r}: the constraints rule out every ordering")
    metrics = len(metric_names(scenario))
    if fixed:
        check_fixed_design_fits(len(orderings), metrics)
        check_memory(
            len(orderings),
            kept_replications(len(orderings), n, metrics, keep),
            metrics,
            also="{no_keep_replications} to stream the statistics",
        )
    else:
        check_selection_memory(scenario.name, len(orderings), metrics)
    return n, seed, orderings


def memory_estimate(orderings: int, replications: int, metrics: int) -> int:
    """Peak bytes of a run holding `replications` outcome records of every ordering.

    Besides the records, ranking streams the paired bootstrap's sums (orderings x
    BOOTSTRAP_SAMPLES floats) and makes one block's contribution as large before adding
    it, and keeps k x k co-moments up to RANK_MATRIX_LIMIT orderings. An 8-visitor run
    (40,320 orderings, 2 replications, statistics streamed) is estimated at 1.6 GB and
    measured at 1.2 GB.
    """
    records = orderings * replications * metrics * 8
    bootstrap = 2 * orderings * BOOTSTRAP_SAMPLES * 8
    comoments = orderings * orderings * 8 if orderings <= RANK_MATRIX_LIMIT else 0
    return BASE_BYTES + records + bootstrap + comoments


ORDERING_BYTES = 2_000
"""Memory per candidate ordering that an adaptive run holds besides its metric
statistics, with a margin: the ordering itself, its counts, its place in the
tournament's groups (two 16 x 16 matrices per group), one batch of its utilities, its
row of the ranking, and that row read back from ranking.csv for the report."""

WORKER_BYTES = 200 << 20
"""Memory of a worker process before it holds the orderings (measured: 170 MB)."""

WORKER_ORDERING_BYTES = 150
"""Memory per candidate ordering in each worker: its copy of the ordering (what a tuple
of ids cost when the peaks were measured; a row of the candidates' int8 array is 9
bytes at 9 visitors, so this is now a margin)."""


def selection_memory_estimate(orderings: int, metrics: int, workers: int) -> int:
    """Peak bytes of an adaptive run over `orderings`, beside the replications it keeps.

    Its own cost grows with the orderings, not with the replications: the count, mean
    and sum of squares of every metric of every ordering (24 bytes a metric) and
    ORDERING_BYTES more in this process, and each worker's copy of the orderings. Work
    comes back in pieces of at most 16 MiB, so the replications in flight add little.
    """
    parent = BASE_BYTES + orderings * (3 * metrics * 8 + ORDERING_BYTES)
    return parent + workers * (WORKER_BYTES + orderings * WORKER_ORDERING_BYTES)


def check_selection_memory(name: str, orderings: int, metrics: int) -> None:
    """Refuse an adaptive run whose estimated peak (`selection_memory_estimate`, with a
    worker per core, the default) exceeds the memory available now."""
    estimate = selection_memory_estimate(orderings, metrics, os.cpu_count() or 1)
    available = available_memory()
    if available is not None and estimate > available:
        raise InputError(
            f"scenario {name!r}: an adaptive run over its {orderings:,} orderings would need "
            f"about {estimate / 2**30:,.1f} GiB of memory, but only {available / 2**30:,.1f} "
            "GiB is available; free memory, or add constraints (first, last, before) that "
            "rule out orderings"
        )


def check_fixed_design_fits(orderings: int, metrics: int) -> None:
    """Refuse a fixed design that would not fit in the memory available now with even
    2 replications (its bootstrap sums grow with the orderings) while an adaptive run
    would: fewer replications cannot help, the adaptive design can."""
    least = memory_estimate(orderings, 2, metrics)
    available = available_memory()
    adaptive = selection_memory_estimate(orderings, metrics, os.cpu_count() or 1)
    if available is not None and adaptive <= available < least:
        raise SettingError(
            f"a fixed design over {orderings:,} orderings would need about "
            f"{least / 2**30:,.1f} GiB of memory with any number of replications, but only "
            f"{available / 2**30:,.1f} GiB is available; use {{design}} adaptive, or "
            "constraints that rule out orderings",
            setting="design",
        )


def available_memory() -> int | None:
    """Bytes of memory available to a new run (MemAvailable), or None if unknown."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(
    orderings: int,
    replications: int,
    metrics: int,
    setting: str = "replications",
    also: str = "constraints that rule out orderings",
) -> None:
    """Refuse a run whose outcome records would not fit in MAX_RECORD_BYTES, or whose
    estimated peak memory (`memory_estimate`) exceeds the memory available now.

    `setting` names the setting that sets `replications`; `also` is a further remedy,
    in `SettingError`'s template form.
    """
    need = orderings * replications * metrics * 8
    if need > MAX_RECORD_BYTES:
        most = MAX_RECORD_BYTES // (orderings * metrics * 8)
        raise SettingError(
            f"{orderings:,} orderings x {replications:,} replications x {metrics} "
            f"metric{'s' if metrics != 1 else ''} "
            f"would need {need / 2**30:,.1f} GiB for the outcome records (limit "
            f"{MAX_RECORD_BYTES >> 30} GiB); use {{{setting}}} {most:,} or fewer, or {also}",
            setting=setting,
        )
    estimate = memory_estimate(orderings, replications, metrics)
    available = available_memory()
    if available is not None and estimate > available:
        raise SettingError(
            f"{orderings:,} orderings x {replications:,} replications would need about "
            f"{estimate / 2**30:,.1f} GiB of memory, but only {available / 2**30:,.1f} GiB "
            f"is available; free memory, or use a smaller {{{setting}}}, or {also}",
            setting=setting,
        )
