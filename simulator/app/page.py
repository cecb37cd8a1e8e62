"""The what-if page (Shiny for Python): move an assumption, watch the ranking move.

One slider per assumption of a `WhatIf` session (the scenario's `uncertain:` block, or
`--param`), plus replications, seed and policy. Moving any of them re-ranks every
ordering on the session's common worlds and redraws the ranking (mean ± CI, P(best)),
the recommended ordering's calendar (bands on a date axis, and the dates as text) and
the paired differences from the best.

- **Where it flips:** after every move, each slider shows the flips nearest its value,
  with the others where they are, found in the background one slider at a time
  (`tipping.Tipping`) while the ranking comes first.
- **Keep what you found:** save the setting as a variant file (`extends:` the base) in
  the results folder, and run the variant in full, with a link to its `report.html`
  (the results folder is the only one the page serves).

Every value goes through the engine's validation: a bad one shows the message `--set`
would give, and the page stays up.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure
from shiny import App, Inputs, Outputs, Session, reactive, render, ui

from ..api import run_scenario
from ..api.whatif import Control, Flip, NearestFlips, View, WhatIf
from ..errors import SimulatorError
from ..output.calendar import calendar_lines
from ..output.calendar_figure import calendar_figure
from ..scenario import load_scenario
from ..scenario.schema import POLICIES
from .tipping import Computing, Failed, Target, Tipping

ROWS = 10
"""Orderings shown in the ranking table (the best first)."""
POLL = 0.5
"""Seconds between looks at a tipping-point search under way."""

STYLE = """
body { font-family: system-ui, sans-serif; }
.ranking { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
.ranking th, .ranking td { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; }
.ranking td.ordering, .ranking th.ordering { text-align: left; }
.scroll { overflow-x: auto; max-width: 100%; }
pre.calendar { font-size: 0.8rem; white-space: pre; }
.reason { font-size: 0.8rem; color: #555; margin-top: -0.5rem; }
.error { color: #a40000; font-weight: 600; }
.flips { font-size: 0.85rem; margin-top: -0.5rem; }
.flips.computing { color: #555; font-style: italic; }
"""


def _step(control: Control) -> float:
    """A slider step: whole numbers for a whole-number field, else 1/100 of the range."""
    return 1.0 if control.integer else (control.high - control.low) / 100


def _slider(i: int, control: Control) -> Any:
    """A control's slider, its reason and its nearest flips."""
    return ui.div(
        ui.input_slider(
            f"a{i}",
            control.path,
            min=control.low,
            max=control.high,
            value=control.value,
            step=_step(control),
        ),
        ui.p(control.reason or "", class_="reason"),
        ui.output_ui(f"flips{i}"),
    )


def _ranking_html(view: View) -> str:
    """The top orderings as an HTML table: mean ± CI half-width and P(best)."""
    ranking = view.ranking
    rows = []
    for position, k in enumerate(ranking.order[:ROWS], start=1):
        half = (ranking.ci_high[k] - ranking.ci_low[k]) / 2
        rows.append(
            f"<tr><td>{position}</td><td class='ordering'>"
            f"{html.escape('→'.join(ranking.orderings[k]))}</td>"
            f"<td>{ranking.mean[k]:.3f} ± {half:.3f}</td><td>{ranking.p_best[k]:.2f}</td></tr>"
        )
    head = (
        "<tr><th>rank</th><th class='ordering'>ordering</th><th>mean ± 95% CI</th>"
        "<th>P(best)</th></tr>"
    )
    table = f"<table class='ranking' id='ranking'>{head}{''.join(rows)}</table>"
    return f"<div class='scroll'>{table}</div>"


def _differences_figure(view: View) -> Figure:
    """Paired differences of the top orderings from the best (mean and 95% CI, on the
    same worlds)."""
    ranking = view.ranking
    shown = list(ranking.order[1:ROWS])
    mean = ranking.diff_best[shown]
    low = mean - ranking.diff_best_low[shown]
    high = ranking.diff_best_high[shown] - mean
    figure = Figure(figsize=(7, 0.4 * len(shown) + 1.2), dpi=100, layout="tight")
    axes = figure.subplots()
    y = list(range(len(shown)))
    axes.errorbar(mean, y, xerr=[low, high], fmt="o", color="#1f4e79")
    axes.axvline(0, color="#888", linewidth=1)
    axes.set_yticks(y, ["→".join(ranking.orderings[k]) for k in shown], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("utility minus the best's: mean, 95% CI")
    return figure


def _ordering(ordering: tuple[str, ...]) -> str:
    """An ordering as the page writes it, escaped."""
    return html.escape("→".join(ordering))


def _flips_html(found: NearestFlips, shown: tuple[str, ...], replications: int) -> str:
    """A control's nearest flips: the ordering that becomes best on each side and where,
    or that none does over the range; the best at the search's replications if it is
    not the one the page ranks first."""

    def line(flip: Flip) -> str:
        return f"flips to {_ordering(flip.to)} at {flip.at:.3g} (current {found.current:.3g})"

    flips = [f for f in (found.below, found.above) if f is not None]
    lines = [line(f) for f in flips] or [f"no flip in [{found.low:g}, {found.high:g}]"]
    if found.best != shown:
        lines.append(f"(at {replications} replications the best here is {_ordering(found.best)})")
    return f"<p class='flips'>{'<br>'.join(lines)}</p>"


def _layout(session: WhatIf) -> Any:
    """The page: the controls in a sidebar, the ranking, calendar and differences."""
    scenario = session.base.scenario
    sidebar = ui.sidebar(
        *(_slider(i, c) for i, c in enumerate(session.controls)),
        ui.input_numeric(
            "replications", "Replications per ordering", value=session.replications, min=2
        ),
        ui.input_numeric("seed", "Seed", value=session.seed, min=0),
        ui.input_select("policy", "Policy", choices=list(POLICIES), selected=scenario.policy.mode),
        ui.input_action_button("save", "Save as a variant"),
        ui.input_action_button("full", "Run the variant in full"),
        ui.output_ui("saved"),
        width=380,
        open="always",
    )
    return ui.page_sidebar(
        sidebar,
        ui.tags.style(STYLE),
        ui.p(scenario.description),
        ui.output_ui("status"),
        ui.h4("Ranking"),
        ui.output_ui("ranking"),
        ui.h4("The recommended ordering's calendar"),
        ui.output_plot("calendar_figure", height=f"{110 + 60 * len(scenario.visitors)}px"),
        ui.output_ui("calendar"),
        ui.h4("Paired differences from the best"),
        ui.output_plot("differences", height="480px"),
        title=f"{scenario.name}: what if?",
    )


def make_app(session: WhatIf, results: Path, tipping: Tipping) -> App:
    """The page of a what-if session; variants and full runs go under `results`, and
    `tipping` searches the tipping points of the setting shown."""

    def server(input: Inputs, output: Outputs, _page: Session) -> None:
        def values() -> dict[str, float]:
            return {c.path: float(input[f"a{i}"]()) for i, c in enumerate(session.controls)}

        @reactive.calc
        def view() -> View | SimulatorError:
            try:
                return session.rank(
                    values(),
                    policy=input.policy(),
                    replications=int(input.replications() or 0),
                    seed=int(input.seed() or 0),
                )
            except SimulatorError as error:
                return error

        @reactive.calc
        def target() -> Target | None:
            if isinstance(view(), SimulatorError):
                return None
            replications, seed = int(input.replications() or 0), int(input.seed() or 0)
            return tipping.target(values(), input.policy(), replications, seed)

        @reactive.effect
        def _follow() -> None:
            wanted = target()  # after the ranking, which `target` waits for
            if wanted is not None:
                tipping.follow(wanted)

        _show(view, output)
        _keep(values, input, output, session, results)
        for i, control in enumerate(session.controls):
            _flips(i, control.path, view, target, tipping, output)

    return App(_layout(session), server, static_assets={"/results": results.resolve()})


def _show(view: Callable[[], View | SimulatorError], output: Outputs) -> None:
    """The outputs of the current view: status, ranking, calendar, differences."""

    @output(id="status")
    @render.ui
    def _status() -> Any:
        current = view()
        if isinstance(current, SimulatorError):
            return ui.p(f"error: {current.render({})}", class_="error", id="error")
        took = "cached" if current.seconds == 0 else f"{current.seconds:.2f} s"
        p_best = current.ranking.p_best[current.ranking.order[0]]
        return ui.p(
            ui.strong("Best: "),
            ui.span("→".join(current.best), id="best"),
            f" (P(best) {p_best:.2f}; {took})",
        )

    @output(id="ranking")
    @render.ui
    def _ranking() -> Any:
        current = view()
        return "" if isinstance(current, SimulatorError) else ui.HTML(_ranking_html(current))

    @output(id="calendar_figure")
    @render.plot(
        alt="the recommended ordering's calendar: when each visitor asks, is accepted and "
        "visits, as bands on a date axis (the dates are in the text below)"
    )
    def _calendar_figure() -> Any:
        current = view()
        if isinstance(current, SimulatorError):
            return None
        figure = calendar_figure(current.calendar)
        figure.set_layout_engine("tight")  # the one Shiny sizes figures with
        return figure

    @output(id="calendar")
    @render.ui
    def _calendar() -> Any:
        current = view()
        if isinstance(current, SimulatorError):
            return ""
        lines = calendar_lines(current.calendar, 80)
        return ui.div(ui.tags.pre("\n".join(lines), class_="calendar"), class_="scroll")

    @output(id="differences")
    @render.plot(alt="paired differences from the best ordering")
    def _differences() -> Any:
        current = view()
        if isinstance(current, SimulatorError) or len(current.ranking.order) < 2:
            return None
        return _differences_figure(current)


def _keep(
    values: Callable[[], dict[str, float]],
    input: Inputs,
    output: Outputs,
    session: WhatIf,
    results: Path,
) -> None:
    """Save the setting as a variant; run the variant in full and link its report."""
    variants = results / session.base.scenario.name / "variants"
    chosen: reactive.Value[Path | None] = reactive.value(None)

    def save() -> Path | None:
        try:
            path = session.save_variant(values(), variants, input.policy())
        except SimulatorError as error:
            ui.notification_show(f"error: {error.render({})}", type="error")
            return None
        chosen.set(path)
        return path

    @reactive.extended_task
    async def full_run(path: Path) -> Path:
        return await asyncio.to_thread(_run_full, path, results, session)

    @reactive.effect
    @reactive.event(input.save)
    def _save() -> None:
        save()

    @reactive.effect
    @reactive.event(input.full)
    def _full() -> None:
        path = save()
        if path is not None:
            full_run.invoke(path)

    @output(id="saved")
    @render.ui
    def _saved() -> Any:
        parts = []
        path = chosen()
        if path is not None:
            parts.append(ui.p("Saved: ", ui.code(str(path), id="variant")))
        status = full_run.status()
        if status == "running":
            parts.append(ui.p("Running the variant in full…"))
        elif status == "success":
            report = full_run.result().relative_to(results) / "report.html"
            link = ui.a("Open its report", href=f"results/{report}", target="_blank", id="report")
            parts.append(ui.p(link))
        elif status == "error":
            parts.append(ui.p("The full run failed; see the terminal.", class_="error"))
        return ui.div(*parts)


def _flips(
    i: int,
    path: str,
    view: Callable[[], View | SimulatorError],
    target: Callable[[], Target | None],
    tipping: Tipping,
    output: Outputs,
) -> None:
    """Control `i`'s nearest flips at the setting shown: "computing…" until the
    background search has them, looked at every `POLL` seconds."""

    @output(id=f"flips{i}")
    @render.ui
    def _show_flips() -> Any:
        current, wanted = view(), target()
        if wanted is None or isinstance(current, SimulatorError):
            return ""
        state = tipping.state(path, wanted)
        if isinstance(state, Computing):
            reactive.invalidate_later(POLL)
            progress = f"{state.tried} values tried" if state.started else "queued"
            return ui.p(f"computing… ({progress})", class_="flips computing")
        if isinstance(state, Failed):
            return ui.p(f"no tipping points: {state.message}", class_="flips error")
        return ui.HTML(_flips_html(state, current.best, wanted.replications))


def _run_full(variant: Path, results: Path, session: WhatIf) -> Path:
    """`visitsim run` of a saved variant, at its own replications; its results folder."""
    return run_scenario(load_scenario(variant), out=results, executor=session.executor).directory
