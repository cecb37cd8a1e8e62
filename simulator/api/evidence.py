"""Evidence: how well the scenario forecast what then happened (DESIGN §9)."""

from __future__ import annotations

from typing import Any

from ..errors import SettingError, literal
from ..evidence.events import scored_events
from ..evidence.forecast import default_ordering, simulate_forecast
from ..evidence.load import observed_scenario
from ..evidence.observations import Observations
from ..evidence.score import Scores, score_forecast_samples
from ..experiment import check_memory, resolve_design
from ..output.rundir import RunDirectory, exclusive
from ..output.score_figures import write_score_figures
from ..output.score_files import write_score
from ..output.score_report import score_page
from ..output.tuning_report import write_page
from ..scenario import Scenario, metric_names
from ..tuning import parse_ordering
from ..types import Ordering, OrderingLike
from .settings import ScoreSettings, settings_of
from .tuning import TuningRun


def _as_of(scenario: Scenario, observations: Observations, given: float | None) -> float | None:
    """The day the forecast is made (None: the start), checked against the record."""
    as_of = given if given is not None or scenario.observed is None else scenario.observed.as_of
    if as_of is None:
        return None
    if not 0 <= as_of < observations.until:
        raise SettingError(
            f"{{as_of}} must be a day from 0 to before the end of the observations (day "
            f"{observations.until:g}), so that something is left to score (got {as_of:g})",
            setting="as_of",
        )
    return as_of


def _given_ordering(
    text: OrderingLike, scenario: Scenario, observations: Observations, as_of: float | None
) -> Ordering:
    """The ordering given, checked against the scenario's constraints and, as of a day,
    against the visits made by then, which a conditioned run's plan starts with."""
    ordering = parse_ordering(text, scenario.model_copy(update={"observed": None}), "ordering")
    made = () if as_of is None else observations.up_to(as_of).visited()
    if ordering[: len(made)] != made:
        raise SettingError(
            f"{{ordering}} {literal(','.join(ordering))}: by day {as_of:g} the visits made "
            f"were {literal(', '.join(made))}, in that order; the plan of a forecast made "
            "then starts with them",
            setting="ordering",
        )
    return ordering


def score_forecast(
    scenario: Scenario,
    observations: Observations,
    settings: ScoreSettings | None = None,
    **fields: Any,
) -> TuningRun[Scores]:
    """Score the scenario's forecast, as it stood on its start date or on day `as_of`,
    against the events observed after it: CRPS of each event's day, Brier and log scores
    of whether it happened by the end of the record, PIT values and interval coverage.

    The forecast runs one ordering: `ordering`, or by default the observed visit order
    followed by the other visitors in the scenario's order.
    """
    s = settings_of(ScoreSettings, settings, fields)
    as_of = _as_of(scenario, observations, s.as_of)
    forecasting = (
        scenario if s.as_of is None else observed_scenario(scenario, observations, s.as_of)
    )
    if s.ordering is None:
        ordering, why = default_ordering(forecasting, observations)
    else:
        ordering = _given_ordering(s.ordering, scenario, observations, as_of)
        why = "given by the user (the ordering setting)"
    events, skipped = scored_events(scenario, observations, as_of)
    if not events:
        raise SettingError(
            "nothing to score: every event of the scenario had been seen by {as_of}",
            setting="as_of",
        )
    replications, seed, _ = resolve_design(forecasting, s.replications, s.seed, fixed=False)
    check_memory(1, replications, len(metric_names(forecasting)))
    record = {
        "seed": seed,
        "replications": replications,
        "ordering": list(ordering),
        "ordering_reason": why,
        "as_of": None if as_of is None else float(as_of),
        "observations": {"source": observations.source, "until": float(observations.until)},
        **s.record(),
    }
    directory = RunDirectory.start(s.out, forecasting, record, list(s.command), kind="score")
    with exclusive(directory.path), directory.recording(resumable=False):
        forecast = simulate_forecast(
            forecasting,
            events,
            ordering,
            why,
            replications=replications,
            seed=seed,
            executor=s.executor,
            progress=s.progress,
        )
        scores = score_forecast_samples(
            forecast, observations.until, as_of, skipped, observations.source
        )
        document = write_score(directory, scores)
        write_score_figures(directory, scores)
    write_page(directory, lambda: score_page(directory, scores))
    return TuningRun(directory.path, scores, document)
