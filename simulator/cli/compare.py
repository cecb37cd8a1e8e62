"""`visitsim compare`: two orderings of a scenario, or two variants (runs or scenarios)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import InputError
from ..executors import Executor
from ..experiment import ExperimentResult, resolve_design
from ..output.rundir import argv
from ..output.tables import ordering_arrows
from ..output.terminal import LazyProgress, Pieces, Printer
from ..output.tuning_figures import write_comparison_figures
from ..output.tuning_files import (
    Document,
    comparison_sentence,
    recorded,
    start_directory,
    variants_sentence,
    write_comparison,
    write_variants,
)
from ..output.tuning_report import comparison_page, variants_page, write_page
from ..scenario import Scenario
from ..stats.compare import QUANTILES
from ..tuning import (
    check_metrics,
    compare_orderings,
    compare_variant_results,
    open_variant,
    parse_ordering,
    run_variant,
)
from ..tuning.compare import Variant
from ..tuning.inputs import Base
from .main import main
from .options import executor_options, format_option, out_option, quiet_option


def _p(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


def _pv(p: float) -> str:
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def _share(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


@main.command()
@click.argument("targets", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="PATH=VALUE",
    help="Override a scenario value (repeatable; applies to every scenario file given).",
)
@click.option(
    "--ordering",
    "orderings",
    multiple=True,
    metavar="V1,V2,...",
    help="An ordering as visitor ids, e.g. blinken,yellen,raimondo,kerry (give two).",
)
@click.option(
    "--metric",
    "metrics",
    multiple=True,
    metavar="NAME",
    help="Outcome metric to compare (repeatable; default utility), e.g. day.kerry, "
    "days_to_first_visit, final_climate.",
)
@click.option(
    "--replications",
    "-n",
    type=int,
    help="Replications (default: the scenario's experiment.replications).",
)
@click.option(
    "--seed",
    type=int,
    help="Random seed (default: the (first) scenario's experiment.seed; scenario variants "
    "share it, so their comparison is paired).",
)
@executor_options
@out_option
@format_option
@quiet_option()
def compare(
    targets: tuple[Path, ...],
    overrides: tuple[str, ...],
    orderings: tuple[str, ...],
    metrics: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """Compare outcome distributions.

    \b
    compare SCENARIO --ordering A --ordering B   two orderings on common worlds
    compare RUN_DIR_A RUN_DIR_B                  two finished runs (results directories)
    compare SCENARIO_A SCENARIO_B                two scenario variants, run here
    """
    if len(targets) == 1:
        if len(orderings) != 2:
            raise InputError(
                f"compare SCENARIO needs exactly two --ordering options (got {len(orderings)})"
            )
        _orderings(
            targets[0], overrides, orderings, metrics, replications, seed, executor, out, fmt, quiet
        )
    elif len(targets) == 2:
        if orderings:
            raise InputError(
                "--ordering applies to one scenario; to compare two variants give no --ordering"
            )
        _variants(targets, overrides, metrics, replications, seed, executor, out, fmt, quiet)
    else:
        raise InputError(
            f"give one scenario (with two --ordering) or two variants (got {len(targets)})"
        )


def _orderings(
    path: Path,
    overrides: tuple[str, ...],
    texts: tuple[str, ...],
    metrics: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    if path.is_dir():
        raise InputError(
            f"{path} is a directory; compare SCENARIO --ordering A --ordering B takes a "
            "scenario file (to compare two runs, give two results directories)"
        )
    scenario = Base.load(path, overrides).scenario
    a, b = (parse_ordering(t, scenario) for t in texts)
    if a == b:
        raise InputError("--ordering: the two orderings are the same; give two different ones")
    chosen = check_metrics(metrics or ("utility",), scenario)
    n, seed, _ = resolve_design(scenario, replications, seed)
    settings = {
        "seed": seed,
        "replications": n,
        "orderings": [list(a), list(b)],
        "metrics": list(chosen),
        "overrides": list(overrides),
        "executor": executor.name,
        "workers": executor.workers,
    }
    directory = start_directory(out, "compare", scenario, settings, argv())
    bar = LazyProgress(Console(stderr=True), f"simulating {scenario.name}", quiet=quiet)
    with bar, recorded(directory):
        done = compare_orderings(
            scenario, a, b, chosen, replications=n, seed=seed, executor=executor, progress=bar
        )
        document = write_comparison(directory, done)
        write_comparison_figures(directory, done)
    write_page(directory, lambda: comparison_page(directory, done, document))
    if fmt == "json":
        click.echo(json.dumps(document | {"results": str(directory.path)}, indent=2))
        return
    console = Printer()
    _print_orderings(console, scenario, document)
    for c in done.comparisons:
        console.print(comparison_sentence(c))
    console.lines([f"Results: {directory.path}"])


def _print_orderings(console: Printer, scenario: Scenario, document: Document) -> None:
    console.print(
        f"{scenario.name}: {document['replications']} replications (seed {document['seed']})",
        f"  A: {ordering_arrows(document['a'])}",
        f"  B: {ordering_arrows(document['b'])}",
    )
    percent = round(document["confidence"] * 100)
    means = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), caption_justify="left")
    tests = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0), caption_justify="left")
    for name in ("metric", "mean A", "mean B", f"A − B [{percent}% CI]", "A wins", "B wins"):
        means.add_column(
            name,
            justify="left" if name == "metric" else "right",
            no_wrap=name != "metric",
            overflow="fold",
        )
    for name in ("metric", "Wilcoxon", "KS", "r", "d_z", "dominates", "crosses"):
        tests.add_column(
            name,
            justify="left" if name == "metric" else "right",
            no_wrap=name != "metric",
            overflow="fold",
        )
    for m in document["metrics"]:
        d = m["difference"]
        name = m["metric"] + (" ↓" if m["better"] == "lower" else "")
        means.add_row(
            Pieces(name, "."),
            _p(m["mean_a"]),
            _p(m["mean_b"]),
            "identical"
            if m["identical"]
            else f"{_p(d['mean'])} [{_p(d['ci_low'])}, {_p(d['ci_high'])}]",
            _share(m["p_a_better"]),
            _share(m["p_b_better"]),
        )
        tests.add_row(
            Pieces(name, "."),
            _pv(m["wilcoxon"]["p_value"]),
            "–" if m["ks"] is None else _pv(m["ks"]["p_value"]),
            f"{m['rank_biserial']:+.2f}",
            _p(m["cohen_dz"]),
            m["dominance"]["verdict"],
            str(len(m["dominance"]["crossings"])),
        )
    means.caption = "↓: lower is better. A wins: share of replications where A's outcome is better."
    tests.caption = (
        "Wilcoxon signed-rank and two-sample KS p-values; r: rank-biserial effect size "
        "(+1: A higher in every pair); d_z: mean/sd of the differences; dominates: a, b, "
        "equal or none (first-order stochastic dominance); crosses: ECDF crossings."
    )
    console.print(means)
    console.print(tests)
    quantiles = Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        title="quantiles",
        title_justify="left",
    )
    quantiles.add_column("metric", overflow="fold")
    quantiles.add_column("", no_wrap=True)
    for q in QUANTILES:
        quantiles.add_column(f"{q:.0%}", justify="right", overflow="fold")
    for m in document["metrics"]:
        for key, label in (("a", "A"), ("b", "B"), ("difference", "A − B")):
            quantiles.add_row(
                Pieces(m["metric"] if key == "a" else "", "."),
                label,
                *(_p(m["quantiles"][f"q{round(q * 100):02d}"][key]) for q in QUANTILES),
            )
    console.print(quantiles)


def _run_variant(
    path: Path,
    source: Scenario | ExperimentResult,
    replications: int | None,
    seed: int | None,
    executor: Executor,
    quiet: bool,
) -> Variant:
    """One variant, read back or simulated with a progress bar on stderr."""
    bar = LazyProgress(Console(stderr=True), f"simulating {path.name}", quiet=quiet)
    with bar:
        return run_variant(
            path, source, replications=replications, seed=seed, executor=executor, progress=bar
        )


def _variants(
    targets: tuple[Path, ...],
    overrides: tuple[str, ...],
    metrics: tuple[str, ...],
    replications: int | None,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    sources = [open_variant(t, overrides) for t in targets]
    scenarios = [s if isinstance(s, Scenario) else s.scenario for s in sources]
    runs = [s for s in sources if not isinstance(s, Scenario)]
    if len(runs) == 2:
        if replications is not None or seed is not None:
            raise InputError("--replications and --seed apply to scenario files, not to two runs")
        seed = runs[0].seed
    if len(runs) < 2:
        # A scenario variant runs on the seed (and replications) of the run it is
        # compared with, else of the first scenario, so that the comparison is paired.
        if runs:
            seed = runs[0].seed if seed is None else seed
            replications = runs[0].replications if replications is None else replications
        first = next(s for s in sources if isinstance(s, Scenario))
        replications, seed, _ = resolve_design(first, replications, seed)
    chosen = check_metrics(metrics or ("utility",), scenarios[0])
    settings = {
        "seed": seed,
        "replications": replications,
        "variants": [str(t) for t in targets],
        "metrics": list(chosen),
        "overrides": list(overrides),
        "executor": executor.name,
        "workers": executor.workers,
    }
    directory = start_directory(
        out, "compare", scenarios[0], settings, argv(), {"variant_b": scenarios[1]}
    )
    with recorded(directory):
        a, b = (
            _run_variant(t, s, replications, seed, executor, quiet)
            for t, s in zip(targets, sources, strict=True)
        )
        done = compare_variant_results(a.result, b.result, chosen)
        document = write_variants(directory, a, b, done)
    write_page(directory, lambda: variants_page(a, b, done, document))
    if fmt == "json":
        click.echo(json.dumps(document | {"results": str(directory.path)}, indent=2))
        return
    console = Printer()
    console.print(
        f"A: {a.source} ({document['a']['scenario']}, {a.kind}, "
        f"{document['a']['replications']} replications, seed {document['a']['seed']})\n"
        f"B: {b.source} ({document['b']['scenario']}, {b.kind}, "
        f"{document['b']['replications']} replications, seed {document['b']['seed']})"
    )
    percent = round(done.confidence * 100)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    for name in ("#A", "#B", "ordering", "mean A", "mean B", f"A − B [{percent}% CI]"):
        table.add_column(
            name,
            justify="left" if name == "ordering" else "right",
            no_wrap=name != "ordering",
            overflow="fold",
        )
    table.caption = "#A, #B: rank by mean utility in A and in B."
    table.caption_justify = "left"
    utility = done.metrics[0]
    for k in sorted(range(len(done.orderings)), key=lambda k: done.rank_a[k]):
        d = utility.differences[k]
        table.add_row(
            str(done.rank_a[k]),
            str(done.rank_b[k]),
            Pieces(ordering_arrows(done.orderings[k])),
            f"{utility.mean_a[k]:.2f}",
            f"{utility.mean_b[k]:.2f}",
            f"{d.mean:.3f} [{d.ci_low:.3f}, {d.ci_high:.3f}]",
        )
    console.print(table)
    console.print(variants_sentence(done))
    moves = [m for m in document["largest_moves"] if m["move"] != 0]
    if moves:
        console.print(
            "Largest rank moves: "
            + "; ".join(
                f"{ordering_arrows(m['ordering'])} from {m['rank_a']} to {m['rank_b']}"
                for m in moves
            )
        )
    if len(done.metrics) > 1:
        others = ", ".join(m.metric for m in done.metrics[1:])
        console.print(f"Per-ordering differences of {others} are in variants.csv.")
    console.lines([f"Results: {directory.path}"])
