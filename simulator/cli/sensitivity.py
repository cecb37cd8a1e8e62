"""`visitsim sensitivity`: which assumptions move the recommendation (Morris, Sobol)."""

from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from ..executors import Executor
from ..experiment import resolve_design
from ..output.sensitivity_report import sensitivity_page
from ..output.tables import ordering_arrows
from ..output.terminal import Pieces, Printer
from ..output.tuning_figures import write_sensitivity_figures
from ..output.tuning_files import write_sensitivity
from ..output.tuning_report import write_page
from ..tuning import Base, parse_ordering, parse_param, run_sensitivity
from ..tuning.sensitivity import DEFAULT_SAMPLES, METHODS, check_sensitivity
from .main import main
from .options import scenario_options, tuning_options
from .recording import echo_json, tuning_run, tuning_settings


def _f(x: float | None) -> str:
    return "–" if x is None else f"{x:.3g}"


def _caption(method: str) -> str:
    what = (
        "mu*: mean absolute change of the margin per full range of the assumption; mu: "
        "signed; sigma: spread (non-linearity, interactions)."
        if method == "morris"
        else "ST: share of the margin's variance due to the assumption with its "
        "interactions; S1: alone."
    )
    return f"{what} at LOW/HIGH: the margin with that assumption at its bound, others as given."


DEFAULT_REPLICATIONS = 100
"""Per setting: a design has many settings, and a world block (100) is one work item."""


@main.command()
@scenario_options
@click.option(
    "--param",
    "params",
    multiple=True,
    required=True,
    metavar="PATH=LOW:HIGH",
    help="An assumption and its plausible range, e.g. host.preference.penalty=0:2 (repeatable).",
)
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="morris",
    show_default=True,
    help="morris: elementary effects (screening); sobol: variance-based indices.",
)
@click.option(
    "--samples",
    type=int,
    help=f"Morris trajectories (default {DEFAULT_SAMPLES['morris']}) or Sobol base points, "
    f"a power of 2 (default {DEFAULT_SAMPLES['sobol']}).",
)
@click.option(
    "--ordering",
    metavar="V1,V2,...",
    help="The ordering whose margin is analysed (default: the one `visitsim run` "
    "recommends for SCENARIO with this seed, found by simulating run's default design "
    "first).",
)
@click.option(
    "--top",
    type=int,
    default=3,
    show_default=True,
    help="Top orderings whose mean utility is analysed too.",
)
@tuning_options(DEFAULT_REPLICATIONS, "at each setting")
def sensitivity(
    scenario: Path,
    overrides: tuple[str, ...],
    params: tuple[str, ...],
    method: str,
    samples: int | None,
    top: int,
    ordering: str | None,
    replications: int,
    seed: int | None,
    executor: Executor,
    out: Path,
    fmt: str,
    quiet: bool,
) -> None:
    """How much each assumption of SCENARIO moves the selected ordering's margin over
    the runner-up, and the top orderings' mean utilities."""
    base = Base.load(scenario, overrides)
    checked, n = check_sensitivity(base, [parse_param(p) for p in params], method, samples, top)
    tracked = None if ordering is None else parse_ordering(ordering, base.scenario)
    replications, seed, _ = resolve_design(base.scenario, replications, seed)
    settings = tuning_settings(
        seed,
        replications,
        executor,
        overrides,
        method=method,
        samples=n,
        top=top,
        ordering=ordering,
        params=list(params),
    )
    description = f"sensitivity of {base.scenario.name}"
    with tuning_run(out, "sensitivity", base, settings, quiet, description) as (directory, bar):
        done = run_sensitivity(
            base,
            list(checked),
            method=method,
            samples=n,
            top=top,
            ordering=tracked,
            replications=replications,
            seed=seed,
            executor=executor,
            progress=bar,
        )
        document = write_sensitivity(directory, done)
        write_sensitivity_figures(directory, done)
    write_page(directory, lambda: sensitivity_page(directory, done, document))
    if fmt == "json":
        echo_json(document, directory)
        return
    console = Printer()
    selected = ordering_arrows(document["selected"])
    margin = done.outputs[0]
    behind = (
        f" (negative: at {done.replications} replications another ordering comes out ahead)"
        if margin.base < 0
        else ""
    )
    console.print(
        f"{base.scenario.name}: {method}, {done.settings} settings x {done.replications} "
        f"replications (seed {done.seed})\nSelected ordering: {selected}, "
        f"{document['selected_by']['text']}; its margin over the best other ordering is "
        f"{margin.base:.3g} in the scenario as given{behind}."
    )
    table = Table(
        title="Influence on the selected ordering's margin (most influential first)",
        title_justify="left",
        caption=_caption(method),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("assumption")
    headers = ("mu*", "mu", "sigma") if method == "morris" else ("ST [95% CI]", "S1")
    for h in (*headers, "at LOW", "at HIGH"):
        table.add_column(h, justify="right", no_wrap=True, overflow="fold")
    for row in (r for r in document["indices"] if r["output"] == "margin"):
        if method == "morris":
            cells = [_f(row["mu_star"]), _f(row["mu"]), _f(row["sigma"])]
        else:
            ci = f"[{_f(row['total_ci_low'])}, {_f(row['total_ci_high'])}]"
            cells = [f"{_f(row['total'])} {ci}", _f(row["first"])]
        table.add_row(Pieces(row["parameter"], "."), *cells, _f(row["at_low"]), _f(row["at_high"]))
    console.print(table)
    measure = "mu*" if method == "morris" else "ST"
    for out_indices in done.outputs[1:]:
        ranked = out_indices.ranked()
        listing = ", ".join(
            f"{done.assumptions[i].path} {out_indices.influence[i]:.3g}" for i in ranked
        )
        ordering = ordering_arrows(out_indices.output.removeprefix("mean:").split(","))
        console.print(f"Mean utility of {ordering}: {measure} {listing}")
    console.lines([f"Results: {directory.path}"])
