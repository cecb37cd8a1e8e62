"""Comparisons to run: two orderings of a scenario, or two variants (runs or scenarios).

Two orderings run on the same replications of one seed (only those two are simulated).
A variant is either a results directory written by `visitsim run` (read back from its
`replications.csv.gz`, `scenario.resolved.yaml` and `manifest.json`) or a scenario file
(every candidate ordering is run). The statistics are in `stats.compare`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, SettingError, literal
from ..executors import Executor
from ..experiment import ExperimentResult, run_fixed
from ..output.runfiles import RunFiles
from ..scenario import Scenario, load_scenario
from ..stats.compare import PairedComparison, compare_pair
from ..stats.variants import VariantComparison, compare_variants
from ..types import FloatArray, Ordering, OrderingLike, Progress
from .evaluate import run_orderings
from .inputs import check_metrics, parse_ordering


@dataclass(frozen=True)
class OrderingComparison:
    """Two orderings' records on common replications, compared metric by metric."""

    result: ExperimentResult
    comparisons: tuple[PairedComparison, ...]

    @property
    def orderings(self) -> tuple[Ordering, Ordering]:
        a, b = self.result.orderings
        return a, b

    def __repr__(self) -> str:
        a, b = ("→".join(o) for o in self.orderings)
        found = "; ".join(c.summary() for c in self.comparisons)
        return (
            f"<OrderingComparison {self.result.scenario.name}: A {a} vs B {b}, "
            f"{self.result.replications:,} replications; {found}>"
        )


def compare_orderings(
    scenario: Scenario,
    a: OrderingLike,
    b: OrderingLike,
    metrics: Sequence[str] = ("utility",),
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    confidence: float = 0.95,
    progress: Progress | None = None,
) -> OrderingComparison:
    """Simulate orderings a and b (`"a,b,c"`, `"a→b→c"` or visitor ids) on the same
    worlds and compare each metric. Bad orderings or metrics raise `InputError`."""
    pair = (parse_ordering(a, scenario), parse_ordering(b, scenario))
    if pair[0] == pair[1]:
        raise SettingError(
            "{orderings}: the two orderings are the same; give two different ones",
            setting="orderings",
        )
    chosen = check_metrics(metrics, scenario)
    result = run_orderings(
        scenario,
        pair,
        replications=replications,
        seed=seed,
        executor=executor,
        progress=progress,
    )
    comparisons = tuple(
        compare_pair(m, result.metric(m)[0], result.metric(m)[1], confidence) for m in chosen
    )
    return OrderingComparison(result, comparisons)


@dataclass(frozen=True)
class Variant:
    """One side of a variant comparison: where it came from and its records."""

    source: Path
    kind: str  # "run" (a results directory) or "scenario" (a file, run here)
    result: ExperimentResult

    def __repr__(self) -> str:
        r = self.result
        return (
            f"<Variant {self.source}: {self.kind} of {r.scenario.name}, "
            f"{r.replications:,} replications, seed {r.seed}>"
        )


def read_run(directory: Path) -> ExperimentResult:
    """The records of a finished `visitsim run` results directory."""
    run = RunFiles.read(directory)
    if run.manifest.get("status") != "complete":
        raise InputError(
            f"{directory}: the run did not complete (status {run.manifest.get('status')!r}); "
            "compare only finished runs"
        )
    return run.experiment()


def open_variant(path: Path, overrides: tuple[str, ...]) -> Scenario | ExperimentResult:
    """A results directory's records, or a scenario file loaded (not yet run)."""
    if path.is_dir():
        if overrides:
            raise SettingError(
                f"{{overrides}} applies to scenario files, not to the results directory "
                f"{literal(str(path))}",
                setting="overrides",
            )
        return read_run(path)
    return load_scenario(path, overrides)


def run_variant(
    path: Path,
    source: Scenario | ExperimentResult,
    *,
    replications: int | None,
    seed: int | None,
    executor: Executor | None,
    progress: Progress | None = None,
) -> Variant:
    """A variant's records: read back (a run) or simulated now (every ordering)."""
    if isinstance(source, ExperimentResult):
        return Variant(path, "run", source)
    result = run_fixed(
        source, replications=replications, seed=seed, executor=executor, progress=progress
    )
    return Variant(path, "scenario", result)


def compare_variant_results(
    a: ExperimentResult, b: ExperimentResult, metrics: tuple[str, ...], confidence: float = 0.95
) -> VariantComparison:
    """Compare two variants on the orderings they share (in A's candidate order)."""
    rows_in_b = {o: k for k, o in enumerate(b.orderings)}
    rows_a = [k for k, o in enumerate(a.orderings) if o in rows_in_b]
    shared = [a.orderings[k] for k in rows_a]
    if not shared:
        raise InputError(
            f"the variants {a.scenario.name!r} and {b.scenario.name!r} share no ordering "
            "(do they have the same visitors?)"
        )
    for m in metrics:
        if m not in a.metrics or m not in b.metrics:
            common = [x for x in a.metrics if x in b.metrics]
            raise SettingError(
                f"{{metrics}} {literal(m)}: not in both variants; allowed: {', '.join(common)}",
                setting="metrics",
            )
    rows_b = [rows_in_b[o] for o in shared]

    def pick(result: ExperimentResult, rows: list[int], metric: str) -> FloatArray:
        return result.metric(metric)[rows]

    others = {m: (pick(a, rows_a, m), pick(b, rows_b, m)) for m in metrics if m != "utility"}
    return compare_variants(
        tuple(shared),
        pick(a, rows_a, "utility"),
        pick(b, rows_b, "utility"),
        others,
        paired=a.seed == b.seed,
        confidence=confidence,
    )
