"""Compare outcome distributions: two orderings of a scenario on common worlds, or two
variants (finished runs, or scenario files run here on a shared seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SettingError, literal
from ..experiment import ExperimentResult, resolve_design
from ..output.compare_files import write_comparison, write_variants
from ..output.compare_report import comparison_page, variants_page
from ..output.rundir import RunDirectory, exclusive
from ..output.tuning_figures import write_comparison_figures
from ..output.tuning_report import write_page
from ..scenario import Scenario
from ..stats.variants import VariantComparison
from ..tuning import (
    Base,
    check_metrics,
    compare_variant_results,
    open_variant,
    parse_ordering,
    run_variant,
)
from ..tuning import compare_orderings as compare_on_common_worlds
from ..tuning.compare import OrderingComparison
from .settings import CompareSettings, VariantSettings, settings_of
from .tuning import TuningRun, as_base, record_tuning


def compare_orderings(
    scenario: Base | str | Path, settings: CompareSettings | None = None, **fields: Any
) -> TuningRun[OrderingComparison]:
    """Two orderings of one scenario on common random worlds: each metric's distribution
    side by side, and their paired differences."""
    s = settings_of(CompareSettings, settings, fields)
    path = scenario.source if isinstance(scenario, Base) else Path(scenario)
    if path.is_dir():
        raise SettingError(
            f"{literal(str(path))} is a directory; comparing two {{orderings}} takes a "
            "scenario file (to compare two runs, give two results directories)",
            setting="orderings",
        )
    base = as_base(scenario)
    a, b = (parse_ordering(t, base.scenario) for t in s.orderings)
    if a == b:
        raise SettingError(
            "{orderings}: the two orderings are the same; give two different ones",
            setting="orderings",
        )
    chosen = check_metrics(s.metrics or ("utility",), base.scenario)

    def simulate(replications: int, seed: int) -> OrderingComparison:
        return compare_on_common_worlds(
            base.scenario,
            a,
            b,
            chosen,
            replications=replications,
            seed=seed,
            executor=s.executor,
            progress=s.progress,
        )

    record = {"orderings": [list(a), list(b)], "metrics": list(chosen)}
    return record_tuning(
        "compare",
        base.scenario,
        s,
        record,
        base.overrides,
        simulate,
        write_comparison,
        write_comparison_figures,
        comparison_page,
    )


def _design(
    sources: list[Scenario | ExperimentResult], replications: int | None, seed: int | None
) -> tuple[int | None, int]:
    """Replications and seed of a variant comparison, so that it is paired.

    Two runs are compared as they are. A scenario variant runs on the seed (and
    replications) of the run it is compared with, else of the first scenario."""
    runs = [s for s in sources if isinstance(s, ExperimentResult)]
    if len(runs) == 2:
        if replications is not None or seed is not None:
            raise SettingError(
                "{replications} and {seed} apply to scenario files, not to two runs",
                setting="replications",
            )
        return None, runs[0].seed
    if runs:
        seed = runs[0].seed if seed is None else seed
        replications = runs[0].replications if replications is None else replications
    first = next(s for s in sources if isinstance(s, Scenario))
    n, seed, _ = resolve_design(first, replications, seed)
    return n, seed


def compare_variants(
    a: str | Path, b: str | Path, settings: VariantSettings | None = None, **fields: Any
) -> TuningRun[VariantComparison]:
    """Two variants, each a finished run (results directory) or a scenario file (run here
    with the overrides), ranked side by side: how the ranking moves between them."""
    s = settings_of(VariantSettings, settings, fields)
    targets = (Path(a), Path(b))
    sources = [open_variant(t, s.overrides) for t in targets]
    scenarios = [x if isinstance(x, Scenario) else x.scenario for x in sources]
    replications, seed = _design(sources, s.replications, s.seed)
    chosen = check_metrics(s.metrics or ("utility",), scenarios[0])
    record = {
        "seed": seed,
        "replications": replications,
        "variants": [str(t) for t in targets],
        "metrics": list(chosen),
        "overrides": list(s.overrides),
        **s.record(),
    }
    directory = RunDirectory.start(
        s.out,
        scenarios[0],
        record,
        list(s.command),
        kind="compare",
        others={"variant_b": scenarios[1]},
    )
    with exclusive(directory.path), directory.recording(resumable=False):
        va, vb = (
            run_variant(
                t, x, replications=replications, seed=seed, executor=s.executor, progress=s.progress
            )
            for t, x in zip(targets, sources, strict=True)
        )
        done = compare_variant_results(va.result, vb.result, chosen)
        document = write_variants(directory, va, vb, done)
    write_page(directory, lambda: variants_page(va, vb, done, document))
    return TuningRun(directory.path, done, document)
