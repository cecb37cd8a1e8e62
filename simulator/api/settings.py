"""The settings records the API's functions take: one frozen record per kind of run.

Every record shares the sampling (replications, seed) and the machinery (where results go,
the executor, who hears of progress, the command recorded in the manifest); each kind adds
its own. The command line builds one record from its options; a notebook user builds the
same record, or passes its fields as keywords (`run_scenario(s, replications=100)`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from ..evidence.calibrate import DEFAULT_CUTOFF as CALIBRATE_CUTOFF
from ..evidence.calibrate import DEFAULT_DISCREPANCY as CALIBRATE_DISCREPANCY
from ..evidence.calibrate import DEFAULT_RANKING as CALIBRATE_RANKING
from ..evidence.calibrate import DEFAULT_SAMPLES as CALIBRATE_SAMPLES
from ..evidence.calibrate import DEFAULT_WAVES as CALIBRATE_WAVES
from ..executors import Executor, SerialExecutor
from ..experiment import AdaptiveSettings
from ..types import OrderingLike, Progress

S = TypeVar("S", bound="Settings")

SWEEP_REPLICATIONS = 200
"""Per ordering at each point of a sweep, or each setting of a robustness run."""
SENSITIVITY_REPLICATIONS = 100
"""Per ordering at each setting: a design has many settings, and a world block (100) is
one work item."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What every kind of run takes.

    `replications` per ordering (None: the scenario's `experiment.replications`) and
    `seed` (None: the scenario's `experiment.seed`); the results folder `out`; the
    `executor` (None: serial, in this process); a `progress` callback; and the
    `command` recorded in the manifest.
    """

    replications: int | None = None
    seed: int | None = None
    out: Path = Path("results")
    executor: Executor | None = None
    progress: Progress | None = None
    command: tuple[str, ...] = ()

    def runner(self) -> Executor:
        """The executor to run on."""
        return self.executor or SerialExecutor()

    def record(self) -> dict[str, Any]:
        """What the manifest records of where the run ran."""
        runner = self.runner()
        return {"executor": runner.name, "workers": runner.workers}


@dataclass(frozen=True, kw_only=True)
class RunSettings(Settings):
    """`run_scenario`: a fixed design (`replications` of every ordering), or the adaptive
    design when `adaptive` is given; `keep_replications` (fixed design) keeps every
    replication's record (None: while the table stays under `experiment.KEEP_CELLS`)."""

    adaptive: AdaptiveSettings | None = None
    keep_replications: bool | None = None


@dataclass(frozen=True, kw_only=True)
class SweepSettings(Settings):
    """`sweep`: one or two `varies` (`PATH=START:STOP:N`; none: the first assumption the
    scenario declares uncertain), and the width to which each tipping point is located
    (`tolerances`: none, one, or one per axis)."""

    varies: tuple[str, ...] = ()
    tolerances: tuple[float, ...] = ()
    replications: int | None = SWEEP_REPLICATIONS


@dataclass(frozen=True, kw_only=True)
class SensitivitySettings(Settings):
    """`sensitivity`: the `params` (`PATH=LOW:HIGH`; none: the assumptions the scenario
    declares uncertain) screened by `method` (`morris` or `sobol`) with `samples`
    trajectories or base points (None: the method's default), for `ordering`'s margin
    (None: the ordering `run_scenario` recommends) and the `top` orderings' mean
    utilities."""

    params: tuple[str, ...] = ()
    method: str = "morris"
    samples: int | None = None
    ordering: OrderingLike | None = None
    top: int = 3
    replications: int | None = SENSITIVITY_REPLICATIONS


@dataclass(frozen=True, kw_only=True)
class RobustnessSettings(Settings):
    """`robustness`: every ordering under `samples` settings of the `params`
    (`PATH=LOW:HIGH`; none: the assumptions the scenario declares uncertain), drawn over
    their box."""

    params: tuple[str, ...] = ()
    samples: int | None = None
    replications: int | None = SWEEP_REPLICATIONS


@dataclass(frozen=True, kw_only=True)
class CalibrateSettings(Settings):
    """`calibrate`: the `params` (`PATH=LOW:HIGH`; empty: the scenario's declared
    uncertain assumptions), `samples` settings per wave of history matching, at most
    `waves` waves, the `cutoff` on the implausibility (the largest over the observed
    events, or the second largest with `rule` `second`), the model `discrepancy` (a
    standard deviation in days), and how many calibrated settings every ordering is
    ranked at (`ranking`)."""

    params: tuple[str, ...] = ()
    samples: int = CALIBRATE_SAMPLES
    waves: int = CALIBRATE_WAVES
    cutoff: float = CALIBRATE_CUTOFF
    rule: str = "max"
    discrepancy: float = CALIBRATE_DISCREPANCY
    ranking: int = CALIBRATE_RANKING
    replications: int | None = SENSITIVITY_REPLICATIONS


@dataclass(frozen=True, kw_only=True)
class CompareSettings(Settings):
    """`compare_orderings`: two `orderings` of one scenario on the `metrics` (empty:
    utility)."""

    orderings: tuple[OrderingLike, OrderingLike]
    metrics: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class VariantSettings(Settings):
    """`compare_variants`: the `metrics` compared (empty: utility), and the `overrides`
    (`PATH=VALUE`) applied to each scenario file given (not to results directories)."""

    metrics: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ScoreSettings(Settings):
    """`score_forecast`: the forecast as of day `as_of` (None: the scenario as given, from
    its start or its own `observed:` block), run for `ordering` (None: the observed visit
    order, then the other visitors in the scenario's order)."""

    as_of: float | None = None
    ordering: OrderingLike | None = None


def settings_of(kind: type[S], given: S | None, fields_given: dict[str, Any]) -> S:
    """`given`, or a record built from keyword fields (not both)."""
    if given is not None and fields_given:
        raise TypeError("pass a settings record or its fields as keywords, not both")
    if given is not None:
        return given
    known = {f.name for f in fields(kind)}
    unknown = sorted(set(fields_given) - known)
    if unknown:
        raise TypeError(f"{kind.__name__} has no field {', '.join(unknown)}")
    return kind(**fields_given)
